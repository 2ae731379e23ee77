using System.Net;
using System.Text;
using VirtualLan.Diagrams;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Tests.Unit;

/// <summary>A fact that runs Graphviz's dot; skipped, saying why, where it is not installed.</summary>
public sealed class GraphvizFactAttribute : FactAttribute
{
    public GraphvizFactAttribute()
    {
        if (new ToolLocator().Find(Diagram.Dot) is null)
        {
            Skip = "Needs Graphviz's dot (apt-get install graphviz; build.ps1 -Task Test installs it as root).";
        }
    }
}

/// <summary>
/// The topology of a host with two LANs, every kind of appliance, a router with forwards and a DHCP
/// server, a tunnel to another host and host NAT, joined by <see cref="TopologyReader.Build"/> and drawn in every format: the Mermaid and DOT
/// text pinned against golden files, the SVG and PNG rendered by the real dot.
/// </summary>
public class TopologyDiagramTests
{
    private static readonly string[] ApplianceNames = { "c1", "dockernet_tester", "web-1.example", "docker_custom", "qemutap0", "vboxnet0", "c-1", "c_1" };

    [Theory]
    [InlineData(DiagramFormat.Mermaid, "topology.golden.mmd")]
    [InlineData(DiagramFormat.Dot, "topology.golden.dot")]
    public void Text_of_a_LAN_with_every_kind_a_router_and_forwards_is_what_it_was(DiagramFormat format, string golden)
    {
        var text = Diagram.Text(Lab(), format);
        if (Environment.GetEnvironmentVariable("VLAN_WRITE_TOPOLOGY_GOLDEN") is { Length: > 0 } folder)
        {
            File.WriteAllText(Path.Combine(folder, golden), text);
        }

        Assert.Equal(FakeRunner.Fixture(golden), text);
    }

    [Fact]
    public void The_topology_holds_every_appliance_link_and_forward_once()
    {
        var topology = Lab();
        Assert.Equal(new[] { "virtualnet0", "br-lab.2" }, topology.Bridges);
        Assert.Equal(ApplianceNames.Order(StringComparer.Ordinal), topology.Appliances.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(TopologyNodeKind.Container, topology.Node("container:web-1.example")!.Kind);

        // A forward goes to the appliance holding its address, or to the router when none does.
        Assert.Equal(new[] { "namespace:c1", "container:web-1.example", "router:router" }, topology.Forwards.Select(f => f.To));
        Assert.All(topology.Forwards, f => Assert.Equal("internet", f.From));
        Assert.Equal("udp/5000-5010 → 172.24.1.4:5000-5010", topology.Forwards[1].Label);

        // Each link carries its interfaces' names, addresses, MACs and MTU.
        var veth = topology.Edges.Single(e => e.From == "namespace:c1");
        Assert.Equal((TopologyEdgeKind.Veth, "eth0", "172.24.4.2/16", "52:54:00:01:02:03", "vl-c1", "02:00:00:00:00:10", 1500), (veth.Kind, veth.FromInterface!.Name, veth.FromInterface.Cidr.ToString(), veth.FromInterface.MacAddress, veth.ToInterface!.Name, veth.ToInterface.MacAddress, veth.Mtu));
        var uplink = topology.Edges.Single(e => e.From == "router:router" && e.Kind == TopologyEdgeKind.Uplink);
        Assert.Equal("uplink0 via 198.51.100.1", uplink.Label);
        Assert.Equal(1400, uplink.Mtu);
        Assert.Equal(TopologyEdgeKind.Port, topology.Edges.Single(e => e.From == "interface:vboxnet0").Kind);
        Assert.Equal(TopologyEdgeKind.Tap, topology.Edges.Single(e => e.From == "tap:qemutap0").Kind);
        Assert.Single(topology.Edges, e => e.From == "host" && e.To == "internet" && e.FromInterface!.Name == "wlan0");

        // Joined with itself, nothing is there twice.
        var joined = Topology.Join(new[] { topology, Lab() });
        Assert.Equal(topology.Nodes.Count, joined.Nodes.Count);
        Assert.Equal(topology.Edges.Count, joined.Edges.Count);
    }

    [Fact]
    public void Names_with_dashes_and_dots_become_ids_with_the_name_as_label()
    {
        var mermaid = Diagram.Text(Lab(), DiagramFormat.Mermaid);
        var dot = Diagram.Text(Lab(), DiagramFormat.Dot);
        Assert.Contains("container_web_1_example(\"web-1.example<br/>172.24.1.4/16\")", mermaid, StringComparison.Ordinal);
        Assert.Contains("container_web_1_example [label=\"web-1.example\\n172.24.1.4/16\"]", dot, StringComparison.Ordinal);

        // c-1 and c_1 map to the same letters; the second gets a suffix.
        Assert.Contains("namespace_c_1(\"c-1", mermaid, StringComparison.Ordinal);
        Assert.Contains("namespace_c_1_2(\"c_1", mermaid, StringComparison.Ordinal);
        Assert.Contains("subgraph lan_br_lab_2[\"LAN br-lab.2 10.9.0.0/24\"]", mermaid, StringComparison.Ordinal);
    }

    [GraphvizFact]
    public void The_SVG_rendered_by_dot_holds_every_appliance_name_and_address()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "lan.svg");
        Diagram.Write(Lab(), DiagramFormat.Svg, path, new ProcessRunner(new ToolLocator()), CancellationToken.None);
        // Parsed as XML, so dot's character references (web&#45;1) read as the names they stand for.
        var svg = System.Xml.Linq.XDocument.Load(path);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        var texts = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var node in Lab().Appliances)
        {
            Assert.Contains(node.Name, texts);
            if (node.Cidr is { } cidr)
            {
                Assert.Contains(cidr.ToString(), texts);
            }
        }

        Assert.Contains("tcp/4000 → 172.24.4.2:4000", texts);
        Assert.Equal(new[] { "lan.svg" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [GraphvizFact]
    public void The_PNG_rendered_by_dot_opens_as_an_image()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "lan.png");
        Diagram.Write(Lab(), DiagramFormat.Png, path, new ProcessRunner(new ToolLocator()), CancellationToken.None);
        var bytes = File.ReadAllBytes(path);

        // The PNG signature, then the IHDR chunk with a width and height of some size.
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
        var width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
        var height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.True(width > 200 && height > 100, $"The PNG is {width}x{height}.");
    }

    [Fact]
    public void Without_dot_an_image_is_ToolNotInstalled_naming_graphviz_and_no_file_is_left()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "lan.svg");
        var runner = new ProcessRunner(new ToolLocator(string.Empty, _ => false));
        var e = Assert.Throws<VlanException>(() => Diagram.Write(Lab(), DiagramFormat.Svg, path, runner, CancellationToken.None));
        Assert.Equal(ErrorIds.ToolNotInstalled, e.ErrorId);
        Assert.Contains("apt-get install graphviz", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_dot_that_fails_leaves_the_old_file_as_it_was_and_no_partial_file()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "lan.png");
        File.WriteAllText(path, "the old picture");
        var runner = new FakeRunner
        {
            Respond = c =>
            {
                // dot writes half an image, then fails.
                File.WriteAllText(c.Arguments[^1], "half");
                return new CommandResult(1, string.Empty, "Error: renderer for png is unavailable");
            },
        };
        var e = Assert.Throws<VlanException>(() => Diagram.Write(Lab(), DiagramFormat.Png, path, runner, CancellationToken.None));
        Assert.Equal(ErrorIds.DiagramRenderFailed, e.ErrorId);
        Assert.Contains("renderer for png is unavailable", e.Message, StringComparison.Ordinal);
        Assert.Equal("the old picture", File.ReadAllText(path));
        Assert.Equal(new[] { "lan.png" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
        Assert.Equal(new[] { "dot", "-Tpng", "-o" }, new[] { runner.Calls[0].Command.Program }.Concat(runner.Calls[0].Command.Arguments.Take(2)));
        Assert.StartsWith("digraph", runner.Calls[0].Input, StringComparison.Ordinal);
    }

    /// <summary>
    /// Seed 000's LAN with every kind, behind a router with three forwards (one to an address no
    /// appliance holds), and seed 004's LAN on a bridge whose name has a dash and a dot, masqueraded
    /// by the host, with two namespaces whose names map to the same letters.
    /// </summary>
    internal static Topology Lab()
    {
        var sandbox = NetworkHost.InSandbox("lab");
        var bridges = new[]
        {
            new Bridge("virtualnet0", Ipv4Cidr.Parse("172.24.0.1/16"), "02:11:22:33:44:55", 1500, "UP", "lab", new[] { "router-br", "vl-c1" }, isManaged: true),
            new Bridge("br-lab.2", Ipv4Cidr.Parse("10.9.0.1/24"), "02:11:22:33:44:66", 1500, "UP", "lab", new[] { "vl-c-1", "vl-c_1" }, isManaged: true),
        };
        var routers = new[]
        {
            new Router
            {
                Name = "router", Namespace = "lab.router", Bridge = "virtualnet0", GatewayAddress = IPAddress.Parse("172.24.0.254"), PrefixLength = 16,
                Uplink = "uplink0", UplinkCidr = Ipv4Cidr.Parse("198.51.100.2/24"), UplinkGateway = IPAddress.Parse("198.51.100.1"), UplinkMode = UplinkMode.Keep,
                LanInterface = "lan0", BridgePort = "router-br", HostInterface = "router-hl", HostLinkCidr = Ipv4Cidr.Parse("100.64.0.1/30"),
                HostLinkPeer = IPAddress.Parse("100.64.0.2"), RoutesHostTraffic = false, ForwardPolicy = "DROP", Sandbox = "lab",
            },
        };
        Appliance Veth(ApplianceKind kind, string name, string port, string cidr, string mac, string bridge = "virtualnet0", string? ns = null) => new()
        {
            Name = name, Kind = kind, Bridge = bridge, HostInterface = port, Interface = "eth0", Cidr = Ipv4Cidr.Parse(cidr), MacAddress = mac,
            Namespace = ns ?? "lab." + name, Sandbox = "lab",
        };
        var appliances = new[]
        {
            Veth(ApplianceKind.Namespace, "c1", "vl-c1", "172.24.4.2/16", "52:54:00:01:02:03"),
            Veth(ApplianceKind.Container, "dockernet_tester", "vl-6fca6f82a8ce", "172.24.1.3/16", "52:54:00:0a:0b:0c", ns: "/proc/4242/ns/net"),
            Veth(ApplianceKind.Container, "web-1.example", "vl-0123456789ab", "172.24.1.4/16", "52:54:00:0a:0b:0d", ns: "/proc/4343/ns/net"),
            new Appliance { Name = "docker_custom", Kind = ApplianceKind.DockerNetwork, Bridge = "virtualnet0", HostInterface = "vl-n881b070752a", Interface = "vl-p881b070752a", DockerBridge = "br-881b070752a9", Sandbox = "lab" },
            new Appliance { Name = "qemutap0", Kind = ApplianceKind.Tap, Bridge = "virtualnet0", HostInterface = "qemutap0", Interface = "eth0", Cidr = Ipv4Cidr.Parse("172.24.2.2/16"), MacAddress = "52:54:00:4e:8b:43", Sandbox = "lab" },
            new Appliance { Name = "vboxnet0", Kind = ApplianceKind.Interface, Bridge = "virtualnet0", HostInterface = "vboxnet0", Cidr = Ipv4Cidr.Parse("172.24.3.2/16"), Sandbox = "lab" },
            Veth(ApplianceKind.Namespace, "c-1", "vl-c-1", "10.9.0.2/24", "52:54:00:09:00:02", bridge: "br-lab.2"),
            Veth(ApplianceKind.Namespace, "c_1", "vl-c_1", "10.9.0.3/24", "52:54:00:09:00:03", bridge: "br-lab.2"),
        };
        PortForward Forward(ForwardProtocol protocol, int first, int last, string to, int port, string? appliance) => new()
        {
            Router = "router", Protocol = protocol, ExternalAddress = IPAddress.Parse("198.51.100.2"), ExternalPortFirst = first, ExternalPortLast = last,
            InternalAddress = IPAddress.Parse(to), InternalPortFirst = port, Appliance = appliance, NatLoopback = true, Sandbox = "lab",
        };
        var forwards = new[]
        {
            Forward(ForwardProtocol.Tcp, 4000, 4000, "172.24.4.2", 4000, "c1"),
            Forward(ForwardProtocol.Udp, 5000, 5010, "172.24.1.4", 5000, null),
            Forward(ForwardProtocol.Tcp, 8080, 8080, "172.24.9.9", 80, null),
        };
        var nats = new[] { new HostNat { Bridge = "br-lab.2", Subnet = Ipv4Cidr.Parse("10.9.0.0/24"), Uplink = "wlan0", IpForward = "1", PreviousIpForward = "0", Sandbox = "lab" } };
        var links = new Dictionary<(string?, string), LinkState>
        {
            [("lab.router", "lan0")] = Link("lan0", "02:00:00:00:01:01", 1500),
            [("lab.router", "host0")] = Link("host0", "02:00:00:00:01:02", 1500),
            [("lab.router", "uplink0")] = Link("uplink0", "02:aa:bb:cc:dd:01", 1400),
            [("lab", "router-br")] = Link("router-br", "02:00:00:00:00:01", 1500),
            [("lab", "router-hl")] = Link("router-hl", "02:00:00:00:00:02", 1500),
            [("lab", "vl-c1")] = Link("vl-c1", "02:00:00:00:00:10", 1500),
            [("lab", "vl-6fca6f82a8ce")] = Link("vl-6fca6f82a8ce", "02:00:00:00:00:11", 1500),
            [("lab", "vl-0123456789ab")] = Link("vl-0123456789ab", "02:00:00:00:00:12", 1500),
            [("lab", "qemutap0")] = Link("qemutap0", "fe:00:00:00:00:12", 1500),
            [("lab", "vboxnet0")] = Link("vboxnet0", "0a:00:27:00:00:00", 1500),
            [("lab", "vl-n881b070752a")] = Link("vl-n881b070752a", "02:00:00:00:00:13", 1500),
            [("lab", "vl-p881b070752a")] = Link("vl-p881b070752a", "02:00:00:00:00:14", 1500),
            [("lab", "br-881b070752a9")] = Link("br-881b070752a9", "02:42:ac:12:00:01", 1500),
            [("lab", "vl-c-1")] = Link("vl-c-1", "02:00:00:00:00:20", 9000),
            [("lab", "vl-c_1")] = Link("vl-c_1", "02:00:00:00:00:21", 9000),
            [("lab", "wlan0")] = Link("wlan0", "02:00:00:00:00:30", 1500, "192.168.1.20/24"),
        };
        var tunnels = new[] { new Tunnel { Bridge = "virtualnet0", Vni = 4242, Port = 4789, Local = IPAddress.Parse("198.51.100.2"), Peers = [IPAddress.Parse("198.51.100.3")], Mtu = 1450, Device = "vx4242", Router = "router" } };
        var dhcp = new[]
        {
            new DhcpServer
            {
                Bridge = "virtualnet0", Router = "router", Namespace = "lab.router", Interface = "lan0", ServerAddress = IPAddress.Parse("172.24.0.254"), Domain = "lan", SearchDomains = ["lan"],
                LeaseTime = TimeSpan.FromHours(1), Ranges = [], Upstreams = [], Folder = "/run/virtuallan-lab.router-dnsmasq.virtualnet0",
            },
        };
        return TopologyReader.Build(sandbox, bridges, routers, appliances, forwards, nats, (ns, name) => links.GetValueOrDefault((ns, name)), tunnels, dhcp);
    }

    private static LinkState Link(string name, string mac, int mtu, string? address = null) =>
        new(1, name, "veth", null, new[] { "UP" }, "UP", mtu, mac, null, address is null ? Array.Empty<Ipv4Cidr>() : new[] { Ipv4Cidr.Parse(address) });

    private sealed class TemporaryFolder : IDisposable
    {
        public TemporaryFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vlan-diagram-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
