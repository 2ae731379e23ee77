using VirtualLan.Netlink;

namespace VirtualLan.Linux;

/// <summary>
/// Leaves /run/netns as a sandbox found it. The first <c>ip netns add</c> on a machine makes the
/// folder and binds it onto itself as a shared mount point, and nothing removes it afterwards; so
/// Enter-VlanSandbox, when the folder is missing, leaves a marker file first, and Exit-VlanSandbox,
/// when the marker is there and no namespace is left in the folder, unmounts and removes the folder
/// and the marker. A folder that was there before any sandbox is never touched, nor one that still
/// holds a namespace (the marker stays for the exit that empties it). /run is root's, so no other
/// user can place or remove the marker.
/// </summary>
public sealed class NetnsFolder
{
    private const int UmountNoFollow = 8;
    private const int ONoFollow = 0x20000;

    /// <summary>Initializes a new instance of the <see cref="NetnsFolder"/> class.</summary>
    /// <param name="folder">The folder of named namespaces.</param>
    /// <param name="marker">The marker file that says VirtualLan made the folder.</param>
    public NetnsFolder(string folder = NetnsFiles.Folder, string marker = "/run/virtuallan-netns.made")
    {
        Folder = folder;
        Marker = marker;
    }

    /// <summary>Gets the folder of named namespaces.</summary>
    public string Folder { get; }

    /// <summary>Gets the marker file.</summary>
    public string Marker { get; }

    /// <summary>Gets a value indicating whether the folder exists.</summary>
    public bool Exists => Directory.Exists(Folder);

    /// <summary>Notes that the folder is about to be made for a sandbox (it is missing now).</summary>
    public void MarkMade()
    {
        var fd = Native.Open(Marker, Native.OReadOnly | Native.OCreate | Native.OCloexec | ONoFollow, 0x180);
        if (fd < 0)
        {
            throw new IOException($"Cannot create {Marker}: {Native.Describe(Native.Errno)}");
        }

        _ = Native.Close(fd);
    }

    /// <summary>
    /// Unmounts and removes the folder when a sandbox made it and no namespace is left in it, then the marker.
    /// </summary>
    /// <returns>What was done, for -Verbose, or why the folder stays, or null when there was nothing to do; Removed tells which.</returns>
    public (bool Removed, string? Text) RemoveIfMadeAndEmpty()
    {
        if (!File.Exists(Marker))
        {
            return (false, null);
        }

        if (Directory.Exists(Folder))
        {
            if (Directory.EnumerateFileSystemEntries(Folder).Any())
            {
                return (false, null);
            }

            // ip binds the folder onto itself once (a second bind by hand stacks another); unmounting
            // until the kernel says it is no mount point (EINVAL) leaves the bare folder.
            for (var i = 0; i < 8; i++)
            {
                if (Native.Unmount(Folder, UmountNoFollow) < 0)
                {
                    var errno = Native.Errno;
                    if (errno == Native.Einval)
                    {
                        break;
                    }

                    return (false, $"{Folder}, made for the sandbox, could not be unmounted ({Native.Describe(errno)}); run 'umount {Folder}' and 'rmdir {Folder}'.");
                }
            }

            try
            {
                Directory.Delete(Folder, recursive: false);
            }
            catch (IOException e)
            {
                // A namespace added by someone else just now: the folder is theirs to keep.
                return (false, $"{Folder} stays: {e.Message}");
            }
        }

        File.Delete(Marker);
        return (true, $"Removed {Folder}, which the sandbox had made and no namespace uses any more.");
    }
}
