using System.Globalization;
using System.Runtime.InteropServices;

namespace VirtualLan.Linux;

/// <summary>
/// Keeps named network namespaces alive while their names are deleted, by holding an open file
/// descriptor on each (/run/netns/NAME) in this process. A name deleted by mistake is given back
/// with <c>mount --bind /proc/PID/fd/N /run/netns/NAME</c>; once the change is complete, disposing
/// the hold lets the kernel free them. Holding costs no process, however many namespaces.
/// </summary>
public sealed class NamespaceHold : IDisposable
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
    private readonly Dictionary<string, int> _descriptors = new(StringComparer.Ordinal);

    private NamespaceHold()
    {
    }

    /// <summary>Opens a hold on each named namespace that exists; those that cannot be opened are not held.</summary>
    /// <param name="names">The names under /run/netns.</param>
    /// <returns>The hold.</returns>
    public static NamespaceHold Open(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var hold = new NamespaceHold();
        foreach (var name in names)
        {
            var fd = OpenFile("/run/netns/" + name, ReadOnlyCloseOnExec);
            if (fd >= 0)
            {
                hold._descriptors[name] = fd;
            }
        }

        return hold;
    }

    /// <summary>Returns the path through which another process reaches a held namespace, or null when it is not held.</summary>
    /// <param name="name">The name.</param>
    /// <returns>/proc/PID/fd/N, or null.</returns>
    public string? PathOf(string name) =>
        _descriptors.TryGetValue(name, out var fd) ? string.Create(CultureInfo.InvariantCulture, $"/proc/{Environment.ProcessId}/fd/{fd}") : null;

    /// <summary>The commands that give a held namespace its name back after <c>ip netns delete</c>, or null when it is not held.</summary>
    /// <param name="name">The name under /run/netns.</param>
    /// <returns>touch and mount --bind of the held namespace on /run/netns/NAME, or null.</returns>
    public IReadOnlyList<Execution.CommandLine>? Remount(string name)
    {
        var held = PathOf(name);
        var named = "/run/netns/" + name;
        return held is null ? null : new[] { new Execution.CommandLine("touch", named), new Execution.CommandLine("mount", "--no-canonicalize", "--bind", held, named) };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var fd in _descriptors.Values)
        {
            _ = CloseFile(fd);
        }

        _descriptors.Clear();
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int OpenFile([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseFile(int fd);
}
