using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

public class IpJsonTests
{
    private static readonly IReadOnlyList<LinkState> Links =
        IpJson.ParseLinks(FakeRunner.Fixture("ip-d-j-addr-show.bridge-veth-docker.json"));

    [Fact]
    public void Every_link_of_the_capture_is_read() =>
        Assert.Equal(new[] { "lo", "virtualnet0", "veth-c1", "docker0", "vbox-peer", "vboxnet0" }, Links.Select(l => l.Name));

    [Fact]
    public void A_bridge_is_read_with_kind_alias_state_and_ipv4_address_only()
    {
        var bridge = Links.Single(l => l.Name == "virtualnet0");
        Assert.True(bridge.IsBridge);
        Assert.Equal("virtuallan:bridge", bridge.Alias);
        Assert.True(bridge.IsUp);
        Assert.Equal(1500, bridge.Mtu);
        Assert.Equal(new[] { Ipv4Cidr.Parse("172.24.0.1/16") }, bridge.Addresses);
        Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", bridge.MacAddress);
    }

    [Fact]
    public void A_port_names_its_master()
    {
        var port = Links.Single(l => l.Name == "veth-c1");
        Assert.Equal("veth", port.Kind);
        Assert.Equal("virtualnet0", port.Master);
    }

    [Fact]
    public void A_bridge_with_two_addresses_and_another_mtu_keeps_both_in_order()
    {
        var docker = Links.Single(l => l.Name == "docker0");
        Assert.Equal(1400, docker.Mtu);
        Assert.Null(docker.Alias);
        Assert.Equal(new[] { "10.9.0.1/24", "10.9.1.1/24" }, docker.Addresses.Select(a => a.ToString()));
        Assert.False(docker.IsUp);
    }

    [Fact]
    public void Loopback_has_no_kind_and_keeps_127_0_0_1()
    {
        var lo = Links[0];
        Assert.Null(lo.Kind);
        Assert.Equal("127.0.0.1/8", Assert.Single(lo.Addresses).ToString());
    }

    [Fact]
    public void Ports_of_a_bridge_come_from_the_master_field()
    {
        var state = new NamespaceState(null, true, Links);
        Assert.Equal(new[] { "veth-c1" }, state.PortsOf("virtualnet0"));
        Assert.Empty(state.PortsOf("docker0"));
        Assert.Equal("docker0", state.HolderOf(System.Net.IPAddress.Parse("10.9.1.1"))!.Name);
    }

    [Fact]
    public void Namespace_list_is_read_and_empty_output_means_none()
    {
        Assert.Equal(new[] { "fx2", "fx1" }, IpJson.ParseNamespaces(FakeRunner.Fixture("ip-j-netns-list.json")));
        Assert.Empty(IpJson.ParseNamespaces(string.Empty));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"ifname\":\"x\"}")]
    [InlineData("[{\"ifindex\":1}]")]
    public void Unexpected_output_is_a_FormatException(string text) =>
        Assert.Throws<FormatException>(() => IpJson.ParseLinks(text));
}
