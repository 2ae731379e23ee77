namespace VirtualLan.Execution;

/// <summary>
/// Finds the external programs the module runs and names the Debian package of any that is missing.
/// </summary>
public sealed class ToolLocator
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["ip"] = "iproute2",
        ["bridge"] = "iproute2",
        ["iptables"] = "iptables",
        ["iptables-save"] = "iptables",
        ["iptables-restore"] = "iptables",
        ["nsenter"] = "util-linux",
        ["sysctl"] = "procps",
        ["conntrack"] = "conntrack",
        ["kill"] = "procps",
        ["pkill"] = "procps",
        ["docker"] = "docker.io",
        ["tcpdump"] = "tcpdump",
        ["xtables-monitor"] = "iptables",
        ["stdbuf"] = "coreutils",
        ["udhcpc"] = "udhcpc",
        ["dhclient"] = "isc-dhcp-client",
        ["dhcpcd"] = "dhcpcd-base",
        ["dot"] = "graphviz",
        ["dnsmasq"] = "dnsmasq-base",
    };

    private static readonly string[] ExtraFolders = { "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin" };

    private readonly Dictionary<string, string> _found = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly Func<string, bool> _exists;
    private readonly string? _path;

    /// <summary>Initializes a new instance of the <see cref="ToolLocator"/> class that searches PATH and the sbin folders.</summary>
    public ToolLocator()
        : this(Environment.GetEnvironmentVariable("PATH"), File.Exists)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolLocator"/> class with a given search path.</summary>
    /// <param name="path">The PATH value to search first.</param>
    /// <param name="exists">Tells whether a file exists.</param>
    public ToolLocator(string? path, Func<string, bool> exists)
    {
        _path = path;
        _exists = exists;
    }

    /// <summary>Gets the Debian package that provides a program, or null if the module does not know it.</summary>
    /// <param name="program">The program name.</param>
    /// <returns>The package name.</returns>
    public static string? PackageOf(string program) => Packages.GetValueOrDefault(program);

    /// <summary>Returns the full path of a program, or null when it is not installed.</summary>
    /// <param name="program">The program name.</param>
    /// <returns>The path, or null.</returns>
    public string? Find(string program)
    {
        try
        {
            return Require(program);
        }
        catch (VlanException)
        {
            return null;
        }
    }

    /// <summary>Returns the full path of a program, or throws a <see cref="VlanException"/> naming its package.</summary>
    /// <param name="program">The program name, or an absolute path.</param>
    /// <returns>The absolute path.</returns>
    public string Require(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (Path.IsPathRooted(program))
        {
            return program;
        }

        lock (_gate)
        {
            if (_found.TryGetValue(program, out var cached))
            {
                return cached;
            }

            // Root shells opened with sudo often lack the sbin folders where ip and iptables live.
            var folders = (_path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraFolders);
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, program);
                if (_exists(candidate))
                {
                    _found[program] = candidate;
                    return candidate;
                }
            }
        }

        var package = PackageOf(program);
        throw new VlanException(
            ErrorIds.ToolNotInstalled,
            VlanErrorKind.NotInstalled,
            program,
            package is null
                ? $"The program '{program}' is not installed or not on PATH. Install it and try again."
                : $"The program '{program}' is not installed. Install the Debian package '{package}' (apt-get install {package}) and try again.");
    }
}
