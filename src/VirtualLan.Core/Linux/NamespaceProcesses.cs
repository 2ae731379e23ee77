using System.Globalization;

namespace VirtualLan.Linux;

/// <summary>
/// Finds the processes of every named network namespace in one pass, without starting a process:
/// what <c>ip netns pids NAME</c> does for one name, done for all of them at once.
/// </summary>
public static class NamespaceProcesses
{
    /// <summary>
    /// Maps each namespace under /run/netns to the ids of the processes whose network namespace it is.
    /// The mount table gives each name's namespace (nsfs mounts show it as net:[INODE]); each process's
    /// /proc/PID/ns/net link names its own the same way.
    /// </summary>
    /// <returns>Name → process ids; a name with no process is absent.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Scan()
    {
        var names = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, identity) in NamedNamespaces(File.ReadAllText("/proc/self/mountinfo")))
        {
            if (!names.TryGetValue(identity, out var list))
            {
                names[identity] = list = new List<string>();
            }

            list.Add(name);
        }

        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(folder);
            if (pid.Length == 0 || !pid.All(char.IsAsciiDigit))
            {
                continue;
            }

            string? identity;
            try
            {
                identity = new FileInfo(Path.Combine(folder, "ns", "net")).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // the process ended, or is not ours to look at
            }

            if (identity is not null && names.TryGetValue(identity, out var owners))
            {
                foreach (var owner in owners)
                {
                    if (!result.TryGetValue(owner, out var pids))
                    {
                        result[owner] = pids = new List<string>();
                    }

                    pids.Add(pid);
                }
            }
        }

        return result.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.OrderBy(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Reads the named namespaces from a mount table: mounts of nsfs under /run/netns.</summary>
    /// <param name="mountinfo">The text of /proc/self/mountinfo.</param>
    /// <returns>Each name with its namespace identity, such as net:[4026532177].</returns>
    public static IEnumerable<(string Name, string Identity)> NamedNamespaces(string mountinfo)
    {
        foreach (var line in (mountinfo ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length || fields[separator + 1] != "nsfs"
                || !fields[3].StartsWith("net:[", StringComparison.Ordinal) || !fields[4].StartsWith("/run/netns/", StringComparison.Ordinal))
            {
                continue;
            }

            yield return (fields[4]["/run/netns/".Length..], fields[3]);
        }
    }
}
