using System.Globalization;

namespace VirtualLan.Linux;

/// <summary>
/// Tells the module's own background processes (the DHCP clients it started, and any later
/// daemon started the same way) from the user's: each keeps its id in a pid file
/// /run/virtuallan-NAMESPACE-PROGRAM.pid (dnsmasq: dnsmasq.pid in its folder, <see cref="Dnsmasq"/>),
/// and its command line names that file (alone, or as --option=FILE).
/// </summary>
public sealed class ModuleProcesses
{
    private readonly Func<string, IEnumerable<string>> _pidFiles;
    private readonly Func<string, string?> _read;
    private readonly Func<int, IReadOnlyList<string>> _commandLine;

    /// <summary>Initializes a new instance of the <see cref="ModuleProcesses"/> class.</summary>
    /// <param name="pidFiles">Lists the pid files of a namespace.</param>
    /// <param name="read">Reads a file, or returns null when it cannot.</param>
    /// <param name="commandLine">Reads a process's arguments (empty when it is gone).</param>
    public ModuleProcesses(Func<string, IEnumerable<string>> pidFiles, Func<string, string?> read, Func<int, IReadOnlyList<string>> commandLine)
    {
        _pidFiles = pidFiles;
        _read = read;
        _commandLine = commandLine;
    }

    /// <summary>Gets the processes of this machine, read from /run and /proc.</summary>
    public static ModuleProcesses Machine { get; } = new(PidFilesIn, Dnsmasq.ReadOrNull, ProcessIdentity.CommandLine);

    /// <summary>Finds which of a namespace's processes the module started.</summary>
    /// <param name="namespaceName">The namespace, as named under /run/netns.</param>
    /// <param name="pids">The processes running in it.</param>
    /// <returns>The ids of the module's own processes among them.</returns>
    public IReadOnlyList<string> Own(string namespaceName, IReadOnlyCollection<string> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var own = new List<string>();
        foreach (var file in _pidFiles(namespaceName))
        {
            var pid = _read(file)?.Trim();
            if (pid is null || !pids.Contains(pid) || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            // A pid file only says which id it was; the process holding that id now must be the one started with it.
            if (_commandLine(id).Any(a => a == file || a.EndsWith("=" + file, StringComparison.Ordinal)))
            {
                own.Add(pid);
            }
        }

        return own.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Describes a process for a message: its id and command line.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>Such as "1234 (sleep 300)"; the id alone when the process is gone.</returns>
    public string Describe(string pid)
    {
        var argv = int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? _commandLine(id) : Array.Empty<string>();
        return argv.Count == 0 ? pid : $"{pid} ({string.Join(' ', argv)})";
    }

    /// <summary>The pid file pattern of a namespace's module processes under /run.</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The files that exist.</returns>
    private static IEnumerable<string> PidFilesIn(string namespaceName)
    {
        try
        {
            return Directory.EnumerateFiles("/run", $"virtuallan-{namespaceName}-*.pid")
                .Concat(Dnsmasq.Folders(namespaceName).Select(Dnsmasq.PidFile))
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }
}
