using System.Net;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

/// <summary>Issue 14, items 8 and 12 in the core: addresses no host can hold, records that do not fit, neighbours not trusted.</summary>
public class Issue14InputTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("127.0.0.2")]
    [InlineData("224.0.0.5")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    public void Addresses_no_host_can_hold_are_named(string address) =>
        Assert.NotNull(Ipv4Cidr.WhyNotUnicast(IPAddress.Parse(address)));

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("10.0.0.1")]
    [InlineData("172.24.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("223.255.255.254")]
    public void Unicast_addresses_pass(string address) =>
        Assert.Null(Ipv4Cidr.WhyNotUnicast(IPAddress.Parse(address)));

    [Theory]
    [InlineData("1.2.3.4/1")]
    [InlineData("10.0.0.1/7")]
    [InlineData("127.0.0.2/8")]
    [InlineData("224.0.0.5/24")]
    [InlineData("0.0.0.1/24")]
    [InlineData("255.1.1.1/24")]
    public void A_bridge_on_an_address_no_LAN_can_have_is_refused(string address) =>
        Assert.Equal(ErrorIds.InvalidHostAddress, Assert.Throws<VlanException>(() => BridgeRequest.Create("br0", address, null, false)).ErrorId);

    [Fact]
    public void Null_is_not_the_default()
    {
        Assert.Equal(ErrorIds.InvalidInterfaceName, Assert.Throws<VlanException>(() => BridgeRequest.Create(null, BridgeRequest.DefaultAddress, null, false)).ErrorId);
        Assert.Equal(ErrorIds.InvalidCidr, Assert.Throws<VlanException>(() => BridgeRequest.Create("br0", null, null, false)).ErrorId);
        Assert.Contains("$null", Assert.Throws<VlanException>(() => Names.Interface(null, "Name")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_longer_than_an_alias_is_refused_with_RecordTooLong_naming_the_long_part()
    {
        var record = new AliasRecord("uplink", new Dictionary<string, string> { ["router"] = "router", ["alias"] = new string('x', 250) });
        var error = Assert.Throws<VlanException>(() => record.ToString());
        Assert.Equal(ErrorIds.RecordTooLong, error.ErrorId);
        Assert.Equal(VlanErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("alias=xxxx", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("virtuallan:router bridge=x", "router")]
    [InlineData("virtuallan:sandbox", "sandbox")]
    [InlineData("virtuallan:", null)]
    [InlineData("ISP #1", null)]
    [InlineData(null, null)]
    public void The_kind_of_a_record_is_read_from_any_alias(string? alias, string? kind) =>
        Assert.Equal(kind, AliasRecord.KindOf(alias));

    [Fact]
    public void Only_neighbours_the_kernel_confirmed_count_as_taken()
    {
        // What `ip -4 -json neigh show dev virtualnet0` prints after an appliance sent ARP requests
        // with forged senders (STALE), next to real neighbours.
        const string json = """
            [{"dst":"172.24.1.50","lladdr":"02:00:00:00:00:01","state":["STALE"]},
             {"dst":"172.24.1.51","lladdr":"02:00:00:00:00:01","state":["FAILED"]},
             {"dst":"172.24.1.52","state":["INCOMPLETE"]},
             {"dst":"172.24.1.2","lladdr":"52:54:00:00:00:02","state":["REACHABLE"]},
             {"dst":"172.24.1.3","lladdr":"52:54:00:00:00:03","state":["PERMANENT"]},
             {"dst":"172.24.1.4","lladdr":"52:54:00:00:00:04","state":["DELAY"]}]
            """;
        Assert.Equal(new[] { "172.24.1.2", "172.24.1.3", "172.24.1.4" }, RouteState.ParseNeighbors(json).Select(a => a.Address.ToString()));
    }
}
