using System.Net;
using VirtualLan.Records;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// The router's records and the rule comments of routers, forwards and host NAT, as the code of today
/// (and 0.1.0, tests/Integration/Fixtures/legacy-lan-0.1.0.json) writes them: each is read by its type
/// and written back to the byte.
/// </summary>
public class RouterRecordTests
{
    [Theory]
    [InlineData("virtuallan:router bridge=virtualnet0 client= gw=172.24.0.254 host=lab hostlink=100.64.0.1%2F30 mode=Keep uplink=uplink0")]
    [InlineData("virtuallan:router bridge=virtualnet0 client= gw=172.24.0.254 host= hostlink=100.64.0.1%2F30 mode=Keep uplink=uplink0")]
    [InlineData("virtuallan:router bridge=virtualnet0 client=udhcpc gw=172.24.0.254 host=lab hostlink=100.64.0.5%2F30 mode=Dhcp uplink=uplink0")]
    [InlineData("virtuallan:router bridge=br%20one client= gw=10.0.0.254 host=lab hostlink=192.168.253.1%2F30 mode=Static uplink=wan%230")]
    public void Router_records_are_read_and_written_back_to_the_byte(string alias)
    {
        var record = RouterRecord.Parse(alias);
        Assert.NotNull(record);
        Assert.Equal(alias, record.Write());
    }

    [Fact]
    public void A_router_record_gives_its_settings_typed()
    {
        var record = RouterRecord.Parse("virtuallan:router bridge=virtualnet0 client=udhcpc gw=172.24.0.254 host=lab hostlink=100.64.0.5%2F30 mode=Dhcp uplink=uplink0")!;
        Assert.Equal("virtualnet0", record.Bridge);
        Assert.Equal("udhcpc", record.DhcpClient);
        Assert.Equal(IPAddress.Parse("172.24.0.254"), record.Gateway);
        Assert.Equal("lab", record.Host);
        Assert.Equal(Ipv4Cidr.Parse("100.64.0.5/30"), record.HostLink);
        Assert.Equal(UplinkMode.Dhcp, record.Mode);
        Assert.Equal("uplink0", record.Uplink);
        Assert.True(record.BelongsTo(Linux.NetworkHost.InSandbox("lab")));
        Assert.False(record.BelongsTo(Linux.NetworkHost.Machine));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("virtuallan:bridge")]
    [InlineData("virtuallan:routerx bridge=a hostlink=100.64.0.1%2F30")]
    [InlineData("virtuallan:uplink addrs= alias= gw= mtu=1500 router=router up=1")]
    [InlineData("virtuallan:router bridge=virtualnet0 gw=172.24.0.254")]
    public void Other_aliases_are_no_router_record(string? alias) => Assert.Null(RouterRecord.Parse(alias));

    [Theory]
    [InlineData("virtuallan:uplink addrs=198.51.100.2%2F24 alias= gw=198.51.100.1 mtu=1500 router=router up=1")]
    [InlineData("virtuallan:uplink addrs=198.51.100.2%2F24%2C203.0.113.7%2F24 alias=my%20uplink%20%23%201 gw= mtu=9000 router=r2 up=0")]
    [InlineData("virtuallan:uplink addrs= alias= gw= mtu=1500 router=router up=1")]
    public void Uplink_records_are_read_and_written_back_to_the_byte(string alias)
    {
        var record = UplinkRecord.Parse(alias);
        Assert.NotNull(record);
        Assert.Equal(alias, record.Write());
    }

    [Fact]
    public void An_uplink_record_gives_what_the_host_had_typed()
    {
        var record = UplinkRecord.Parse("virtuallan:uplink addrs=198.51.100.2%2F24%2C203.0.113.7%2F24 alias=my%20uplink gw= mtu=9000 router=r2 up=0")!;
        Assert.Equal("r2", record.Router);
        Assert.Equal(new[] { Ipv4Cidr.Parse("198.51.100.2/24"), Ipv4Cidr.Parse("203.0.113.7/24") }, record.Addresses);
        Assert.Null(record.Gateway);
        Assert.False(record.WasUp);
        Assert.Equal(9000, record.Mtu);
        Assert.Equal("my uplink", record.Alias);
        Assert.Null(UplinkRecord.Parse("virtuallan:router bridge=a"));
    }

    [Theory]
    [InlineData("virtuallan:router/router", "router")]
    [InlineData("virtuallan:router/r-2.x", "r-2.x")]
    public void Router_comments_are_read_and_written_back(string comment, string router)
    {
        Assert.Equal(router, RouterComment.Parse(comment)!.Router);
        Assert.Equal(comment, new RouterComment(router).Write());
    }

    [Theory]
    [InlineData("virtuallan:forward/router/tcp/8080", "router", ForwardProtocol.Tcp, "8080")]
    [InlineData("virtuallan:forward/router/udp/9000-9002", "router", ForwardProtocol.Udp, "9000-9002")]
    public void Forward_comments_are_read_and_written_back(string comment, string router, ForwardProtocol protocol, string ports)
    {
        Assert.Equal(new ForwardComment(router, protocol, ports), ForwardComment.Parse(comment));
        Assert.Equal(comment, ForwardComment.Parse(comment)!.Write());
    }

    [Theory]
    [InlineData("virtuallan:forward/router/sctp/80")]
    [InlineData("virtuallan:forward/router/tcp")]
    [InlineData("virtuallan:forward//tcp/80")]
    [InlineData("virtuallan:router/router")]
    public void Other_comments_are_no_forward(string comment) => Assert.Null(ForwardComment.Parse(comment));

    [Theory]
    [InlineData("virtuallan:hostnat/br1 ip_forward=0", "br1", "0")]
    [InlineData("virtuallan:hostnat/virtualnet0 ip_forward=1", "virtualnet0", "1")]
    [InlineData("virtuallan:hostnat/br1", "br1", null)]
    public void Host_NAT_comments_are_read_and_written_back(string comment, string bridge, string? previous)
    {
        Assert.Equal(new HostNatComment(bridge, previous), HostNatComment.Parse(comment));
        Assert.Equal(comment, HostNatComment.Parse(comment)!.Write());
    }

    [Theory]
    [InlineData("virtuallan:hostnat")]
    [InlineData("virtuallan:hostnat/br1 ip_forward=")]
    [InlineData("virtuallan:hostnat/br1 ip_forward=10")]
    [InlineData("virtuallan:hostnat/br1 other=1")]
    public void Other_comments_are_no_host_NAT_record(string comment) => Assert.Null(HostNatComment.Parse(comment));

    [Fact]
    public void The_jump_comment_of_host_NAT_is_what_it_was() => Assert.Equal("virtuallan:hostnat", HostNatComment.Hook);
}
