using System.Text.Json.Nodes;
using VirtualLan.Configuration;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// Sync-VlanConfiguration plans every stage before any runs: the later stages from the bridge,
/// router, host NAT and appliances the earlier ones declare, on a fake kernel that holds none of them.
/// </summary>
public class SyncPlanningTests : IDisposable
{
    private const string Document = SampleDocuments.EveryStage;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("vlan-sync-");

    public void Dispose()
    {
        _work.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The host of the fixture without its bridge: lo, wan0 and uplink0 (198.51.100.2/24, default via .1).</summary>
    internal static string EmptyHostLinks()
    {
        var links = JsonNode.Parse(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))!.AsArray();
        foreach (var bridge in links.Where(l => (string?)l!["ifname"] == "virtualnet0").ToArray())
        {
            links.Remove(bridge);
        }

        return links.ToJsonString();
    }

    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(EmptyHostLinks()) { RoutesJson = FakeRunner.Fixture("ip-4-j-route-show.default.json") };
        var tools = new ToolLocator(path: "/usr/sbin:/usr/bin:/sbin:/bin", exists: p => p.EndsWith("/dnsmasq", StringComparison.Ordinal) || p.EndsWith("/ip", StringComparison.Ordinal));
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, tools, _ => false)), runner);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_work.FullName, "lan.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void WhatIf_on_an_empty_host_lists_the_commands_of_every_stage_in_order_and_runs_none()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", Write(Document));
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        Assert.Empty(session.Warnings);
        var lines = session.Host.Lines.SelectMany(l => l.Split('\n')).Select(l => l.Trim()).ToList();

        // One command of each stage, in the order the stages run: the bridge, the router planned
        // from it, the appliances and the forward planned from the router, DHCP planned from them.
        var order = new[]
        {
            "ip link add name virtualnet0 address 02:58:b9:0a:45:b7 mtu 1500 type bridge",
            "ip link set dev router-br master virtualnet0 up",
            "ip link set dev uplink0 netns router",
            "ip -n web route add default via 172.24.0.254 dev eth0",
            "ip link set dev qemutap0 master virtualnet0 up",
            "ip netns exec router iptables -w -t nat -A VLAN-PREROUTING -d 198.51.100.2/32 -i uplink0 -p tcp -m tcp --dport 4000 -m comment --comment virtuallan:forward/router/tcp/4000 -j DNAT --to-destination 172.24.1.10:4000",
            "ip netns exec router dnsmasq --conf-file=/run/virtuallan-router-dnsmasq.virtualnet0/dnsmasq.conf --pid-file=/run/virtuallan-router-dnsmasq.virtualnet0/dnsmasq.pid",
        };
        var at = order.Select(c => lines.IndexOf(c)).ToArray();
        Assert.True(at.All(i => i >= 0), "Not listed: " + string.Join(" | ", order.Where(c => !lines.Contains(c))));
        Assert.Equal(at.Order(), at);

        // desk takes the next free address of its pool: neither the planned bridge's nor the planned router's.
        Assert.Contains("ip -n desk addr add 172.24.4.2/16 dev eth0", lines);
        Assert.Contains("ip -n desk route add default via 172.24.0.254 dev eth0", lines);

        // The static leases cover the appliances the same run connects (MACs as they will be).
        Assert.Contains("52:54:00:de:af:7a,172.24.2.10,qemutap0", lines);
        Assert.Contains("52:54:00:e9:55:c5,172.24.1.10,web", lines);
        Assert.Contains("dhcp-option=option:router,172.24.0.254", lines);
    }

    [Fact]
    public void WhatIf_on_a_host_with_the_bridge_only_lists_the_rest_from_the_live_bridge_and_the_declared_router()
    {
        var (session, runner) = Open();
        using var _ = session;
        runner.LinksJson = FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"); // virtualnet0 172.24.0.1/16 is there
        session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", Write(Document));
        Assert.Empty(session.Errors);
        Assert.Empty(session.Warnings);
        Assert.Empty(runner.Changes);
        var lines = session.Host.Lines.SelectMany(l => l.Split('\n')).Select(l => l.Trim()).ToList();
        Assert.DoesNotContain(lines, l => l.StartsWith("ip link add name virtualnet0", StringComparison.Ordinal));
        Assert.Contains("ip netns add router", lines);
        Assert.Contains("ip -n web route add default via 172.24.0.254 dev eth0", lines);
        Assert.Contains("ip netns exec router dnsmasq --conf-file=/run/virtuallan-router-dnsmasq.virtualnet0/dnsmasq.conf --pid-file=/run/virtuallan-router-dnsmasq.virtualnet0/dnsmasq.pid", lines);
    }

    [Fact]
    public void WhatIf_lists_a_step_that_several_plans_share_once_as_it_runs()
    {
        var (session, runner) = Open();
        using var _ = session;
        runner.SysctlValue = "1"; // bridged frames reach iptables: every appliance's plan makes VLAN-BRIDGES
        session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", Write(Document));
        Assert.Empty(session.Errors);
        var lines = session.Host.Lines.SelectMany(l => l.Split('\n')).Select(l => l.Trim()).ToArray();
        Assert.Single(lines, l => l == "iptables -w -t filter -N VLAN-BRIDGES");
        Assert.Single(lines, l => l == "iptables -w -t filter -A VLAN-BRIDGES -i virtualnet0 -o virtualnet0 -m comment --comment virtuallan:bridge/virtualnet0 -j ACCEPT");
        Assert.Single(lines, l => l == "ip netns exec router iptables -w -t nat -N VLAN-PREROUTING");
    }

    [Fact]
    public void A_tunnel_whose_router_is_not_made_yet_ends_the_listing_with_the_reason()
    {
        var (session, runner) = Open();
        using var _ = session;
        var document = JsonNode.Parse(Document)!;
        document["tunnels"] = JsonNode.Parse("""[ { "bridge": "virtualnet0", "vni": 42, "peers": [ "198.51.100.7" ] } ]""");
        session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", Write(document.ToJsonString()));
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("ip link add name virtualnet0", text, StringComparison.Ordinal);
        Assert.Contains("ip link set dev uplink0 netns router", text, StringComparison.Ordinal);
        Assert.DoesNotContain("vx42", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ip netns add web", text, StringComparison.Ordinal);
        var warning = Assert.Single(session.Warnings);
        Assert.Contains("once the bridge virtualnet0 and the router router exist", warning, StringComparison.Ordinal);
        Assert.Contains("tunnel virtualnet0", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Later_stages_are_planned_from_the_declared_objects_and_their_steps_are_not_done()
    {
        var runner = new FakeRunner(EmptyHostLinks()) { RoutesJson = FakeRunner.Fixture("ip-4-j-route-show.default.json") };
        var state = new KernelState(runner);
        var document = LanDocumentJson.Read(Document, "lan.json");
        var sync = new LanSync(NetworkHost.Machine, p => p == "dnsmasq" ? "/usr/sbin/dnsmasq" : null, _ => false, new Docker(runner));
        var planned = new PlannedObjects();

        Assert.Single(sync.PlanStage(0, document, prune: false, state, planned), i => i.Missing && i.Plan is not null);
        var bridge = Assert.Single(planned.Bridges);
        Assert.Equal("172.24.0.1/16", bridge.Cidr.ToString());

        var router = Assert.Single(sync.PlanStage(1, document, prune: false, state, planned));
        Assert.Null(router.Error);
        Assert.Equal(router.Plan!.Steps.Count, PlanExecutor.Pending(router.Plan, state).Count);
        var made = Assert.Single(planned.Routers);
        Assert.Equal(("172.24.0.254", "198.51.100.2/24", "198.51.100.1", "100.64.0.1/30"), (made.GatewayAddress.ToString(), made.UplinkCidr.ToString(), made.UplinkGateway?.ToString(), made.HostLinkCidr.ToString()));

        var stage3 = sync.PlanStage(3, document, prune: false, state, planned);
        Assert.All(stage3, i => Assert.Null(i.Error));
        // Every step is pending (the flush of a forward's tracked flows has nothing to flush in a namespace not made yet).
        Assert.All(stage3, i => Assert.Equal(i.Plan!.Steps.Where(s => !s.Command.ToString().Contains(" conntrack -D", StringComparison.Ordinal)).ToArray(), PlanExecutor.Pending(i.Plan, state).Where(s => !s.Command.ToString().Contains(" conntrack -D", StringComparison.Ordinal)).ToArray()));
        Assert.Equal(new[] { "desk", "qemutap0", "web" }, planned.Appliances.Select(a => a.Name).Order(StringComparer.Ordinal));

        // Nothing was run, and the kernel's own objects win over planned ones of the same name.
        Assert.Empty(runner.Changes);
        var readers = new HostReaders(NetworkHost.Machine, null, planned);
        Assert.Equal("router", Assert.Single(readers.Routers.Routers(state)).Name);
        var live = new KernelState(new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json")));
        planned.Add(new Bridge("virtualnet0", Ipv4Cidr.Parse("10.9.0.1/24"), null, 1400, "UP", null, Array.Empty<string>(), isManaged: true));
        Assert.Equal("172.24.0.1/16", readers.Bridge("virtualnet0", live).Cidr.ToString());
        Assert.Equal("10.9.0.1/24", readers.Bridge("virtualnet0", state).Cidr.ToString());
    }
}
