using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// Where a LAN's dnsmasq keeps its files, and how they read. One root-only folder per LAN,
/// /run/virtuallan-NAMESPACE-dnsmasq.BRIDGE (NAMESPACE: the router's or the sandbox's namespace;
/// /run/virtuallan-dnsmasq.BRIDGE in the machine's own), so that <see cref="ModuleProcesses"/> finds
/// its pid file and Exit-VlanSandbox deletes it with the sandbox.
/// </summary>
public static class Dnsmasq
{
    /// <summary>The Debian package that installs dnsmasq without its system service.</summary>
    public const string Package = "dnsmasq-base";

    /// <summary>The folder of a LAN's dnsmasq.</summary>
    /// <param name="runNamespace">The namespace it runs in, or null for the machine's own.</param>
    /// <param name="bridge">The LAN's bridge.</param>
    /// <returns>The folder.</returns>
    public static string Folder(string? runNamespace, string bridge) =>
        runNamespace is null ? $"/run/virtuallan-dnsmasq.{bridge}" : $"/run/virtuallan-{runNamespace}-dnsmasq.{bridge}";

    /// <summary>The folders of the dnsmasq instances run in a namespace, that exist.</summary>
    /// <param name="runNamespace">The namespace.</param>
    /// <returns>The folders.</returns>
    public static IReadOnlyList<string> Folders(string runNamespace)
    {
        try
        {
            return Directory.EnumerateDirectories("/run", $"virtuallan-{runNamespace}-dnsmasq.*").Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <summary>Tells, without reading the kernel, whether a DHCP server may run for a host: a folder of one exists.</summary>
    /// <param name="sandbox">The sandbox, or null for the machine.</param>
    /// <returns>True when one may.</returns>
    public static bool AnyFor(string? sandbox)
    {
        try
        {
            return Directory.EnumerateDirectories("/run", sandbox is null ? "virtuallan-*dnsmasq.*" : $"virtuallan-{sandbox}*-dnsmasq.*").Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The configuration file, the only one dnsmasq reads.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string ConfFile(string folder) => folder + "/dnsmasq.conf";

    /// <summary>The pid file, named on dnsmasq's command line.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string PidFile(string folder) => folder + "/dnsmasq.pid";

    /// <summary>The lease file.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string LeaseFile(string folder) => folder + "/leases";

    /// <summary>The names of the LAN (addn-hosts), re-read on SIGHUP.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string HostsFile(string folder) => folder + "/hosts";

    /// <summary>The static leases (dhcp-hostsfile), re-read on SIGHUP.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string DhcpHostsFile(string folder) => folder + "/dhcp-hosts";

    /// <summary>The log file.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The path.</returns>
    public static string LogFile(string folder) => folder + "/dnsmasq.log";

    /// <summary>The command that starts dnsmasq in a namespace; it forks once its sockets are bound, so a failure to start is its exit code and message.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="folder">The folder.</param>
    /// <returns>The command.</returns>
    public static CommandLine Start(NetNamespace at, string folder) =>
        at.Exec("dnsmasq", new[] { "--conf-file=" + ConfFile(folder), "--pid-file=" + PidFile(folder) });

    /// <summary>Reads dnsmasq's lease file: "EXPIRY MAC ADDRESS NAME CLIENT-ID" per line.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="bridge">The LAN's bridge.</param>
    /// <param name="sandbox">The sandbox, or null.</param>
    /// <returns>The leases.</returns>
    public static IReadOnlyList<DhcpLease> ParseLeases(string? text, string bridge, string? sandbox)
    {
        var leases = new List<DhcpLease>();
        foreach (var line in (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length < 4 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || !IPAddress.TryParse(parts[2], out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            {
                continue;
            }

            leases.Add(new DhcpLease
            {
                Bridge = bridge,
                MacAddress = parts[1],
                Address = address,
                HostName = parts[3] == "*" ? null : parts[3],
                Expires = expiry == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(expiry),
                Sandbox = sandbox,
            });
        }

        return leases;
    }

    /// <summary>Reads the name servers of a resolv.conf, loopback ones (a local stub such as systemd-resolved's) left out.</summary>
    /// <param name="text">The file's text.</param>
    /// <returns>The servers.</returns>
    public static IReadOnlyList<IPAddress> Upstreams(string? text) =>
        (text ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 2 && p[0] == "nameserver")
            .Select(p => IPAddress.TryParse(p[1].Split('%')[0], out var a) ? a : null)
            .OfType<IPAddress>()
            .Where(a => !IPAddress.IsLoopback(a) && !a.Equals(IPAddress.Any))
            .Distinct()
            .ToArray();

    /// <summary>The addresses leased on a LAN, so that address allocation never hands one out.</summary>
    /// <param name="runNamespace">The namespace its dnsmasq runs in, or null for the machine's own.</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="read">Reads a file, or returns null.</param>
    /// <returns>The addresses (none when DHCP is off).</returns>
    public static IEnumerable<IPAddress> Leased(string? runNamespace, string bridge, Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return ParseLeases(read(LeaseFile(Folder(runNamespace, bridge))), bridge, null).Select(l => l.Address);
    }

    /// <summary>Reads a file, or returns null when it cannot.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The text, or null.</returns>
    public static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
