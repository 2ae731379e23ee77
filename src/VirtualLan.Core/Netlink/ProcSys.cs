using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Kernel settings of a namespace read and written through /proc/sys on the opener thread while it
/// is inside the namespace (/proc/sys/net shows the namespace of the task that opens it), so
/// <c>sysctl -n</c> and <c>sysctl -qw</c> need no process. Keys are taken as procps's sysctl takes
/// them: with a '/' a path under /proc/sys, else dot-separated; failures say what sysctl says.
/// </summary>
public static class ProcSys
{
    /// <summary>The file of a key, as sysctl finds it.</summary>
    /// <param name="key">net.ipv4.ip_forward, or net/ipv6/conf/eth0.5/accept_ra.</param>
    /// <returns>The path under /proc/sys.</returns>
    public static string PathOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "/proc/sys/" + (key.Contains('/', StringComparison.Ordinal) ? key.TrimStart('/') : key.Replace('.', '/'));
    }

    /// <summary>Reads settings inside a namespace; fails as <c>sysctl -n</c> does (exit 255, "sysctl: cannot stat …").</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="keys">The keys.</param>
    /// <returns>What <c>sysctl -n KEY…</c> prints: one value per line.</returns>
    /// <exception cref="CommandFailedException">A key has no file, or the namespace cannot be entered.</exception>
    public static string Read(NetNamespace at, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var command = at.Exec("sysctl", ["-n", .. keys]);
        var values = new string[keys.Count];
        string? failure = null;
        Enter(at, command, () =>
        {
            for (var i = 0; i < keys.Count && failure is null; i++)
            {
                try
                {
                    values[i] = File.ReadAllText(PathOf(keys[i])).TrimEnd('\n');
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failure = $"sysctl: cannot stat {PathOf(keys[i])}: {Reason(e)}\n";
                }
            }
        });
        return failure is null
            ? string.Concat(values.Select(v => v + "\n"))
            : throw new CommandFailedException(command, 255, failure, Array.Empty<CommandLine>(), Array.Empty<string>());
    }

    /// <summary>Writes settings inside a namespace, in order, stopping at the first that fails.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="settings">The keys and values.</param>
    /// <returns>Null, or what sysctl prints for the setting that failed.</returns>
    public static string? Write(NetNamespace at, IReadOnlyList<(string Key, string Value)> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string? failure = null;
        try
        {
            NamespaceOpener.Run(at, () =>
            {
                foreach (var (key, value) in settings)
                {
                    try
                    {
                        File.WriteAllText(PathOf(key), value + "\n");
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        failure = e is FileNotFoundException or DirectoryNotFoundException
                            ? $"sysctl: cannot stat {PathOf(key)}: No such file or directory"
                            : $"sysctl: setting key \"{key}\": {Reason(e)}";
                        return;
                    }
                }
            });
        }
        catch (NetlinkException e)
        {
            failure = e.Message;
        }

        return failure;
    }

    private static void Enter(NetNamespace at, CommandLine command, Action read)
    {
        try
        {
            NamespaceOpener.Run(at, read);
        }
        catch (NetlinkException e)
        {
            throw new CommandFailedException(command, 1, e.Message + "\n", Array.Empty<CommandLine>(), Array.Empty<string>());
        }
    }

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
