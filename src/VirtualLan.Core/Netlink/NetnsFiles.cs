using System.Globalization;

namespace VirtualLan.Netlink;

/// <summary>
/// Makes and deletes named network namespaces the way iproute2's <c>ip netns add</c> and
/// <c>ip netns delete</c> do (ip/ipnetns.c), without starting it: /run/netns is made a shared mount
/// point (bound onto itself first when it is not a mount point), the empty file /run/netns/NAME is
/// created, and the opener thread (<see cref="NamespaceOpener"/>) unshares a new network namespace,
/// bind-mounts it there and goes back to the process's namespace. A
/// deletion detaches the mount and removes the file; the kernel frees the namespace when nothing
/// holds it any more.
/// </summary>
public static class NetnsFiles
{
    /// <summary>The folder of named namespaces.</summary>
    public const string Folder = "/run/netns";

    /// <summary>Returns the file of a named namespace.</summary>
    /// <param name="name">The name.</param>
    /// <returns>/run/netns/NAME.</returns>
    public static string PathOf(string name) => Folder + "/" + name;

    /// <summary>Creates a named network namespace, as <c>ip netns add NAME</c>.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="NetlinkException">It could not be made; the message is the one ip prints (<c>Cannot create namespace file "/run/netns/NAME": File exists</c>).</exception>
    public static void Add(string name) => Add(name, madeShared: false);

    /// <summary>Creates a named network namespace, as <c>ip netns add NAME</c>; several in a row need /run/netns made shared once.</summary>
    /// <param name="name">The name.</param>
    /// <param name="madeShared">True when /run/netns was made a shared mount point just before (by an earlier call of the same run).</param>
    /// <exception cref="NetlinkException">It could not be made.</exception>
    public static void Add(string name, bool madeShared)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new NetlinkException(Native.Einval, $"Invalid netns name \"{name}\"");
        }

        if (!madeShared)
        {
            MakeShared();
        }

        var path = PathOf(name);
        var fd = Native.Open(path, Native.OReadOnly | Native.OCreate | Native.OExclusive | Native.OCloexec, 0);
        if (fd < 0)
        {
            throw NetlinkException.Of(Native.Errno, $"Cannot create namespace file \"{path}\"");
        }

        _ = Native.Close(fd);
        try
        {
            NamespaceOpener.Run(default, () =>
            {
                if (Native.Unshare(Native.CloneNewNet) < 0)
                {
                    throw NetlinkException.Of(Native.Errno, $"Failed to create a new network namespace \"{name}\"");
                }

                var own = string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{Native.GetThreadId()}/ns/net");
                if (Native.Mount(own, path, "none", Native.MsBind, 0) < 0)
                {
                    throw NetlinkException.Of(Native.Errno, $"Bind {own} -> {path} failed");
                }
            });
        }
        catch
        {
            _ = Native.Unlink(path);
            throw;
        }
    }

    /// <summary>Deletes a named network namespace, as <c>ip netns delete NAME</c>.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="NetlinkException">The file could not be removed (<c>Cannot remove namespace file "/run/netns/NAME": No such file or directory</c>).</exception>
    public static void Delete(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = PathOf(name);
        _ = Native.Unmount(path, Native.MntDetach);
        if (Native.Unlink(path) < 0)
        {
            throw NetlinkException.Of(Native.Errno, $"Cannot remove namespace file \"{path}\"");
        }
    }

    /// <summary>
    /// Makes /run/netns a shared mount point, so that namespaces mounted there are seen from mount
    /// namespaces made later (ip netns exec): iproute2 tries <c>--make-shared</c>, and when the folder
    /// is not a mount point yet (EINVAL) binds it onto itself and tries again.
    /// </summary>
    private static void MakeShared()
    {
        if (Native.MakeDirectory(Folder, 0x1ED) < 0 && Native.Errno != Native.Eexist)
        {
            throw NetlinkException.Of(Native.Errno, $"mkdir {Folder} failed");
        }

        var bound = false;
        while (Native.Mount(string.Empty, Folder, "none", Native.MsShared | Native.MsRec, 0) < 0)
        {
            var errno = Native.Errno;
            if (errno != Native.Einval || bound)
            {
                throw NetlinkException.Of(errno, $"\"mount --make-shared {Folder}\" failed");
            }

            if (Native.Mount(Folder, Folder, "none", Native.MsBind | Native.MsRec, 0) < 0)
            {
                throw NetlinkException.Of(Native.Errno, $"\"mount --bind {Folder} {Folder}\" failed");
            }

            bound = true;
        }
    }
}
