using System.Net;
using VirtualLan.Appliances;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Tests.Unit;

public class TunnelTests
{
    private const string Written = "virtuallan:tunnel br=virtualnet0 host=1 local=198.51.100.3 omtu=1500 peers=198.51.100.2%2C198.51.100.4 port=4789 vni=4242";

    [Fact]
    public void The_record_reads_and_writes_back_to_the_byte()
    {
        var record = TunnelRecord.Parse(Written)!;
        Assert.Equal(("virtualnet0", 4242, 4789, "198.51.100.3", 1, 1500, (string?)null), (record.Bridge, record.Vni, record.Port, record.Local.ToString(), record.HostIndex, record.PreviousMtu, record.Router));
        Assert.Equal(["198.51.100.2", "198.51.100.4"], record.Peers.Select(p => p.ToString()));
        Assert.Equal(Written, record.Write());
        Assert.Equal("router", TunnelRecord.Parse((record with { Router = "router" }).Write())!.Router);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("virtuallan:tunnelx vni=1 port=1 local=1.2.3.4")]
    [InlineData("virtuallan:tunnel port=4789 local=198.51.100.3")]
    [InlineData("virtuallan:appliance name=c1")]
    public void Other_aliases_are_no_record(string? alias) => Assert.Null(TunnelRecord.Parse(alias));

    [Theory]
    [InlineData(0, "172.24.4.2", "172.24.4.64")]
    [InlineData(1, "172.24.4.65", "172.24.4.127")]
    [InlineData(2, "172.24.4.128", "172.24.4.190")]
    [InlineData(3, "172.24.4.191", "172.24.4.254")]
    public void Each_host_hands_out_its_own_quarter_of_a_pool(int host, string first, string last)
    {
        var lan = Ipv4Cidr.Parse("172.24.0.1/16");
        var (from, to) = AddressPool.Slice(AddressPool.Range(lan, ApplianceKind.Namespace), host);
        Assert.Equal((first, last), (lan.Host(from).Address.ToString(), lan.Host(to).Address.ToString()));
        Assert.Equal(first + "/16", AddressPool.Next(lan, ApplianceKind.Namespace, new HashSet<IPAddress>(), host).ToString());
    }

    [Fact]
    public void Without_a_tunnel_the_pool_is_whole() =>
        Assert.Equal((1026u, 1278u), AddressPool.Slice(AddressPool.Range(Ipv4Cidr.Parse("172.24.0.1/16"), ApplianceKind.Namespace), null));

    [Theory]
    [InlineData("198.51.100.3", 0, 4789, "auto", 0, ErrorIds.TunnelVniInvalid)]
    [InlineData("198.51.100.3", 16777216, 4789, "auto", 0, ErrorIds.TunnelVniInvalid)]
    [InlineData("224.0.0.5", 4242, 4789, "auto", 0, ErrorIds.TunnelPeerInvalid)]
    [InlineData("255.255.255.255", 4242, 4789, "auto", 0, ErrorIds.TunnelPeerInvalid)]
    [InlineData("127.0.0.1", 4242, 4789, "auto", 0, ErrorIds.TunnelPeerInvalid)]
    [InlineData("2001:db8::1", 4242, 4789, "auto", 0, ErrorIds.TunnelPeerInvalid)]
    [InlineData("peer.example", 4242, 4789, "auto", 0, ErrorIds.TunnelPeerInvalid)]
    [InlineData("198.51.100.3", 4242, 0, "auto", 0, ErrorIds.TunnelPortInUse)]
    [InlineData("198.51.100.3", 4242, 4789, "10.0.0.300", 0, ErrorIds.TunnelLocalInvalid)]
    [InlineData("198.51.100.3", 4242, 4789, "auto", 4, ErrorIds.TunnelLocalInvalid)]
    public void Bad_input_is_refused_before_anything_is_read(string peer, long vni, int port, string local, int host, string id)
    {
        var error = Assert.Throws<VlanException>(() => TunnelRequest.Create("virtualnet0", [peer], vni, port, local, host));
        Assert.Equal(id, error.ErrorId);
    }

    [Fact]
    public void The_device_is_made_with_head_end_replication_and_no_group()
    {
        var create = new Operations.CreateVxlan(Linux.NetNamespace.Named("lab.router"), "vx4242", 4242, 4789, IPAddress.Parse("198.51.100.2"), "uplink0", 1450);
        Assert.Equal("ip -n lab.router link add vx4242 mtu 1450 type vxlan id 4242 dstport 4789 local 198.51.100.2 dev uplink0", create.Command.ToString());
        Assert.Equal("vx16777215", TunnelService.DeviceName(16777215));
    }

    [Fact]
    public void A_tunnel_is_an_edge_from_each_peer_to_the_bridge_in_the_topology_and_its_diagrams()
    {
        var sandbox = Linux.NetworkHost.InSandbox("lab");
        var bridge = new Bridge("virtualnet0", Ipv4Cidr.Parse("172.24.0.1/16"), "02:11:22:33:44:55", 1450, "UP", "lab", ["vx4242"], isManaged: true);
        var tunnel = new Tunnel { Bridge = "virtualnet0", Vni = 4242, Port = 4789, Local = IPAddress.Parse("198.51.100.2"), Peers = [IPAddress.Parse("198.51.100.3"), IPAddress.Parse("198.51.100.4")], Mtu = 1450, Device = "vx4242" };
        var topology = Readers.TopologyReader.Build(sandbox, [bridge], [], [], [], [], (_, _) => null, [tunnel]);
        var edges = topology.Edges.Where(e => e.Kind == TopologyEdgeKind.Tunnel).ToArray();
        Assert.Equal(["peer:198.51.100.3", "peer:198.51.100.4"], edges.Select(e => e.From));
        Assert.All(edges, e => Assert.Equal(("bridge:virtualnet0", "vni 4242 udp/4789 ↔ vx4242", 1450), (e.To, e.Label, e.Mtu)));
        Assert.Contains("-.-|\"vni 4242 udp/4789 ↔ vx4242\"|", Diagrams.MermaidDiagram.Render(topology), StringComparison.Ordinal);
        Assert.Contains("style=dashed, color=\"#8250df\"", Diagrams.DotDiagram.Render(topology), StringComparison.Ordinal);
    }
}
