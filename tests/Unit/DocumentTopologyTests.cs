using VirtualLan.Configuration;
using VirtualLan.Diagrams;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

/// <summary>A LAN not built yet, drawn from its configuration document with the names and addresses the cmdlets would give.</summary>
public class DocumentTopologyTests
{
    private static readonly LanDocument Document = new()
    {
        Bridges = [new BridgeEntry { Name = "virtualnet0", Address = "172.24.0.1/16" }, new BridgeEntry { Name = "br0", Address = "10.0.0.1/24" }],
        Routers = [new RouterEntry { Name = "router", Bridge = "virtualnet0", Uplink = "uplink0", UplinkMode = "static", UplinkAddress = "198.51.100.2/24", UplinkGateway = "198.51.100.1" }],
        HostNat = [new HostNatEntry { Bridge = "br0", Uplink = "uplink1" }],
        Appliances =
        [
            new ApplianceEntry { Kind = "namespace", Name = "c1", Bridge = "virtualnet0", Address = "172.24.4.2", Create = true },
            new ApplianceEntry { Kind = "container", Name = "web-1.example", Bridge = "virtualnet0", Address = "172.24.1.4" },
            new ApplianceEntry { Kind = "tap", Name = "qemutap0", Bridge = "virtualnet0" },
            new ApplianceEntry { Kind = "interface", Name = "vboxnet0", Bridge = "br0", Address = "10.0.0.9/24" },
        ],
        Tunnels = [new TunnelEntry { Bridge = "virtualnet0", Vni = 4242, Peers = ["198.51.100.3"] }],
        Dhcp = [new DhcpEntry { Bridge = "virtualnet0", Domain = "lab" }],
        PortForwards = [new PortForwardEntry { Router = "router", Protocol = "tcp", ExternalPort = "8080", InternalAddress = "172.24.4.2", InternalPort = "80" }],
    };

    [Fact]
    public void The_document_declares_the_nodes_links_and_forwards_the_cmdlets_would_make()
    {
        var topology = DocumentTopology.From(Document, NetworkHost.InSandbox("lab"));
        Assert.Equal(new[] { "virtualnet0", "br0" }, topology.Bridges);
        Assert.Equal(
            new[] { "container:web-1.example 172.24.1.4/16", "interface:vboxnet0 10.0.0.9/24", "namespace:c1 172.24.4.2/16", "tap:qemutap0 " },
            topology.Appliances.Select(a => $"{a.Id} {a.Cidr}").Order(StringComparer.Ordinal));

        // The router as Add-VlanRouterNamespace makes it: the seed's gateway .254, lan0 ↔ router-br, host0 ↔ router-hl.
        var router = topology.Node("router:router")!;
        Assert.Equal(("172.24.0.254/16", "lab.router"), (router.Cidr.ToString(), router.Namespace));
        var lan = topology.Edges.Single(e => e.From == "router:router" && e.To == "bridge:virtualnet0");
        Assert.Equal(("lan0", "router-br"), (lan.FromInterface!.Name, lan.ToInterface!.Name));
        Assert.Equal("vl-c1", topology.Edges.Single(e => e.From == "namespace:c1").ToInterface!.Name);
        Assert.Equal(DocumentTopology.DockerPort, topology.Edges.Single(e => e.From == "container:web-1.example").ToInterface!.Name);

        // The forward leads to the appliance holding its address, from the uplink's address; host NAT leads br0 out.
        var forward = Assert.Single(topology.Forwards);
        Assert.Equal(("internet", "namespace:c1", "198.51.100.2", 80), (forward.From, forward.To, forward.Forward!.ExternalAddress.ToString(), forward.Forward.InternalPortFirst));
        Assert.Contains(topology.Edges, e => e.From == "host" && e.To == "internet" && e.FromInterface!.Name == "uplink1");

        // The tunnel's peer and the router's DHCP and DNS server, as the live LAN would show them.
        Assert.Contains(topology.Edges, e => e.From == "peer:198.51.100.3" && e.To == "bridge:virtualnet0" && e.Kind == TopologyEdgeKind.Tunnel);
        Assert.Equal(new[] { "DHCP, DNS .lab on lan0" }, router.Services);
    }

    [Fact]
    public void It_is_drawn_like_a_live_LAN_and_only_the_bridges_asked_for()
    {
        var mermaid = Diagram.Text(DocumentTopology.From(Document, NetworkHost.Machine, new[] { "br0" }), DiagramFormat.Mermaid);
        Assert.Contains("vboxnet0<br/>10.0.0.9/24", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("c1", mermaid, StringComparison.Ordinal);
    }
}
