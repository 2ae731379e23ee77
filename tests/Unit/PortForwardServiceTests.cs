using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

public class PortForwardServiceTests
{
    // A router as ip -json shows it (the fake answers the same for the host and the router's
    // namespace): lo and the host link with the router record, lan0 and the uplink.
    internal const string RouterLinks = """
        [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","address":"00:00:00:00:00:00",
          "ifalias":"virtuallan:router bridge=virtualnet0 client= gw=172.24.0.254 host= hostlink=100.64.0.1%2F30 mode=Keep uplink=uplink0",
          "addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
         {"ifindex":2,"ifname":"lan0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"veth"},
          "addr_info":[{"family":"inet","local":"172.24.0.254","prefixlen":16}]},
         {"ifindex":3,"ifname":"uplink0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"veth"},
          "addr_info":[{"family":"inet","local":"198.51.100.2","prefixlen":24}]},
         {"ifindex":4,"ifname":"router-hl","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"veth"},
          "ifalias":"virtuallan:router bridge=virtualnet0 client= gw=172.24.0.254 host= hostlink=100.64.0.1%2F30 mode=Keep uplink=uplink0",
          "addr_info":[{"family":"inet","local":"100.64.0.1","prefixlen":30}]}]
        """;

    private static (PortForwardService Service, KernelState State) Router(string iptables = "") =>
        (new PortForwardService(NetworkHost.Machine, new Docker(new FakeRunner())),
         new KernelState(new FakeRunner(RouterLinks, "[{\"name\":\"router\"}]") { IptablesSave = iptables }));

    [Theory]
    [InlineData("4000", 4000, 4000)]
    [InlineData("1", 1, 1)]
    [InlineData("65535", 65535, 65535)]
    [InlineData("4000-4010", 4000, 4010)]
    public void Ports_and_ranges_parse(string text, int first, int last) =>
        Assert.Equal((first, last), PortForwardService.ParsePorts(text, "ExternalPort"));

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("4010-4000")]
    [InlineData("4000-")]
    [InlineData("http")]
    [InlineData("")]
    [InlineData("1-2-3")]
    public void Bad_ports_get_InvalidPort(string text) =>
        Assert.Equal(ErrorIds.InvalidPort, Assert.Throws<VlanException>(() => PortForwardService.ParsePorts(text, "ExternalPort")).ErrorId);

    [Fact]
    public void Forwards_are_read_back_from_the_routers_rules_once_each()
    {
        var (service, state) = Router(FakeRunner.Fixture("iptables-save.forwards.txt"));
        var forwards = service.List(state);
        Assert.Equal(2, forwards.Count);
        var tcp = forwards.Single(f => f.Protocol == ForwardProtocol.Tcp);
        Assert.Equal("198.51.100.2", tcp.ExternalAddress.ToString());
        Assert.Equal("4000", tcp.ExternalPort);
        Assert.Equal("172.24.4.2", tcp.InternalAddress.ToString());
        var udp = forwards.Single(f => f.Protocol == ForwardProtocol.Udp);
        Assert.Equal("9000-9002", udp.ExternalPort);
        Assert.Equal("5000-5002", udp.InternalPort);
    }

    [Fact]
    public void The_planned_rules_read_as_iptables_save_prints_them_and_match_only_the_WAN_and_loopback_sides()
    {
        var (service, state) = Router();
        var (plan, _) = service.PlanAdd("router", ForwardProtocol.Udp, "9000-9002", "5000", IPAddress.Parse("172.24.4.2"), null, null, state);
        var saved = FirewallState.Parse(FakeRunner.Fixture("iptables-save.forwards.txt"));
        var dnat = plan.Steps.Where(s => s.Channel == StepChannel.Firewall && s.Arguments.Contains("--to-destination")).ToArray();
        Assert.Equal(new[] { "uplink0", "host0", "lan0" }, dnat.Select(s => s.Arguments[s.Arguments.ToList().IndexOf("-i") + 1]));
        Assert.True(saved.HasRule("nat", RestoreInput.Line(dnat[0].Arguments)));
        Assert.Contains(plan.Steps, s => s.Table == "filter" && s.Arguments.Contains("--ctstate") && s.Arguments.Contains("DNAT") && s.Arguments.Contains("-o"));
        Assert.Equal("172.24.4.2:5000-5002/9000", dnat[0].Arguments[^1]);
        Assert.Equal("ip netns exec router conntrack -D -p udp --orig-dst 198.51.100.2", plan.Steps[^1].Command.ToString());
    }

    [Theory]
    [InlineData("10.9.9.9")]
    [InlineData("172.24.0.254")]
    public void A_target_outside_the_LAN_or_the_router_itself_is_refused(string target)
    {
        var (service, state) = Router();
        Assert.Equal(ErrorIds.AddressOutsideSubnet, Assert.Throws<VlanException>(() => service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse(target), null, null, state)).ErrorId);
    }

    [Fact]
    public void A_second_forward_of_the_same_port_names_the_first_and_the_same_forward_again_is_fine()
    {
        var (service, state) = Router(FakeRunner.Fixture("iptables-save.forwards.txt"));
        var error = Assert.Throws<VlanException>(() => service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse("172.24.4.9"), null, null, state));
        Assert.Equal(ErrorIds.PortForwardExists, error.ErrorId);
        Assert.Contains("172.24.4.2:4000", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.PortForwardExists, Assert.Throws<VlanException>(() => service.PlanAdd("router", ForwardProtocol.Udp, "9001", null, IPAddress.Parse("172.24.4.2"), null, null, state)).ErrorId);
        service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse("172.24.4.2"), null, null, state);
    }

    [Fact]
    public void Removing_an_unknown_forward_is_an_error() =>
        Assert.Equal(ErrorIds.PortForwardNotFound, Assert.Throws<VlanException>(() => Router().Service.PlanRemove("router", ForwardProtocol.Tcp, "4001", Router().State)).ErrorId);
}
