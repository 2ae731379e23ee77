using VirtualLan.Diagrams;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Seed 000's LAN built for real in a sandbox (virtualnet0, the router on the uplink, two
/// namespaces, a QEMU tap, a stand-in for vboxnet0, two port forwards): Get-VlanTopology holds
/// exactly its appliances, links and forwards, with the kernel's names, addresses, MACs and MTUs,
/// and Export-VlanDiagram draws it.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class TopologyTests
{
    [KernelFact]
    public void The_topology_of_seed_000s_LAN_has_exactly_its_appliances_links_and_forwards()
    {
        using var world = new World();
        var session = world.Session;
        var sandbox = world.Sandbox.Name;
        session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        session.Invoke("$router | Connect-VlanAppliance -Namespace c1, c2 -Create | Out-Null");
        session.Invoke("$router | Connect-VlanAppliance -Tap qemutap0 | Out-Null");
        var vbox = world.Sandbox.Inner("vbox");
        Kernel.Must("ip", "netns", "add", vbox);
        Kernel.Must("ip", "-n", sandbox, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "eth0", "netns", vbox);
        Kernel.Must("ip", "-n", sandbox, "link", "set", "vboxnet0", "mtu", "1400");
        session.Invoke("$router | Connect-VlanAppliance -Interface vboxnet0 | Out-Null");
        session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 | Out-Null");
        session.Invoke("Get-VlanAppliance c2 | Add-VlanPortForward -ExternalPort 5000-5001 -Protocol Udp | Out-Null");
        Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));

        var topology = (Topology)Assert.Single(session.Invoke("Get-VlanTopology")).BaseObject;
        Assert.Empty(session.Errors);
        Assert.Equal(new[] { "virtualnet0" }, topology.Bridges);
        Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
        Assert.Equal(
            new[] { "host", "internet", "bridge:virtualnet0", "router:router", "namespace:c1", "namespace:c2", "tap:qemutap0", "interface:vboxnet0" },
            topology.Nodes.Select(n => n.Id));
        Assert.Equal(
            new[]
            {
                "host Local bridge:virtualnet0",
                "router:router Veth bridge:virtualnet0",
                "router:router Veth host",
                "router:router Uplink internet",
                "namespace:c1 Veth bridge:virtualnet0",
                "namespace:c2 Veth bridge:virtualnet0",
                "tap:qemutap0 Tap bridge:virtualnet0",
                "interface:vboxnet0 Port bridge:virtualnet0",
                "internet Forward namespace:c1",
                "internet Forward namespace:c2",
            },
            topology.Edges.Select(e => e.ToString()));
        Assert.Equal(new[] { "tcp/4000 → 172.24.4.2:4000", "udp/5000-5001 → 172.24.4.3:5000-5001" }, topology.Forwards.Select(f => f.Label));

        // The interfaces are the kernel's: names, addresses, MACs and MTUs as ip reports them.
        var c1 = topology.Edges.Single(e => e.From == "namespace:c1");
        Assert.Equal(("eth0", "172.24.4.2/16", "vl-c1"), (c1.FromInterface!.Name, c1.FromInterface.Cidr.ToString(), c1.ToInterface!.Name));
        Assert.Equal(Mac(world.Sandbox.Inner("c1"), "eth0"), c1.FromInterface.MacAddress);
        Assert.Equal(Mac(sandbox, "vl-c1"), c1.ToInterface.MacAddress);
        Assert.Equal(1500, c1.Mtu);
        var lan = topology.Edges.Single(e => e.From == "router:router" && e.To == "bridge:virtualnet0");
        Assert.Equal(("lan0", "172.24.0.254/16", "router-br"), (lan.FromInterface!.Name, lan.FromInterface.Cidr.ToString(), lan.ToInterface!.Name));
        Assert.Equal(Mac(world.Sandbox.Inner("router"), "lan0"), lan.FromInterface.MacAddress);
        var uplink = topology.Edges.Single(e => e.Kind == TopologyEdgeKind.Uplink);
        Assert.Equal(("uplink0", "198.51.100.2/24", World.WanGateway), (uplink.FromInterface!.Name, uplink.FromInterface.Cidr.ToString(), uplink.Gateway?.ToString()));
        Assert.Equal(1400, topology.Edges.Single(e => e.Kind == TopologyEdgeKind.Port).Mtu);
        Assert.Equal("172.24.0.1/16", topology.Node("bridge:virtualnet0")!.Cidr.ToString());

        // Drawn: the Mermaid names every appliance with its address; the PNG is written, the -WhatIf one is not.
        var mermaid = (string)Assert.Single(session.Invoke("Get-VlanTopology virtualnet0 | Export-VlanDiagram")).BaseObject;
        foreach (var appliance in topology.Appliances)
        {
            Assert.Contains($"{appliance.Name}<br/>{appliance.Cidr}", mermaid, StringComparison.Ordinal);
        }

        var folder = Directory.CreateTempSubdirectory("vlan-topology-");
        try
        {
            // The document of this LAN, drawn without the kernel, has the same nodes, addresses and links.
            session.Invoke($"Export-VlanConfiguration -Path '{folder.FullName}/lan.json'");
            var read = session.Invoke($"Get-VlanTopology -ConfigurationPath '{folder.FullName}/lan.json'");
            Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
            var declared = (Topology)Assert.Single(read).BaseObject;
            Assert.Equal(Nodes(topology), Nodes(declared));
            Assert.Equal(Links(topology), Links(declared));
            var drawn = (string)Assert.Single(session.Invoke($"Export-VlanDiagram -ConfigurationPath '{folder.FullName}/lan.json'")).BaseObject;
            Assert.All(topology.Appliances, a => Assert.Contains($"{a.Name}<br/>{a.Cidr}", drawn, StringComparison.Ordinal));
            File.Delete($"{folder.FullName}/lan.json");

            session.Invoke($"Export-VlanDiagram -Path '{folder.FullName}/lan.svg' -WhatIf");
            Assert.Empty(folder.GetFiles());
            var written = Assert.Single(session.Invoke($"Get-VlanAppliance c1 | Export-VlanDiagram -Path '{folder.FullName}/lan.png' -PassThru")).BaseObject;
            Assert.Empty(session.Errors);
            Assert.Equal(0x89, File.ReadAllBytes(((FileInfo)written).FullName)[0]);
            Assert.Equal(DiagramFormat.Png, Diagram.FormatOf(((FileInfo)written).Name));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string[] Nodes(Topology topology) =>
        topology.Nodes.Select(n => $"{n.Id} {n.Kind} {n.Cidr}").Order(StringComparer.Ordinal).ToArray();

    private static string[] Links(Topology topology) =>
        topology.Edges.Select(e => $"{e.From} -{e.Kind}-> {e.To} {e.FromInterface?.Name} {e.ToInterface?.Name} {e.Forward?.ExternalPortFirst}").Order(StringComparer.Ordinal).ToArray();

    private static string Mac(string ns, string link) =>
        System.Text.Json.JsonDocument.Parse(Kernel.Must("ip", "-n", ns, "-json", "link", "show", link)).RootElement[0].GetProperty("address").GetString()!;
}
