using System.Net;
using System.Text.Json.Nodes;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Netlink;
using VirtualLan.Operations;
using Xunit.Abstractions;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// The netlink backend against the ip one on a real kernel: the same plan of every operation the
/// planners make is applied once with <c>ip -batch</c> and once over netlink, in two namespaces of
/// their own, and the kernel must hold the same links (kinds, MTUs, MACs given, masters, aliases,
/// tap owners, VXLAN settings, groups), addresses and routes afterwards — then again after the
/// deletions. And a change the kernel refuses fails the plan with ip's command line and text, and
/// is undone.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class NetlinkBackendTests
{
    private static readonly string[] Timers = ["hello_timer", "tcn_timer", "topology_change_timer", "gc_timer", "hold_timer", "message_age_timer", "forward_delay_timer"];

    private readonly ITestOutputHelper _output;

    public NetlinkBackendTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [KernelFact]
    public void Every_operation_leaves_the_kernel_as_ip_leaves_it()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var sides = new[] { (Backend: VlanBackend.Ip, Host: $"vlnb-{id}-i"), (Backend: VlanBackend.Netlink, Host: $"vlnb-{id}-n") };
        try
        {
            var built = new List<string>();
            var torn = new List<string>();
            foreach (var (backend, host) in sides)
            {
                var peer = host + "-p";
                Kernel.Must("ip", "netns", "add", host);
                var runner = new RecordingRunner(new ProcessRunner(new ToolLocator()));
                var executor = new VlanSystem(runner, () => File.ReadAllText("/proc/self/status"), batch: true, backend: backend).Executor;

                // A plan skips what its state shows done, so what changes what the build made is a plan of its own.
                executor.Apply(Plan("build", Build(host, peer)), new KernelState(runner), _ => { }, CancellationToken.None);
                executor.Apply(Plan("change", Change(host, peer)), new KernelState(runner), _ => { }, CancellationToken.None);
                _output.WriteLine($"{backend}: {runner.Commands.Count} command(s) recorded");
                built.Add(Dump(host, peer));

                executor.Apply(Plan("tear down", TearDown(host, peer)), new KernelState(runner), _ => { }, CancellationToken.None);
                Kernel.WaitUntilGone(host, "vh0");
                torn.Add(Dump(host, null));
                Assert.DoesNotContain(peer, Kernel.Namespaces());
            }

            Assert.True(built[0] == built[1], "after the build, ip and netlink differ:\n" + Difference(built[0], built[1]));
            Assert.True(torn[0] == torn[1], "after the teardown, ip and netlink differ:\n" + Difference(torn[0], torn[1]));

            // What was built is what was asked, not only the same both ways.
            Assert.Contains("\"ifname\":\"vx0\"", built[1], StringComparison.Ordinal);
            Assert.Contains("\"user\":\"nobody\"", built[1], StringComparison.Ordinal);
            Assert.Contains("\"address\":\"02:00:5e:00:00:01\"", built[1], StringComparison.Ordinal);
            Assert.Contains("\"ifalias\":\"virtuallan:test \\u0022q\\u0022\"", built[1], StringComparison.Ordinal);
            Assert.DoesNotContain("\"ifname\":\"br1\"", torn[1], StringComparison.Ordinal);
            Assert.DoesNotContain("\"ifname\":\"tap1\"", built[1], StringComparison.Ordinal);
            Assert.DoesNotContain("10.30.0.0/16", built[1], StringComparison.Ordinal);
            Assert.DoesNotContain("192.168.7.1", built[1], StringComparison.Ordinal);
            Assert.Contains("10.20.0.0/16 via 10.9.0.250 dev br0", built[1], StringComparison.Ordinal);
        }
        finally
        {
            foreach (var (_, host) in sides)
            {
                Kernel.Run("ip", "netns", "delete", host + "-p");
                Kernel.Run("ip", "netns", "delete", host);
            }
        }
    }

    [KernelFact]
    public void A_change_the_kernel_refuses_fails_with_ips_command_and_text_and_what_ran_before_it_is_undone()
    {
        var host = "vlnb-" + Guid.NewGuid().ToString("N")[..6] + "-e";
        try
        {
            Kernel.Must("ip", "netns", "add", host);
            Kernel.Must("ip", "-n", host, "link", "add", "taken0", "type", "bridge");
            var runner = new RecordingRunner(new ProcessRunner(new ToolLocator()));
            var executor = new VlanSystem(runner, () => File.ReadAllText("/proc/self/status"), batch: true, backend: VlanBackend.Netlink).Executor;
            var before = Kernel.Snapshot(host);

            // EEXIST from the kernel (a route to the same prefix through another gateway): the bridge
            // and its address made before it are undone.
            Kernel.Must("ip", "-n", host, "addr", "add", "10.7.0.1/24", "dev", "taken0");
            Kernel.Must("ip", "-n", host, "link", "set", "taken0", "up");
            Kernel.Must("ip", "-n", host, "route", "add", "10.50.0.0/16", "via", "10.7.0.9");
            before = Kernel.Snapshot(host);
            var exists = Assert.Throws<CommandFailedException>(() => executor.Apply(
                Plan("exists", new CreateBridge(host, "brx").ToStep("bridge"), new AddAddress(host, "brx", Ipv4Cidr.Parse("10.6.0.1/24")).ToStep("address"), new AddRoute(host, "10.50.0.0/16", IPAddress.Parse("10.7.0.8")).ToStep("route")),
                new KernelState(runner),
                _ => { },
                CancellationToken.None));
            Assert.Equal($"ip -n {host} route add 10.50.0.0/16 via 10.7.0.8", exists.Command.ToString());
            Assert.Contains("File exists", exists.StandardError, StringComparison.Ordinal);
            Assert.Equal(2, exists.ExitCode);
            Assert.Empty(exists.RollbackFailures);
            Assert.Equal(before, Kernel.Snapshot(host));

            // A device that is not there: named as ip names it; nothing was sent.
            var missing = Assert.Throws<CommandFailedException>(() => executor.Apply(
                Plan("missing", new CreateBridge(host, "bry").ToStep("bridge"), new SetMaster(host, "bry", "nosuch0").ToStep("master")),
                new KernelState(runner),
                _ => { },
                CancellationToken.None));
            Assert.Contains("Cannot find device \"nosuch0\"", missing.StandardError, StringComparison.Ordinal);
            Assert.Equal(before, Kernel.Snapshot(host));

            // A deletion of several links at once is all or nothing: lo cannot be deleted, so none
            // goes, and every link keeps its group.
            Kernel.Must("ip", "-n", host, "link", "add", "keep0", "type", "bridge");
            Kernel.Must("ip", "-n", host, "link", "set", "keep0", "group", "7");
            var withKeep = Kernel.Snapshot(host);
            var groups = Kernel.Must("ip", "-n", host, "-j", "link", "show");
            var partial = Assert.Throws<CommandFailedException>(() => executor.Apply(
                Plan("delete", new DeleteLink(host, "keep0").ToStep("a"), new DeleteLink(host, "lo").ToStep("b"), new DeleteLink(host, "taken0").ToStep("c")),
                new KernelState(runner),
                _ => { },
                CancellationToken.None));
            Assert.StartsWith($"ip -n {host} link del ", partial.Command.ToString(), StringComparison.Ordinal);
            Assert.Equal(withKeep, Kernel.Snapshot(host));
            Assert.Equal(groups, Kernel.Must("ip", "-n", host, "-j", "link", "show"));

            // A namespace name ip refuses: ip's text, exit code 1, nothing made under /run/netns.
            var invalid = Assert.Throws<CommandFailedException>(() => executor.Apply(Plan("ns", new AddNamespace(host + "/x").ToStep("ns")), new KernelState(runner), _ => { }, CancellationToken.None));
            Assert.Equal($"Invalid netns name \"{host}/x\"", invalid.StandardError.Trim());
            Assert.Equal(1, invalid.ExitCode);
            Assert.DoesNotContain(host + "/x", Kernel.Namespaces());
        }
        finally
        {
            Kernel.Run("ip", "netns", "delete", host);
        }
    }

    /// <summary>The lines only one side has.</summary>
    private static string Difference(string ip, string netlink)
    {
        var (a, b) = (ip.Split('\n'), netlink.Split('\n'));
        return string.Join('\n', a.Except(b).Select(l => "ip only:      " + l).Concat(b.Except(a).Select(l => "netlink only: " + l)));
    }

    private static Plan Plan(string title, params Step[] steps) => new(title, "test", steps, null);

    private static Step[] Build(string host, string peer)
    {
        return
        [
            new AddNamespace(peer).ToStep("peer namespace"),
            new CreateBridge(host, "br0", "02:00:5e:00:00:01", 1400).ToStep("bridge"),
            new CreateBridge(host, "br1").ToStep("second bridge"),
            new CreateVeth(host, "vh0", "eth0", peer, "02:00:5e:00:00:02", "02:00:5e:00:00:03", 1400).ToStep("veth into the peer"),
            new CreateVeth(host, "va1", "va2").ToStep("veth pair"),
            new CreateTap(host, "tap0", "nobody").ToStep("tap with owner"),
            new CreateTap(host, "tap1").ToStep("tap"),
            new SetMaster(host, "vh0", "br0").ToStep("master"),
            new PlugLink(host, "tap0", "br0").ToStep("plug"),
            new SetLinkState(host, "br0").ToStep("up"),
            new SetLinkState(host, "vh0").ToStep("up"),
            new SetLinkState(host, "va1").ToStep("up"),
            new SetLinkState(host, "va2").ToStep("up"),
            new SetMtu(host, "va1", 1300).ToStep("mtu"),
            new SetAlias(host, "va1", "virtuallan:test \"q\"").ToStep("alias"),
            new SetAlias(host, "br1", "x").ToStep("alias"),
            new AddAddress(host, "br0", Ipv4Cidr.Parse("10.9.0.1/24")).ToStep("address"),
            new AddAddress(host, "br0", Ipv4Cidr.Parse("10.9.0.2/24")).ToStep("secondary"),
            new AddAddress(host, "va1", Ipv4Cidr.Parse("192.168.7.1/30")).ToStep("address"),
            new AddAddress(host, "va1", Ipv4Cidr.Parse("192.168.8.1/24")).ToStep("address"),
            new CreateVxlan(host, "vx0", 42, 4789, IPAddress.Parse("10.9.0.1"), "br0", 1350).ToStep("vxlan"),
            new SetMaster(host, "vx0", "br1").ToStep("vxlan into br1"),
            new AddRoute(host, "10.20.0.0/16", null, "br0").ToStep("route by device"),
            new AddRoute(host, "10.30.0.0/16", IPAddress.Parse("10.9.0.253"), "br0", OnLink: true).ToStep("onlink route"),
            new AddRoute(host, "10.40.0.0/16", IPAddress.Parse("10.9.0.252")).ToStep("route by gateway"),
            new AddRoute(host, "default", IPAddress.Parse("10.9.0.254")).ToStep("default route"),
            new AddAddress(peer, "eth0", Ipv4Cidr.Parse("10.9.0.5/24")).ToStep("peer address"),
            new SetLinkState(peer, "eth0").ToStep("peer up"),
            new SetLinkState(peer, "lo").ToStep("peer lo up"),
            new AddRoute(peer, "default", IPAddress.Parse("10.9.0.1")).ToStep("peer default"),
        ];
    }

    private static Step[] Change(string host, string peer)
    {
        var previous = new RouteState("10.20.0.0/16", null, "br0");
        return
        [
            new SetLinkState(host, "va2", Up: false).ToStep("down"),
            new SetAlias(host, "br1", string.Empty).ToStep("alias cleared"),
            new ReplaceRoute(host, "10.20.0.0/16", IPAddress.Parse("10.9.0.250"), "br0", previous).ToStep("replace"),
            new MoveLink(host, "va2", peer, peer, host).ToStep("move"),
            new SetNoMaster(host, "tap0", null).ToStep("unplug"),
            new FlushAddresses(host, "va1").ToStep("flush"),
            new DeleteAddress(host, "br0", Ipv4Cidr.Parse("10.9.0.2/24")).ToStep("delete address"),
            new DeleteRoute(host, "10.30.0.0/16", IPAddress.Parse("10.9.0.253"), "br0").ToStep("delete route"),
            new DeleteTap(host, "tap1").ToStep("delete tap"),
        ];
    }

    private static Step[] TearDown(string host, string peer) =>
    [
        new DeleteRoute(host, "default", IPAddress.Parse("10.9.0.254")).ToStep("route"),
        new DeleteLink(host, "vx0").ToStep("vxlan"),
        new DeleteLink(host, "br1").ToStep("bridge"),
        new DeleteLink(host, "va1").ToStep("veth"),
        new DeleteTap(host, "tap0").ToStep("tap"),
        new DeleteNamespace(peer).ToStep("peer namespace"),
        new DeleteLink(host, "vh0").ToStep("veth"),
    ];

    /// <summary>The links (with details), IPv4 addresses and IPv4 routes of the namespaces, as normalized JSON: ifindexes, random MACs, IPv6 and timers out.</summary>
    private static string Dump(string host, string? peer)
    {
        var parts = new List<string>();
        foreach (var ns in peer is null ? [host] : new[] { host, peer })
        {
            var links = JsonNode.Parse(Kernel.Must("ip", "-n", ns, "-d", "-j", "link", "show"))!.AsArray();
            foreach (var link in links)
            {
                Normalize(link!);
            }

            var addresses = JsonNode.Parse(Kernel.Must("ip", "-n", ns, "-4", "-j", "addr", "show"))!.AsArray()
                .Select(l => $"{l!["ifname"]}: {string.Join(", ", l["addr_info"]!.AsArray().Select(a => $"{a!["local"]}/{a["prefixlen"]} {a["scope"]} {a["broadcast"]} {a["label"]}"))}");
            // A bridge whose last port went reports "linkdown" on its routes a moment later.
            var routes = Kernel.Must("ip", "-n", ns, "-4", "route", "show", "table", "all").Replace(" linkdown", string.Empty, StringComparison.Ordinal);
            parts.Add($"[{(ns == host ? "host" : "peer")}]\n{string.Join('\n', links.Select(l => l!.ToJsonString()).Order(StringComparer.Ordinal))}\n{string.Join('\n', addresses)}\n{routes}");
        }

        return string.Join('\n', parts);
    }

    private static void Normalize(JsonNode link)
    {
        var o = link.AsObject();
        foreach (var key in new[] { "ifindex", "link_index", "link_netnsid", "operstate", "inet6_addr_gen_mode", "num_tx_queues", "num_rx_queues" })
        {
            o.Remove(key);
        }

        // MACs the kernel chose differ; the ones the plan gave (02:00:5e:…) must be equal.
        if (o["address"]?.GetValue<string>() is { } mac && !mac.StartsWith("02:00:5e", StringComparison.Ordinal))
        {
            o.Remove("address");
        }

        if (o["flags"] is JsonArray flags)
        {
            o["flags"] = new JsonArray(flags.Select(f => f!.GetValue<string>()).Where(f => f is not ("LOWER_UP" or "NO-CARRIER" or "M-DOWN")).Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        }

        Scrub(o);
    }

    /// <summary>Removes what changes with time or with the kernel's random choices: timers, bridge and port ids built from MACs.</summary>
    private static void Scrub(JsonObject o)
    {
        foreach (var key in o.Select(p => p.Key).ToArray())
        {
            if (Timers.Contains(key) || key is "cost" or "bridge_id" or "root_id" or "designated_root" or "designated_bridge" or "id" or "no" or "designated_port" or "designated_cost" or "root_port" or "bridge_id_str")
            {
                o.Remove(key);
            }
            else if (o[key] is JsonObject inner)
            {
                Scrub(inner);
            }
        }
    }
}
