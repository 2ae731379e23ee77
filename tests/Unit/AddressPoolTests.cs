using System.Net;
using VirtualLan.Appliances;

namespace VirtualLan.Tests.Unit;

public class AddressPoolTests
{
    [Theory]
    [InlineData(ApplianceKind.Container, "172.24.1.2")]
    [InlineData(ApplianceKind.DockerNetwork, "172.24.1.2")]
    [InlineData(ApplianceKind.Tap, "172.24.2.2")]
    [InlineData(ApplianceKind.Interface, "172.24.3.2")]
    [InlineData(ApplianceKind.Namespace, "172.24.4.2")]
    public void Each_kind_starts_in_the_seeds_pool(ApplianceKind kind, string expected) =>
        Assert.Equal(expected + "/16", AddressPool.Next(Ipv4Cidr.Parse("172.24.0.1/16"), kind, new HashSet<IPAddress>()).ToString());

    [Fact]
    public void Addresses_in_use_are_skipped()
    {
        var used = new HashSet<IPAddress> { IPAddress.Parse("172.24.4.2"), IPAddress.Parse("172.24.4.3"), IPAddress.Parse("172.24.4.5") };
        Assert.Equal("172.24.4.4/16", AddressPool.Next(Ipv4Cidr.Parse("172.24.0.1/16"), ApplianceKind.Namespace, used).ToString());
    }

    [Fact]
    public void A_small_LAN_uses_the_whole_subnet_for_every_kind()
    {
        var used = new HashSet<IPAddress> { IPAddress.Parse("10.0.0.1") };
        Assert.Equal("10.0.0.2/24", AddressPool.Next(Ipv4Cidr.Parse("10.0.0.1/24"), ApplianceKind.Tap, used).ToString());
    }

    [Fact]
    public void A_full_pool_is_an_error_that_says_what_to_do()
    {
        var lan = Ipv4Cidr.Parse("10.0.0.1/30");
        var used = new HashSet<IPAddress> { IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2") };
        var error = Assert.Throws<VlanException>(() => AddressPool.Next(lan, ApplianceKind.Namespace, used));
        Assert.Equal(ErrorIds.PoolExhausted, error.ErrorId);
        Assert.Contains("-Address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pools_stay_inside_the_LAN_and_never_take_network_or_broadcast()
    {
        var lan = Ipv4Cidr.Parse("192.168.0.1/21");
        for (var kind = ApplianceKind.Namespace; kind <= ApplianceKind.Interface; kind++)
        {
            var address = AddressPool.Next(lan, kind, new HashSet<IPAddress>());
            Assert.True(lan.Contains(address.Address));
            Assert.False(address.IsNetworkAddress || address.IsBroadcastAddress);
        }
    }
}
