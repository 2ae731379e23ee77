using System.Net;

namespace VirtualLan.Tests.Unit;

public class Ipv4CidrTests
{
    [Theory]
    [InlineData("172.24.0.1/16", "172.24.0.1", 16, "172.24.0.0/16")]
    [InlineData("10.0.0.1/24", "10.0.0.1", 24, "10.0.0.0/24")]
    [InlineData("198.51.100.7/30", "198.51.100.7", 30, "198.51.100.4/30")]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0, "0.0.0.0/0")]
    [InlineData("203.0.113.10/32", "203.0.113.10", 32, "203.0.113.10/32")]
    public void Parse_reads_address_prefix_and_network(string text, string address, int prefix, string network)
    {
        var cidr = Ipv4Cidr.Parse(text);
        Assert.Equal(IPAddress.Parse(address), cidr.Address);
        Assert.Equal(prefix, cidr.PrefixLength);
        Assert.Equal(network, cidr.Network.ToString());
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData("", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.1", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.1/", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.1/33", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.1/-1", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0/16", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.256/16", ErrorIds.InvalidCidr)]
    [InlineData("10.1/8", ErrorIds.InvalidCidr)]
    [InlineData("a.b.c.d/8", ErrorIds.InvalidCidr)]
    [InlineData(" 172.24.0.1/16", ErrorIds.InvalidCidr)]
    [InlineData("172.24.0.1/16; reboot", ErrorIds.InvalidCidr)]
    [InlineData("fd00::1/64", ErrorIds.IPv6NotSupported)]
    [InlineData("::ffff:172.24.0.1/112", ErrorIds.IPv6NotSupported)]
    public void Parse_refuses_malformed_text_with_a_stable_id(string text, string errorId)
    {
        var error = Assert.Throws<VlanException>(() => Ipv4Cidr.Parse(text));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(VlanErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(text, error.Target);
        Assert.Contains("172.24.0.1/16", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("172.24.0.0/16", true, false)]
    [InlineData("172.24.255.255/16", false, true)]
    [InlineData("172.24.0.1/16", false, false)]
    [InlineData("10.0.0.0/31", false, false)]
    public void Network_and_broadcast_addresses_are_recognised(string text, bool network, bool broadcast)
    {
        var cidr = Ipv4Cidr.Parse(text);
        Assert.Equal(network, cidr.IsNetworkAddress);
        Assert.Equal(broadcast, cidr.IsBroadcastAddress);
    }

    [Theory]
    [InlineData("172.24.0.1/16", "172.24.4.2", true)]
    [InlineData("172.24.0.1/16", "172.25.0.1", false)]
    [InlineData("10.0.0.1/24", "10.0.0.255", true)]
    [InlineData("10.0.0.1/24", "10.0.1.0", false)]
    public void Contains_tells_membership(string network, string address, bool expected) =>
        Assert.Equal(expected, Ipv4Cidr.Parse(network).Contains(IPAddress.Parse(address)));

    [Fact]
    public void Contains_is_false_for_ipv6() =>
        Assert.False(Ipv4Cidr.Parse("0.0.0.0/0").Contains(IPAddress.IPv6Loopback));

    [Theory]
    [InlineData("172.24.0.1/16", "172.24.1.0/24", true)]
    [InlineData("172.24.0.1/16", "172.25.0.0/16", false)]
    [InlineData("10.0.0.0/8", "10.200.0.0/16", true)]
    public void Overlaps_is_symmetric(string a, string b, bool expected)
    {
        Assert.Equal(expected, Ipv4Cidr.Parse(a).Overlaps(Ipv4Cidr.Parse(b)));
        Assert.Equal(expected, Ipv4Cidr.Parse(b).Overlaps(Ipv4Cidr.Parse(a)));
    }
}
