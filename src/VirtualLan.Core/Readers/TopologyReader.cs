using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Readers;

/// <summary>
/// Reads the whole of a host's LANs as one <see cref="Topology"/>: the bridges, routers, appliances,
/// port forwards and host NAT the other readers find, joined into nodes and edges with each
/// interface's name, address, MAC and MTU. It plans nothing.
/// </summary>
public sealed class TopologyReader
{
    private readonly HostReaders _readers;
    private readonly Func<KernelState, IReadOnlyList<Appliance>> _appliances;

    /// <summary>Initializes a new instance of the <see cref="TopologyReader"/> class.</summary>
    /// <param name="readers">The host's readers of routers, forwards and host NAT.</param>
    /// <param name="appliances">Lists the appliances with their live addresses (Get-VlanAppliance's reading).</param>
    public TopologyReader(HostReaders readers, Func<KernelState, IReadOnlyList<Appliance>> appliances)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _appliances = appliances;
    }

    /// <summary>The reader of a host's topology, with each appliance's live address (Get-VlanAppliance's reading).</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Docker, for the containers and Docker networks.</param>
    /// <returns>The reader.</returns>
    public static TopologyReader For(NetworkHost host, Docker docker)
    {
        var appliances = new ApplianceService(host, docker);
        return new TopologyReader(HostReaders.For(host, docker), state => appliances.List(state));
    }

    /// <summary>The node identifier of a bridge, a router or an appliance.</summary>
    /// <param name="kind">The node's kind.</param>
    /// <param name="name">Its name.</param>
    /// <returns>The identifier, such as namespace:c1.</returns>
    public static string IdOf(TopologyNodeKind kind, string name) => $"{kind.ToString().ToLowerInvariant()}:{name}";

    /// <summary>Reads the topology of some or all of the host's LANs.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="bridges">The bridges whose LANs to read; null or empty for every bridge VirtualLan made.</param>
    /// <returns>The topology.</returns>
    /// <exception cref="VlanException">A bridge asked for does not exist.</exception>
    public Topology Read(KernelState state, IReadOnlyCollection<string>? bridges = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var host = _readers.Host;
        var lans = bridges is { Count: > 0 }
            ? bridges.Distinct(StringComparer.Ordinal).Select(b => _readers.Bridge(b, state)).ToArray()
            : new BridgeService(host).List(state, includeUnmanaged: false);
        return Build(
            host,
            lans,
            _readers.Routers.Routers(state),
            _appliances(state),
            _readers.Forwards.List(state),
            _readers.HostNat.List(state),
            (ns, name) => state.Links(ns).Link(name),
            new TunnelService(_readers, _ => Array.Empty<Appliance>()).List(state),
            new DhcpService(_readers, _ => null, p => Directory.Exists(p) || File.Exists(p), Linux.Dnsmasq.ReadOrNull).List(state));
    }

    /// <summary>
    /// Joins what the readers found into a topology: the host, the internet when a router or host
    /// NAT leads there, and for each bridge its router, appliances and forwards. A pure function,
    /// so a LAN described by objects alone is drawn the same way.
    /// </summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="bridges">The bridges whose LANs to take.</param>
    /// <param name="routers">The host's routers; those of other bridges are left out.</param>
    /// <param name="appliances">The host's appliances; those of other bridges are left out.</param>
    /// <param name="forwards">The routers' port forwards.</param>
    /// <param name="hostNats">The host NATs.</param>
    /// <param name="link">Finds a link by namespace (null: the machine's) and name, for its MAC and MTU; null when not known.</param>
    /// <param name="tunnels">The tunnels (Get-VlanTunnel): a Tunnel edge from each peer, a Peer node, to the bridge; null for none.</param>
    /// <param name="dhcp">The LANs' DHCP and DNS servers (Get-VlanDhcp), shown as a service of the router they run in, or of the host; null for none.</param>
    /// <returns>The topology.</returns>
    public static Topology Build(
        NetworkHost host,
        IReadOnlyList<Bridge> bridges,
        IReadOnlyList<Router> routers,
        IReadOnlyList<Appliance> appliances,
        IReadOnlyList<PortForward> forwards,
        IReadOnlyList<HostNat> hostNats,
        Func<string?, string, Linux.LinkState?> link,
        IReadOnlyList<Tunnel>? tunnels = null,
        IReadOnlyList<DhcpServer>? dhcp = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(bridges);
        ArgumentNullException.ThrowIfNull(routers);
        ArgumentNullException.ThrowIfNull(appliances);
        ArgumentNullException.ThrowIfNull(forwards);
        ArgumentNullException.ThrowIfNull(hostNats);
        ArgumentNullException.ThrowIfNull(link);
        const string HostId = "host";
        const string InternetId = "internet";
        var ns = host.Sandbox;
        var nodes = new List<TopologyNode>();
        var edges = new List<TopologyEdge>();
        var hostInterfaces = new List<TopologyInterface>();

        TopologyInterface Interface(string? inNamespace, string name, Ipv4Cidr? cidr = null, string? mac = null)
        {
            var found = link(inNamespace, name);
            return new TopologyInterface
            {
                Name = name,
                Namespace = inNamespace,
                Cidr = cidr ?? (found is { Addresses.Count: > 0 } ? found.Addresses[0] : null),
                MacAddress = mac ?? found?.MacAddress,
                Mtu = found?.Mtu,
            };
        }

        static Ipv4Cidr Cidr(System.Net.IPAddress address, int prefixLength) =>
            Ipv4Cidr.Parse(FormattableString.Invariant($"{address}/{prefixLength}"));

        var lanRouters = routers.Where(r => bridges.Any(b => b.Name == r.Bridge)).ToArray();
        var lanNats = hostNats.Where(n => bridges.Any(b => b.Name == n.Bridge)).ToArray();
        var bridgeNames = bridges.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var served = (dhcp ?? Array.Empty<DhcpServer>()).Where(d => bridgeNames.Contains(d.Bridge)).ToArray();
        IReadOnlyList<string> Services(string? router) =>
            served.Where(d => d.Router == router).Select(d => $"DHCP, DNS .{d.Domain} on {d.Interface}").ToArray();
        nodes.Add(new TopologyNode { Id = HostId, Name = host.DisplayName, Kind = TopologyNodeKind.Host, Interfaces = hostInterfaces, Services = Services(null) });
        if (lanRouters.Length > 0 || lanNats.Length > 0)
        {
            nodes.Add(new TopologyNode { Id = InternetId, Name = "internet", Kind = TopologyNodeKind.Internet });
        }

        foreach (var bridge in bridges)
        {
            var bridgeId = IdOf(TopologyNodeKind.Bridge, bridge.Name);
            var device = new TopologyInterface { Name = bridge.Name, Namespace = ns, Cidr = bridge.Cidr, MacAddress = bridge.MacAddress, Mtu = bridge.Mtu };
            var ports = new List<TopologyInterface> { device };
            nodes.Add(new TopologyNode { Id = bridgeId, Name = bridge.Name, Kind = TopologyNodeKind.Bridge, Bridge = bridge.Name, Cidr = bridge.Cidr, Namespace = ns, Interfaces = ports });
            hostInterfaces.Add(device);
            edges.Add(new TopologyEdge { From = HostId, To = bridgeId, Kind = TopologyEdgeKind.Local, FromInterface = device });

            foreach (var router in lanRouters.Where(r => r.Bridge == bridge.Name))
            {
                var routerId = IdOf(TopologyNodeKind.Router, router.Name);
                var lan = Interface(router.Namespace, router.LanInterface, Cidr(router.GatewayAddress, router.PrefixLength > 0 ? router.PrefixLength : bridge.PrefixLength ?? 32));
                var hostLeg = Interface(router.Namespace, RouterService.HostLinkInterface, Cidr(router.HostLinkPeer, router.HostLinkCidr.PrefixLength));
                var uplink = Interface(router.Namespace, router.Uplink, router.UplinkCidr);
                var bridgePort = Interface(ns, router.BridgePort);
                var hostEnd = Interface(ns, router.HostInterface, router.HostLinkCidr);
                ports.Add(bridgePort);
                hostInterfaces.Add(hostEnd);
                nodes.Add(new TopologyNode
                {
                    Id = routerId, Name = router.Name, Kind = TopologyNodeKind.Router, Bridge = bridge.Name, Cidr = lan.Cidr, Namespace = router.Namespace, Services = Services(router.Name),
                    Interfaces = new[] { lan, hostLeg, uplink },
                });
                edges.Add(new TopologyEdge { From = routerId, To = bridgeId, Kind = TopologyEdgeKind.Veth, FromInterface = lan, ToInterface = bridgePort });
                edges.Add(new TopologyEdge { From = routerId, To = HostId, Kind = TopologyEdgeKind.Veth, FromInterface = hostLeg, ToInterface = hostEnd });
                edges.Add(new TopologyEdge { From = routerId, To = InternetId, Kind = TopologyEdgeKind.Uplink, FromInterface = uplink, Gateway = router.UplinkGateway });
            }

            foreach (var appliance in appliances.Where(a => a.Bridge == bridge.Name))
            {
                var kind = Enum.Parse<TopologyNodeKind>(appliance.Kind.ToString());
                var id = IdOf(kind, appliance.Name);
                var port = Interface(ns, appliance.HostInterface, appliance.Kind == ApplianceKind.Interface ? appliance.Cidr : null);
                ports.Add(port);
                var (edgeKind, own) = appliance.Kind switch
                {
                    ApplianceKind.Interface => (TopologyEdgeKind.Port, new[] { port }),
                    ApplianceKind.Tap => (TopologyEdgeKind.Tap, new[] { new TopologyInterface { Name = appliance.Interface ?? "eth0", Cidr = appliance.Cidr, MacAddress = appliance.MacAddress } }),
                    ApplianceKind.DockerNetwork => (TopologyEdgeKind.Veth, new[] { Interface(ns, appliance.Interface ?? appliance.HostInterface), Interface(ns, appliance.DockerBridge ?? appliance.Name) }),
                    _ => (TopologyEdgeKind.Veth, new[] { new TopologyInterface { Name = appliance.Interface ?? "eth0", Namespace = appliance.Namespace, Cidr = appliance.Cidr, MacAddress = appliance.MacAddress, Mtu = port.Mtu } }),
                };
                nodes.Add(new TopologyNode { Id = id, Name = appliance.Name, Kind = kind, Bridge = bridge.Name, Cidr = appliance.Cidr, Namespace = appliance.Namespace, Interfaces = own });
                edges.Add(edgeKind == TopologyEdgeKind.Port
                    ? new TopologyEdge { From = id, To = bridgeId, Kind = edgeKind, FromInterface = port }
                    : new TopologyEdge { From = id, To = bridgeId, Kind = edgeKind, FromInterface = own[0], ToInterface = port });
            }

            foreach (var router in lanRouters.Where(r => r.Bridge == bridge.Name))
            {
                var uplink = nodes.Single(n => n.Id == IdOf(TopologyNodeKind.Router, router.Name)).Interfaces[2];
                foreach (var forward in forwards.Where(f => f.Router == router.Name))
                {
                    // A forward goes to the appliance that holds its address, else to the router that does the forwarding.
                    var target = nodes.FirstOrDefault(n => n.Bridge == bridge.Name && n.Kind >= TopologyNodeKind.Namespace && (n.Name == forward.Appliance || Equals(n.Address, forward.InternalAddress)))?.Id
                        ?? IdOf(TopologyNodeKind.Router, router.Name);
                    edges.Add(new TopologyEdge { From = InternetId, To = target, Kind = TopologyEdgeKind.Forward, FromInterface = uplink, Forward = forward });
                }
            }

            foreach (var tunnel in (tunnels ?? Array.Empty<Tunnel>()).Where(t => t.Bridge == bridge.Name))
            {
                var vxlan = Interface(ns, tunnel.Device);
                ports.Add(vxlan);
                foreach (var peer in tunnel.Peers)
                {
                    var peerId = IdOf(TopologyNodeKind.Peer, peer.ToString());
                    var far = new TopologyInterface { Name = FormattableString.Invariant($"vni {tunnel.Vni} udp/{tunnel.Port}"), Cidr = Cidr(peer, 32), Mtu = tunnel.Mtu };
                    if (nodes.All(n => n.Id != peerId))
                    {
                        nodes.Add(new TopologyNode { Id = peerId, Name = peer.ToString(), Kind = TopologyNodeKind.Peer, Cidr = Cidr(peer, 32), Interfaces = new[] { far } });
                    }

                    edges.Add(new TopologyEdge { From = peerId, To = bridgeId, Kind = TopologyEdgeKind.Tunnel, FromInterface = far, ToInterface = vxlan });
                }
            }

            foreach (var nat in lanNats.Where(n => n.Bridge == bridge.Name))
            {
                var uplink = Interface(ns, nat.Uplink);
                hostInterfaces.Add(uplink);
                edges.Add(new TopologyEdge { From = HostId, To = InternetId, Kind = TopologyEdgeKind.Uplink, FromInterface = uplink });
            }
        }

        return new Topology(host.DisplayName, ns, nodes, edges);
    }
}
