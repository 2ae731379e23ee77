using System.Globalization;

namespace VirtualLan.Bench;

/// <summary>
/// The topology every way builds, with the module's defaults so the three are the same network:
/// bridge virtualnet0 172.24.0.1/16; router namespace "router" with lan0 172.24.0.254/16 on the
/// bridge (port router-br), host link router-hl 100.64.0.1/30 ↔ host0 100.64.0.2/30, the uplink
/// moved in with 198.51.100.2/24 and its default route, FORWARD policy DROP, MASQUERADE out of
/// the uplink; appliances a1..aN in namespaces SANDBOX.aI behind vl-aI ↔ eth0 with 172.24.4.x;
/// port 10000+I forwarded to each (DNAT on the uplink, and for NAT loopback on host0 and lan0,
/// FORWARD accepts for DNATed flows, hairpin MASQUERADE), as Add-VlanPortForward writes them.
/// </summary>
internal static class Topology
{
    public const string Bridge = "virtualnet0";
    public const string BridgeAddress = "172.24.0.1/16";
    public const string Lan = "172.24.0.0/16";
    public const string RouterName = "router";
    public const string Gateway = "172.24.0.254";
    public const string HostLinkHost = "100.64.0.1/30";
    public const string HostLinkRouter = "100.64.0.2/30";
    public const string Uplink = "uplink0";
    public const string UplinkAddress = "198.51.100.2/24";
    public const string PublicAddress = "198.51.100.2";
    public const string WanGateway = "198.51.100.1";
    public const string InternetHost = "203.0.113.10";
    public const int FirstPort = 10000;

    public static string Router(string sandbox) => $"{sandbox}.{RouterName}";

    public static string ApplianceName(int i) => "a" + i.ToString(CultureInfo.InvariantCulture);

    public static string ApplianceNamespace(string sandbox, int i) => $"{sandbox}.{ApplianceName(i)}";

    public static string HostEnd(int i) => "vl-" + ApplianceName(i);

    public static string Port(int i) => (FirstPort + i).ToString(CultureInfo.InvariantCulture);

    /// <summary>The address of appliance I (1-based): the module's namespace pool, 172.24.4.2 to .254, in order.</summary>
    public static string Address(int i) => string.Create(CultureInfo.InvariantCulture, $"172.24.4.{i + 1}");

    /// <summary>The six rules of one port forward, as (table, iptables arguments after -A/-D).</summary>
    public static IEnumerable<(string Table, string[] Rule)> ForwardRules(int i)
    {
        var server = Address(i);
        var port = Port(i);
        var dnat = new[] { "-d", PublicAddress + "/32", "-p", "tcp", "-m", "tcp", "--dport", port, "-j", "DNAT", "--to-destination", server + ":" + port };
        foreach (var inside in new[] { Uplink, "host0", "lan0" })
        {
            yield return ("nat", new[] { "PREROUTING", "-i", inside }.Concat(dnat).ToArray());
        }

        yield return ("filter", new[] { "FORWARD", "-d", server + "/32", "-o", "lan0", "-p", "tcp", "-m", "tcp", "--dport", port, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT" });
        yield return ("filter", new[] { "FORWARD", "-s", server + "/32", "-i", "lan0", "-p", "tcp", "-m", "tcp", "--sport", port, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT" });
        yield return ("nat", new[] { "POSTROUTING", "-s", Lan, "-d", server + "/32", "-o", "lan0", "-p", "tcp", "-m", "tcp", "--dport", port, "-m", "conntrack", "--ctstate", "DNAT", "-j", "MASQUERADE" });
    }

    /// <summary>The router's own rules: MASQUERADE out of the uplink, LAN and host link out accepted, answers back.</summary>
    public static IEnumerable<(string Table, string[] Rule)> RouterRules()
    {
        yield return ("nat", new[] { "POSTROUTING", "-o", Uplink, "-j", "MASQUERADE" });
        foreach (var inside in new[] { "lan0", "host0" })
        {
            yield return ("filter", new[] { "FORWARD", "-i", inside, "-o", Uplink, "-j", "ACCEPT" });
            yield return ("filter", new[] { "FORWARD", "-i", Uplink, "-o", inside, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT" });
        }
    }
}

/// <summary>
/// The sandbox around one run: the namespace that plays the host, and the simulated internet
/// behind its uplink (as tests/Integration/World.cs builds it). Set up and removed outside the timings.
/// </summary>
internal static class World
{
    /// <summary>Gets a fresh sandbox name, vlb-HEX.</summary>
    public static string NewSandboxName() => "vlb-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Builds the internet namespace and the uplink inside an existing sandbox.</summary>
    public static void Build(Shell shell, string sandbox)
    {
        var inet = sandbox + ".inet";
        shell.Must("ip", "netns", "add", inet);
        shell.Must("ip", "-n", inet, "link", "set", "lo", "up");
        shell.Must("ip", "-n", inet, "addr", "add", Topology.InternetHost + "/32", "dev", "lo");
        shell.Must("ip", "-n", sandbox, "link", "add", Topology.Uplink, "type", "veth", "peer", "name", "wan0", "netns", inet);
        shell.Must("ip", "-n", inet, "addr", "add", Topology.WanGateway + "/24", "dev", "wan0");
        shell.Must("ip", "-n", inet, "link", "set", "wan0", "up");
        shell.Must("ip", "-n", sandbox, "addr", "add", Topology.UplinkAddress, "dev", Topology.Uplink);
        shell.Must("ip", "-n", sandbox, "link", "set", Topology.Uplink, "up");
        shell.Must("ip", "-n", sandbox, "route", "add", "default", "via", Topology.WanGateway, "dev", Topology.Uplink);
    }

    /// <summary>Pings the internet host from a namespace with busybox; true when an answer came.</summary>
    public static bool Ping(Shell shell, string ns)
    {
        var busybox = File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (shell.Run("ip", "netns", "exec", ns, busybox, "ping", "-c", "1", "-W", "2", Topology.InternetHost).ExitCode == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The namespaces of the machine, from ip netns list.</summary>
    public static IReadOnlyList<string> Namespaces(Shell shell) =>
        shell.Must("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .ToArray();

    /// <summary>Deletes a sandbox and every namespace inside it, killing what runs there; never throws.</summary>
    public static void Remove(Shell shell, string sandbox)
    {
        try
        {
            foreach (var ns in Namespaces(shell).Where(n => n == sandbox || n.StartsWith(sandbox + ".", StringComparison.Ordinal)).OrderByDescending(n => n.Length))
            {
                foreach (var pid in shell.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    shell.Run("kill", "-KILL", pid.Trim());
                }

                shell.Run("ip", "netns", "delete", ns);
                if (Directory.Exists("/etc/netns/" + ns))
                {
                    Directory.Delete("/etc/netns/" + ns, recursive: true);
                }
            }
        }
        catch (BenchException e)
        {
            Console.Error.WriteLine($"warning: cleaning up {sandbox}: {e.Message}");
        }
    }
}
