using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

public class RouterServiceTests
{
    private static readonly string Host = FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json");
    private static readonly string DefaultRoute = FakeRunner.Fixture("ip-4-j-route-show.default.json");

    private static (RouterService Service, KernelState State) Machine(Func<string, string?>? locate = null)
    {
        var runner = new FakeRunner(Host) { RoutesJson = DefaultRoute };
        var service = new RouterService(NetworkHost.Machine, locate ?? (p => "/usr/bin/" + p), _ => true);
        return (service, new KernelState(runner));
    }

    private static RouterRequest Request(
        string? name = null, string? gateway = null, string uplink = "uplink0", bool dhcp = false, string? address = null, string? uplinkGateway = null, string? hostLink = null, bool routeHost = false) =>
        RouterRequest.Create(name ?? RouterRequest.DefaultName, BridgeRequest.DefaultName, gateway, uplink, dhcp, address, uplinkGateway, hostLink, routeHost);

    private static string[] Commands(Plan plan) => plan.Steps.Select(s => s.Command.ToString()).ToArray();

    [Fact]
    public void The_plan_builds_the_router_first_and_moves_the_uplink_last()
    {
        var (service, state) = Machine();
        var commands = Commands(service.PlanAdd(Request(routeHost: true), state));

        Assert.Equal("ip netns add router", commands[0]);
        Assert.Contains("ip netns exec router sysctl -qw net.ipv4.ip_forward=1", commands);
        Assert.Contains("ip link add router-br type veth peer name lan0 netns router", commands);
        Assert.Contains("ip link set dev router-br master virtualnet0 up", commands);
        Assert.Contains("ip -n router addr add 172.24.0.254/16 dev lan0", commands);
        Assert.Contains("ip link add router-hl type veth peer name host0 netns router", commands);
        Assert.Contains("ip addr add 100.64.0.1/30 dev router-hl", commands);
        Assert.Contains("ip -n router addr add 100.64.0.2/30 dev host0", commands);

        var move = Array.IndexOf(commands, "ip link set dev uplink0 netns router");
        Assert.True(move > Array.IndexOf(commands, "ip -n router link set dev host0 up"), "The uplink must move after the router is built.");
        Assert.Equal("ip -n router addr add 198.51.100.2/24 dev uplink0", commands[move + 1]);
        Assert.Equal("ip -n router route add default via 198.51.100.1 dev uplink0", commands[move + 3]);
        Assert.Equal("ip route add default via 100.64.0.2 dev router-hl", commands[^1]);
    }

    [Fact]
    public void Undoing_the_uplink_move_gives_back_its_address_state_and_default_route()
    {
        var (service, state) = Machine();
        var move = service.PlanAdd(Request(), state).Steps.Single(s => s.Command.ToString() == "ip link set dev uplink0 netns router");
        var undo = move.Undo.Select(c => c.ToString()).ToArray();
        Assert.Equal($"ip -n router link set dev uplink0 netns {Environment.ProcessId}", undo[0]);
        Assert.Contains("ip addr add 198.51.100.2/24 dev uplink0", undo);
        Assert.Contains("ip link set dev uplink0 up", undo);
        Assert.Equal("ip route add default via 198.51.100.1 dev uplink0", undo[^1]);
    }

    [Fact]
    public void The_uplink_record_keeps_what_the_host_had()
    {
        var (service, state) = Machine();
        var step = service.PlanAdd(Request(), state).Steps.Single(s => s.Description.StartsWith("Record the uplink", StringComparison.Ordinal));
        var record = AliasRecord.Parse(step.Arguments[^1], "uplink")!;
        Assert.Equal("198.51.100.2/24", record["addrs"]);
        Assert.Equal("198.51.100.1", record["gw"]);
        Assert.Equal("1", record["up"]);
        Assert.Equal("router", record["router"]);
    }

    [Fact]
    public void Firewall_rules_are_commented_with_their_owner_and_written_as_iptables_save_prints_them()
    {
        var (service, state) = Machine();
        var rules = service.PlanAdd(Request(), state).Steps.Where(s => s.Channel == StepChannel.Firewall).ToArray();
        Assert.Contains(rules, r => r.Arguments.SequenceEqual(new[] { "-P", "FORWARD", "DROP" }));
        Assert.All(rules.Where(r => r.Arguments[0] == "-A"), r => Assert.Contains("virtuallan:router/router", r.Arguments));

        var saved = FirewallState.Parse(FakeRunner.Fixture("iptables-save.router.txt"));
        var related = rules.Single(r => r.Arguments.Contains("RELATED,ESTABLISHED") && r.Arguments.Contains("lan0"));
        Assert.True(saved.HasRule("filter", RestoreInput.Line(related.Arguments)));
        var masquerade = rules.Single(r => r.Arguments.Contains("MASQUERADE"));
        Assert.True(saved.HasRule("nat", RestoreInput.Line(masquerade.Arguments)));
        Assert.Equal("DROP", saved.Policy("filter", "FORWARD"));
        Assert.True(saved.HasChain("nat", "VLAN-POSTROUTING"));
    }

    [Fact]
    public void The_router_itself_accepts_only_its_own_traffic_answers_and_pings_from_inside_then_the_users_chain()
    {
        var (service, state) = Machine();
        var steps = service.PlanAdd(Request(), state).Steps;
        var filter = steps.Where(s => s.Channel == StepChannel.Firewall && s.Table == "filter").Select(s => RestoreInput.Line(s.Arguments)).ToArray();
        Assert.Contains("-P INPUT DROP", filter);
        Assert.Contains("-N USER-INPUT", filter);
        const string Owner = " -m comment --comment \"virtuallan:router/router\" ";
        Assert.Equal(
            new[]
            {
                "-A VLAN-INPUT -i lo" + Owner + "-j ACCEPT",
                "-A VLAN-INPUT -m conntrack --ctstate RELATED,ESTABLISHED" + Owner + "-j ACCEPT",
                "-A VLAN-INPUT -i lan0 -p icmp -m icmp --icmp-type 8" + Owner + "-j ACCEPT",
                "-A VLAN-INPUT -i host0 -p icmp -m icmp --icmp-type 8" + Owner + "-j ACCEPT",
                "-A VLAN-INPUT" + Owner + "-j USER-INPUT",
            },
            filter.Where(l => l.StartsWith("-A VLAN-INPUT ", StringComparison.Ordinal)));

        // A DHCP uplink also takes the server's answers.
        var dhcp = service.PlanAdd(Request(dhcp: true), state).Steps.Select(s => RestoreInput.Line(s.Arguments));
        Assert.Contains("-A VLAN-INPUT -i uplink0 -p udp -m udp --sport 67 --dport 68" + Owner + "-j ACCEPT", dhcp);
    }

    [Fact]
    public void Packets_from_the_WAN_with_a_LAN_host_link_or_martian_source_are_dropped_in_raw()
    {
        var (service, state) = Machine();
        var raw = service.PlanAdd(Request(), state).Steps.Where(s => s.Table == "raw").Select(s => RestoreInput.Line(s.Arguments)).ToArray();
        const string Owner = " -m comment --comment \"virtuallan:router/router\" ";
        Assert.Contains("-A PREROUTING -i uplink0" + Owner + "-j VLAN-ANTISPOOF", raw);
        foreach (var source in new[] { "172.24.0.0/16", "100.64.0.0/30", "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4" })
        {
            Assert.Contains("-A VLAN-ANTISPOOF -s " + source + Owner + "-j DROP", raw);
        }
    }

    [Fact]
    public void IPv6_is_neither_forwarded_nor_configured_by_advertisements_in_the_router()
    {
        var (service, state) = Machine();
        var steps = service.PlanAdd(Request(), state).Steps;
        var hardening = steps.Single(s => s.Description.StartsWith("Harden", StringComparison.Ordinal)).Command.ToString();
        Assert.Equal("ip netns exec router sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.forwarding=0", hardening);
        var commands = steps.Select(s => s.Command.ToString()).ToList();
        Assert.True(commands.IndexOf(hardening) < commands.IndexOf("ip link add router-br type veth peer name lan0 netns router"), "The defaults must be set before the router's links exist.");

        var ipv6 = steps.Where(s => s.Channel == StepChannel.Firewall6).Select(s => RestoreInput.Line(s.Arguments)).ToArray();
        Assert.Contains("-P FORWARD DROP", ipv6);
        Assert.Contains("-P INPUT DROP", ipv6);
        Assert.Contains("-A INPUT -m comment --comment \"virtuallan:router/router\" -j VLAN-INPUT", ipv6);
        Assert.DoesNotContain(ipv6, l => l.Contains("--icmpv6-type 134", StringComparison.Ordinal));
        Assert.All(steps.Where(s => s.Channel == StepChannel.Firewall6), s => Assert.StartsWith("ip netns exec router ip6tables -w -t filter ", s.Command.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_host_link_skips_a_30_that_another_network_of_the_host_uses()
    {
        var (service, state) = Machine();
        var plan = service.PlanAdd(Request(address: "100.64.0.2/23", uplinkGateway: "100.64.0.1"), state);
        Assert.Contains("ip addr add 100.64.2.1/30 dev router-hl", plan.Steps.Select(s => s.Command.ToString()));
        Assert.Equal("100.64.2.1/30", AliasRecord.Parse(plan.Steps.First(s => s.Description.StartsWith("Record the router", StringComparison.Ordinal)).Arguments[^1], "router")!["hostlink"]);

        // Given on purpose, the same /30 is refused.
        Assert.Equal(ErrorIds.SubnetOverlap, Assert.Throws<VlanException>(() => service.PlanAdd(Request(address: "100.64.0.2/23", uplinkGateway: "100.64.0.1", hostLink: "100.64.0.1/30"), state)).ErrorId);
    }

    [Fact]
    public void Dhcp_uses_the_installed_client_with_a_timeout_and_stops_it_on_undo()
    {
        var (service, state) = Machine(p => p == "udhcpc" ? "/usr/sbin/udhcpc" : null);
        var step = service.PlanAdd(Request(dhcp: true), state).Steps.Single(s => s.Description.Contains("DHCP", StringComparison.Ordinal));
        Assert.Equal("ip netns exec router udhcpc -i uplink0 -n -t 5 -T 2 -s /etc/udhcpc/default.script -p /run/virtuallan-router-udhcpc.pid", step.Command.ToString());
        Assert.Equal("pkill -F /run/virtuallan-router-udhcpc.pid", step.UndoCommand!.ToString());
    }

    [Fact]
    public void Without_a_dhcp_client_the_error_names_the_packages()
    {
        var (service, state) = Machine(_ => null);
        var error = Assert.Throws<VlanException>(() => service.PlanAdd(Request(dhcp: true), state));
        Assert.Equal(ErrorIds.DhcpClientNotFound, error.ErrorId);
        Assert.Equal(VlanErrorKind.NotInstalled, error.Kind);
        Assert.Contains("isc-dhcp-client", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nosuch0", null, null, ErrorIds.UplinkNotFound)]
    [InlineData("virtualnet0", null, null, ErrorIds.UplinkInvalid)]
    [InlineData("lo", null, null, ErrorIds.UplinkInvalid)]
    [InlineData("wan0", null, null, ErrorIds.UplinkHasNoAddress)]
    [InlineData("uplink0", "10.0.0.1", null, ErrorIds.AddressOutsideSubnet)]
    [InlineData("uplink0", "172.24.255.255", null, ErrorIds.AddressOutsideSubnet)]
    [InlineData("uplink0", "172.24.0.1", null, ErrorIds.AddressInUse)]
    [InlineData("uplink0", null, "172.24.9.1/30", ErrorIds.SubnetOverlap)]
    [InlineData("uplink0", null, "198.51.100.9/30", ErrorIds.SubnetOverlap)]
    public void Bad_requests_are_refused_before_anything_runs(string uplink, string? gateway, string? hostLink, string errorId)
    {
        var (service, state) = Machine();
        Assert.Equal(errorId, Assert.Throws<VlanException>(() => service.PlanAdd(Request(uplink: uplink, gateway: gateway, hostLink: hostLink), state)).ErrorId);
    }

    [Theory]
    [InlineData("routerrouter1", ErrorIds.InvalidInterfaceName)]
    [InlineData("r/1", ErrorIds.InvalidInterfaceName)]
    [InlineData("-r", ErrorIds.InvalidInterfaceName)]
    public void Bad_names_are_refused(string name, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<VlanException>(() => Request(name: name)).ErrorId);

    [Theory]
    [InlineData("198.51.100.3", "198.51.100.1", ErrorIds.InvalidCidr)]
    [InlineData("198.51.100.0/24", "198.51.100.1", ErrorIds.InvalidHostAddress)]
    [InlineData("198.51.100.3/24", "fd00::1", ErrorIds.IPv6NotSupported)]
    [InlineData("198.51.100.3/24", "198.51.100", ErrorIds.InvalidAddress)]
    public void Bad_static_addresses_are_refused_when_the_request_is_made(string address, string gateway, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<VlanException>(() => Request(address: address, uplinkGateway: gateway)).ErrorId);

    [Fact]
    public void A_static_gateway_outside_the_uplink_network_is_refused()
    {
        var (service, state) = Machine();
        var error = Assert.Throws<VlanException>(() => service.PlanAdd(Request(address: "198.51.100.3/24", uplinkGateway: "10.9.9.9"), state));
        Assert.Equal(ErrorIds.AddressOutsideSubnet, error.ErrorId);
    }

    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.254")]
    [InlineData("172.24.0.1/16", "172.24.0.254")]
    [InlineData("192.0.2.1/28", "192.0.2.14")]
    public void The_default_gateway_is_the_seeds_254_or_the_last_host_of_a_small_LAN(string lan, string expected)
    {
        var json = Host.Replace("172.24.0.1\"", lan.Split('/')[0] + "\"", StringComparison.Ordinal).Replace("\"prefixlen\":16", "\"prefixlen\":" + lan.Split('/')[1], StringComparison.Ordinal);
        var runner = new FakeRunner(json) { RoutesJson = DefaultRoute };
        var plan = new RouterService(NetworkHost.Machine, p => p, _ => true).PlanAdd(Request(), new KernelState(runner));
        Assert.Contains(plan.Steps, s => s.Command.ToString() == $"ip -n router addr add {expected}/{lan.Split('/')[1]} dev lan0");
    }

    [Fact]
    public void In_a_sandbox_the_router_namespace_is_named_after_it_and_the_uplink_returns_there()
    {
        var runner = new FakeRunner(Host, "[{\"name\":\"lab\"}]") { RoutesJson = DefaultRoute };
        var plan = new RouterService(NetworkHost.InSandbox("lab"), p => p, _ => true).PlanAdd(Request(), new KernelState(runner));
        var commands = Commands(plan);
        Assert.Equal("ip netns add lab.router", commands[0]);
        Assert.Contains("ip -n lab link set dev uplink0 netns lab.router", commands);
        Assert.Equal("ip -n lab.router link set dev uplink0 netns lab", plan.Steps.Single(s => s.Command.ToString() == "ip -n lab link set dev uplink0 netns lab.router").Undo[0].ToString());
    }
}
