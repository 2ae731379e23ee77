using System.Diagnostics;
using System.Text;

namespace VirtualLan.Bench;

/// <summary>What one run of one way measured.</summary>
internal sealed record RunResult(
    TimeSpan Build,
    TimeSpan Teardown,
    int BuildProcesses,
    int TeardownProcesses,
    RunnerStats? BuildStats = null,
    RunnerStats? TeardownStats = null,
    TimeSpan? ReadAll = null);

/// <summary>One way to build and tear down the topology.</summary>
internal abstract class Way
{
    public abstract string Key { get; }

    public abstract string Title { get; }

    /// <summary>Builds the topology with N appliances in a fresh sandbox, pings, tears it down; cleans up whatever happens.</summary>
    public abstract RunResult Run(int n);

    /// <summary>Makes the run invalid unless the last appliance reaches the simulated internet.</summary>
    protected void MustPing(Shell setup, string sandbox, int n)
    {
        if (!World.Ping(setup, Topology.ApplianceNamespace(sandbox, n)))
        {
            throw new BenchException($"({Key}) N={n}: no ping answer from {Topology.ApplianceNamespace(sandbox, n)} to {Topology.InternetHost}: the build is wrong, the run is invalid.");
        }
    }

    /// <summary>Makes the run invalid when the teardown left a namespace of the sandbox behind.</summary>
    protected void MustBeGone(Shell setup, string sandbox, int n)
    {
        var left = World.Namespaces(setup).Where(ns => ns == sandbox || ns.StartsWith(sandbox + ".", StringComparison.Ordinal)).ToArray();
        if (left.Length > 0)
        {
            throw new BenchException($"({Key}) N={n}: the teardown left namespaces behind: {string.Join(", ", left.Take(5))}");
        }
    }
}

/// <summary>One command: an argument vector and, for -batch and iptables-restore, its standard input.</summary>
internal sealed record Command(string[] Argv, string? Input = null)
{
    public static Command Of(params string[] argv) => new(argv);

    public override string ToString() => string.Join(' ', Argv) + (Input is null ? string.Empty : $" <<< ({Input.Count(c => c == '\n')} lines)");
}

/// <summary>
/// The ways that work in a plain sandbox namespace of their own (not the module's Enter-VlanSandbox):
/// the sandbox and the simulated internet set up outside the timings, the build timed, a ping, the
/// teardown timed, nothing left.
/// </summary>
internal abstract class SandboxWay : Way
{
    public override RunResult Run(int n)
    {
        var setup = new Shell();
        var timed = new Shell();
        var sandbox = World.NewSandboxName();
        try
        {
            // The sandbox itself, as Enter-VlanSandbox makes it for (a): outside the timings.
            setup.Must("ip", "netns", "add", sandbox);
            setup.Must("ip", "-n", sandbox, "link", "set", "lo", "up");
            World.Build(setup, sandbox);
            var (build, teardown) = Prepare(sandbox, n);

            var clock = Stopwatch.StartNew();
            build(timed);
            var buildTime = clock.Elapsed;
            var buildProcesses = timed.Processes;
            MustPing(setup, sandbox, n);

            timed.Reset();
            clock.Restart();
            teardown(timed);
            var teardownTime = clock.Elapsed;
            MustBeGone(setup, sandbox, n);

            return new RunResult(buildTime, teardownTime, buildProcesses, timed.Processes);
        }
        finally
        {
            World.Remove(setup, sandbox);
        }
    }

    /// <summary>Works out, untimed, what the build and the teardown do; each is given the shell that counts the processes it starts.</summary>
    protected abstract (Action<Shell> Build, Action<Shell> Teardown) Prepare(string sandbox, int n);
}

/// <summary>The ways that run a list of commands, one process each: the seed's script (b) and the hand-batched reference (c).</summary>
internal abstract class CommandListWay : SandboxWay
{
    public abstract IReadOnlyList<Command> BuildCommands(string sandbox, int n);

    public abstract IReadOnlyList<Command> TeardownCommands(string sandbox, int n);

    protected override (Action<Shell> Build, Action<Shell> Teardown) Prepare(string sandbox, int n)
    {
        var build = BuildCommands(sandbox, n);
        var teardown = TeardownCommands(sandbox, n);
        return (shell => RunAll(shell, build), shell => RunAll(shell, teardown));
    }

    private static void RunAll(Shell shell, IEnumerable<Command> commands)
    {
        foreach (var command in commands)
        {
            shell.Must(command.Argv, command.Input);
        }
    }

    protected static string[] Ip(string ns, params string[] words) => new[] { "ip", "-n", ns }.Concat(words).ToArray();

    protected static string[] Iptables(string ns, string table, string op, string[] rule) =>
        new[] { "ip", "netns", "exec", ns, "iptables", "-w" }.Concat(table == "filter" ? Array.Empty<string>() : new[] { "-t", table }).Append(op).Concat(rule).ToArray();
}

/// <summary>
/// (b) The seed's way: the script a user writes from seeds 000 and 004, one ip / iptables /
/// sysctl command per line, each its own process.
/// </summary>
internal sealed class SeedWay : CommandListWay
{
    public override string Key => "b";

    public override string Title => "seed script (one command per line)";

    public override IReadOnlyList<Command> BuildCommands(string sandbox, int n)
    {
        var s = sandbox;
        var r = Topology.Router(s);
        var list = new List<string[]>
        {
            // Bridge (seed 000/004).
            Ip(s, "link", "add", "name", Topology.Bridge, "type", "bridge"),
            Ip(s, "addr", "add", Topology.BridgeAddress, "dev", Topology.Bridge),
            Ip(s, "link", "set", "dev", Topology.Bridge, "up"),

            // Router namespace, forwarding, firewall (seed 000).
            new[] { "ip", "netns", "add", r },
            Ip(r, "link", "set", "lo", "up"),
            new[] { "ip", "netns", "exec", r, "sysctl", "-w", "net.ipv4.ip_forward=1" },
            new[] { "ip", "netns", "exec", r, "iptables", "-w", "-P", "FORWARD", "DROP" },
        };
        list.AddRange(Topology.RouterRules().Select(x => Iptables(r, x.Table, "-A", x.Rule)));
        list.AddRange(new[]
        {
            // LAN leg and host link.
            Ip(s, "link", "add", "router-br", "type", "veth", "peer", "name", "lan0", "netns", r),
            Ip(s, "link", "set", "router-br", "master", Topology.Bridge, "up"),
            Ip(r, "addr", "add", Topology.Gateway + "/16", "dev", "lan0"),
            Ip(r, "link", "set", "lan0", "up"),
            Ip(s, "link", "add", "router-hl", "type", "veth", "peer", "name", "host0", "netns", r),
            Ip(s, "addr", "add", Topology.HostLinkHost, "dev", "router-hl"),
            Ip(s, "link", "set", "router-hl", "up"),
            Ip(r, "addr", "add", Topology.HostLinkRouter, "dev", "host0"),
            Ip(r, "link", "set", "host0", "up"),

            // The uplink moves into the router.
            Ip(s, "link", "set", Topology.Uplink, "netns", r),
            Ip(r, "addr", "add", Topology.UplinkAddress, "dev", Topology.Uplink),
            Ip(r, "link", "set", Topology.Uplink, "up"),
            Ip(r, "route", "add", "default", "via", Topology.WanGateway, "dev", Topology.Uplink),
        });

        // Appliances (seed 004): namespace, veth, address, up, default route.
        for (var i = 1; i <= n; i++)
        {
            var a = Topology.ApplianceNamespace(s, i);
            list.Add(new[] { "ip", "netns", "add", a });
            list.Add(Ip(s, "link", "add", Topology.HostEnd(i), "type", "veth", "peer", "name", "eth0", "netns", a));
            list.Add(Ip(s, "link", "set", Topology.HostEnd(i), "master", Topology.Bridge, "up"));
            list.Add(Ip(a, "addr", "add", Topology.Address(i) + "/16", "dev", "eth0"));
            list.Add(Ip(a, "link", "set", "eth0", "up"));
            list.Add(Ip(a, "link", "set", "lo", "up"));
            list.Add(Ip(a, "route", "add", "default", "via", Topology.Gateway));
        }

        // Port forwards (seed 000): DNAT, FORWARD accept, NAT loopback.
        for (var i = 1; i <= n; i++)
        {
            list.AddRange(Topology.ForwardRules(i).Select(x => Iptables(r, x.Table, "-A", x.Rule)));
        }

        return list.Select(a => new Command(a)).ToArray();
    }

    public override IReadOnlyList<Command> TeardownCommands(string sandbox, int n)
    {
        var s = sandbox;
        var r = Topology.Router(s);
        var list = new List<string[]>();
        for (var i = 1; i <= n; i++)
        {
            list.AddRange(Topology.ForwardRules(i).Select(x => Iptables(r, x.Table, "-D", x.Rule)));
        }

        for (var i = 1; i <= n; i++)
        {
            list.Add(Ip(s, "link", "del", Topology.HostEnd(i)));
            list.Add(new[] { "ip", "netns", "delete", Topology.ApplianceNamespace(s, i) });
        }

        list.AddRange(Topology.RouterRules().Select(x => Iptables(r, x.Table, "-D", x.Rule)));
        list.AddRange(new[]
        {
            // The uplink goes back with its address and default route.
            Ip(r, "link", "set", Topology.Uplink, "netns", s),
            Ip(s, "addr", "add", Topology.UplinkAddress, "dev", Topology.Uplink),
            Ip(s, "link", "set", Topology.Uplink, "up"),
            Ip(s, "route", "add", "default", "via", Topology.WanGateway, "dev", Topology.Uplink),
            Ip(s, "link", "del", "router-br"),
            Ip(s, "link", "del", "router-hl"),
            new[] { "ip", "netns", "delete", r },
            Ip(s, "link", "del", Topology.Bridge),

            // The sandbox, as Exit-VlanSandbox deletes it for (a).
            new[] { "ip", "netns", "delete", s + ".inet" },
            new[] { "ip", "netns", "delete", s },
        });
        return list.Select(a => new Command(a)).ToArray();
    }
}

/// <summary>
/// (c) Hand-batched reference: one <c>ip -batch -</c> per namespace where iproute2 allows it, one
/// <c>iptables-restore --noflush</c> for the router's whole firewall. Each appliance namespace still
/// needs its own process: ip applies -n to a whole batch.
/// </summary>
internal sealed class BatchedWay : CommandListWay
{
    public override string Key => "c";

    public override string Title => "hand-batched (ip -batch, iptables-restore)";

    public override IReadOnlyList<Command> BuildCommands(string sandbox, int n)
    {
        var s = sandbox;
        var r = Topology.Router(s);
        var list = new List<Command>();

        // Every namespace in one batch.
        var namespaces = new StringBuilder();
        namespaces.Append("netns add ").Append(r).Append('\n');
        for (var i = 1; i <= n; i++)
        {
            namespaces.Append("netns add ").Append(Topology.ApplianceNamespace(s, i)).Append('\n');
        }

        list.Add(new Command(new[] { "ip", "-batch", "-" }, namespaces.ToString()));

        // The host's side in one batch: bridge, router legs, appliance veths, the uplink out.
        var host = new StringBuilder();
        host.Append("link add name ").Append(Topology.Bridge).Append(" type bridge\n")
            .Append("addr add ").Append(Topology.BridgeAddress).Append(" dev ").Append(Topology.Bridge).Append('\n')
            .Append("link set dev ").Append(Topology.Bridge).Append(" up\n")
            .Append("link add router-br type veth peer name lan0 netns ").Append(r).Append('\n')
            .Append("link set router-br master ").Append(Topology.Bridge).Append(" up\n")
            .Append("link add router-hl type veth peer name host0 netns ").Append(r).Append('\n')
            .Append("addr add ").Append(Topology.HostLinkHost).Append(" dev router-hl\n")
            .Append("link set router-hl up\n");
        for (var i = 1; i <= n; i++)
        {
            host.Append("link add ").Append(Topology.HostEnd(i)).Append(" type veth peer name eth0 netns ").Append(Topology.ApplianceNamespace(s, i)).Append('\n')
                .Append("link set ").Append(Topology.HostEnd(i)).Append(" master ").Append(Topology.Bridge).Append(" up\n");
        }

        host.Append("link set ").Append(Topology.Uplink).Append(" netns ").Append(r).Append('\n');
        list.Add(new Command(new[] { "ip", "-n", s, "-batch", "-" }, host.ToString()));

        // The router: forwarding, its links, and the whole firewall in one transaction.
        list.Add(Command.Of("ip", "netns", "exec", r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"));
        var router = new StringBuilder()
            .Append("link set lo up\n")
            .Append("addr add ").Append(Topology.Gateway).Append("/16 dev lan0\n")
            .Append("link set lan0 up\n")
            .Append("addr add ").Append(Topology.HostLinkRouter).Append(" dev host0\n")
            .Append("link set host0 up\n")
            .Append("addr add ").Append(Topology.UplinkAddress).Append(" dev ").Append(Topology.Uplink).Append('\n')
            .Append("link set ").Append(Topology.Uplink).Append(" up\n")
            .Append("route add default via ").Append(Topology.WanGateway).Append(" dev ").Append(Topology.Uplink).Append('\n');
        list.Add(new Command(new[] { "ip", "-n", r, "-batch", "-" }, router.ToString()));
        list.Add(FirewallCommand(s, n));

        // Each appliance's inside: one batch per namespace.
        for (var i = 1; i <= n; i++)
        {
            var inside = $"addr add {Topology.Address(i)}/16 dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via {Topology.Gateway}\n";
            list.Add(new Command(new[] { "ip", "-n", Topology.ApplianceNamespace(s, i), "-batch", "-" }, inside));
        }

        return list;
    }

    /// <summary>The router's whole firewall in one iptables-restore: policy, its own rules, every forward's six.</summary>
    public static Command FirewallCommand(string sandbox, int n)
    {
        var rules = Topology.RouterRules().Concat(Enumerable.Range(1, n).SelectMany(Topology.ForwardRules)).ToArray();
        return new Command(new[] { "ip", "netns", "exec", Topology.Router(sandbox), "iptables-restore", "-w", "--noflush" }, Restore(rules, "-A", policy: true));
    }

    public override IReadOnlyList<Command> TeardownCommands(string sandbox, int n)
    {
        var s = sandbox;
        var r = Topology.Router(s);
        var rules = Enumerable.Range(1, n).SelectMany(Topology.ForwardRules).ToArray();
        var host = new StringBuilder()
            .Append("addr add ").Append(Topology.UplinkAddress).Append(" dev ").Append(Topology.Uplink).Append('\n')
            .Append("link set ").Append(Topology.Uplink).Append(" up\n")
            .Append("route add default via ").Append(Topology.WanGateway).Append(" dev ").Append(Topology.Uplink).Append('\n')
            .Append("link del router-br\nlink del router-hl\n")
            .Append("link del ").Append(Topology.Bridge).Append('\n');
        var namespaces = new StringBuilder();
        for (var i = 1; i <= n; i++)
        {
            namespaces.Append("netns delete ").Append(Topology.ApplianceNamespace(s, i)).Append('\n');
        }

        namespaces.Append("netns delete ").Append(r).Append('\n')
            .Append("netns delete ").Append(s).Append(".inet\n")
            .Append("netns delete ").Append(s).Append('\n');
        return new[]
        {
            // The forwards in one transaction, the uplink back, the host's side in one batch, every namespace in one batch.
            new Command(new[] { "ip", "netns", "exec", r, "iptables-restore", "-w", "--noflush" }, Restore(rules, "-D", policy: false)),
            Command.Of("ip", "-n", r, "link", "set", Topology.Uplink, "netns", s),
            new Command(new[] { "ip", "-n", s, "-batch", "-" }, host.ToString()),
            new Command(new[] { "ip", "-batch", "-" }, namespaces.ToString()),
        };
    }

    private static string Restore(IReadOnlyList<(string Table, string[] Rule)> rules, string op, bool policy)
    {
        var text = new StringBuilder();
        foreach (var table in new[] { "filter", "nat" })
        {
            text.Append('*').Append(table).Append('\n');
            if (policy && table == "filter")
            {
                text.Append(":FORWARD DROP [0:0]\n");
            }

            foreach (var (_, rule) in rules.Where(x => x.Table == table))
            {
                text.Append(op).Append(' ').Append(string.Join(' ', rule)).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }
}
