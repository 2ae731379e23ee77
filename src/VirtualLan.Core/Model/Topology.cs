using System.Net;

namespace VirtualLan;

/// <summary>What a node of a LAN's topology is.</summary>
public enum TopologyNodeKind
{
    /// <summary>The host: the machine's own namespace, or the sandbox that plays it.</summary>
    Host,

    /// <summary>The internet: what lies beyond a router's uplink or the host's own.</summary>
    Internet,

    /// <summary>A LAN's bridge, the switch every appliance is plugged into.</summary>
    Bridge,

    /// <summary>A router namespace between the LAN and the internet.</summary>
    Router,

    /// <summary>Another host a tunnel stretches the LAN to, named by its underlay address.</summary>
    Peer,

    /// <summary>A namespace appliance.</summary>
    Namespace,

    /// <summary>A Docker container with a leg of its own on the LAN.</summary>
    Container,

    /// <summary>A Docker network joined to the LAN through its bridge.</summary>
    DockerNetwork,

    /// <summary>A tap device for a QEMU VM.</summary>
    Tap,

    /// <summary>An existing link plugged in, such as VirtualBox's vboxnet0.</summary>
    Interface,
}

/// <summary>What an edge of a LAN's topology is.</summary>
public enum TopologyEdgeKind
{
    /// <summary>The host's own leg on the LAN: the bridge interface with the host's address.</summary>
    Local,

    /// <summary>A veth pair: an appliance's or a router's leg, or the router's host link.</summary>
    Veth,

    /// <summary>A tap device plugged into the bridge, with the QEMU guest's NIC behind it.</summary>
    Tap,

    /// <summary>An existing link plugged into the bridge as it is.</summary>
    Port,

    /// <summary>A way out to the internet: a router's uplink, or the host's uplink with host NAT.</summary>
    Uplink,

    /// <summary>A port forward, from the internet to the appliance (or address) that serves it.</summary>
    Forward,

    /// <summary>A VXLAN tunnel from a bridge to another host.</summary>
    Tunnel,
}

/// <summary>One interface at an end of a topology edge, as the kernel or the module's record knows it.</summary>
public sealed class TopologyInterface
{
    /// <summary>Gets or initializes the interface name, such as vl-c1 or eth0.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or initializes the network namespace the interface lives in: a name, a container's /proc path, or null for the host's.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the IPv4 address on the interface with its prefix, or null.</summary>
    public Ipv4Cidr? Cidr { get; init; }

    /// <summary>Gets the IPv4 address on the interface, or null.</summary>
    public IPAddress? Address => Cidr?.Address;

    /// <summary>Gets or initializes the MAC address, or null when it is not known.</summary>
    public string? MacAddress { get; init; }

    /// <summary>Gets or initializes the MTU, or null when it is not known.</summary>
    public int? Mtu { get; init; }

    /// <inheritdoc />
    public override string ToString() => Cidr is { } cidr ? $"{Name} {cidr}" : Name;
}

/// <summary>A node of a LAN's topology: the host, the internet, a bridge, a router or an appliance.</summary>
public sealed class TopologyNode
{
    /// <summary>Gets or initializes the node's identifier, unique in its topology, such as namespace:c1.</summary>
    public required string Id { get; init; }

    /// <summary>Gets or initializes the node's name: the bridge, router or appliance name; host, the sandbox's name, or internet.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or initializes what the node is.</summary>
    public required TopologyNodeKind Kind { get; init; }

    /// <summary>Gets or initializes the bridge of the LAN the node belongs to, or null for the host and the internet.</summary>
    public string? Bridge { get; init; }

    /// <summary>Gets or initializes the node's address on the LAN with its prefix (a router's gateway address), or null.</summary>
    public Ipv4Cidr? Cidr { get; init; }

    /// <summary>Gets the node's address on the LAN, or null.</summary>
    public IPAddress? Address => Cidr?.Address;

    /// <summary>Gets or initializes the node's network namespace (a router's or an appliance's), or null.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the node's own interfaces that edges lead to.</summary>
    public IReadOnlyList<TopologyInterface> Interfaces { get; init; } = Array.Empty<TopologyInterface>();

    /// <summary>Gets what the node serves to the LAN, one line each, such as "DHCP, DNS .lan on lan0" (Enable-VlanDhcp).</summary>
    public IReadOnlyList<string> Services { get; init; } = Array.Empty<string>();

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>An edge of a LAN's topology: a link between two nodes, or a port forward.</summary>
public sealed class TopologyEdge
{
    /// <summary>Gets or initializes the identifier of the node the edge starts at (an appliance or router for links, the internet for forwards).</summary>
    public required string From { get; init; }

    /// <summary>Gets or initializes the identifier of the node the edge ends at.</summary>
    public required string To { get; init; }

    /// <summary>Gets or initializes what the edge is.</summary>
    public required TopologyEdgeKind Kind { get; init; }

    /// <summary>Gets or initializes the interface at the starting end, or null when none (the internet's side).</summary>
    public TopologyInterface? FromInterface { get; init; }

    /// <summary>Gets or initializes the interface at the far end, or null when none (the internet's side, or a port that is the link itself).</summary>
    public TopologyInterface? ToInterface { get; init; }

    /// <summary>Gets the address at the starting end (an appliance's or router's), with its prefix, or null.</summary>
    public Ipv4Cidr? Cidr => FromInterface?.Cidr;

    /// <summary>Gets the MAC address at the starting end, or null.</summary>
    public string? MacAddress => FromInterface?.MacAddress;

    /// <summary>Gets the MTU of the link: the first end's that is known, or null.</summary>
    public int? Mtu => FromInterface?.Mtu ?? ToInterface?.Mtu;

    /// <summary>Gets or initializes the port forward the edge stands for, for a forward.</summary>
    public PortForward? Forward { get; init; }

    /// <summary>Gets or initializes the gateway beyond an uplink, or null.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets the interfaces of the edge as one line, such as "eth0 ↔ vl-c1", or a forward's ports, such as "tcp/4000 → 172.24.4.2:4000".</summary>
    public string Label => Forward?.ToString()
        ?? string.Join(" ↔ ", new[] { FromInterface?.Name, ToInterface?.Name }.OfType<string>())
        + (Gateway is { } gateway ? $" via {gateway}" : string.Empty);

    /// <inheritdoc />
    public override string ToString() => $"{From} {Kind} {To}";
}

/// <summary>
/// The topology of one or more LANs of a host, read from the kernel: typed nodes (the host, the
/// internet, bridges, routers, appliances by kind) and the edges between them, port forwards
/// included. The diagram renderers take it; so may a LAN that is only described, not built.
/// </summary>
public sealed class Topology
{
    /// <summary>Initializes a new instance of the <see cref="Topology"/> class.</summary>
    /// <param name="host">The name of the host: host, or the sandbox that plays it.</param>
    /// <param name="sandbox">The sandbox, or null for the machine.</param>
    /// <param name="nodes">The nodes, host and internet first, then each LAN's bridge, router and appliances.</param>
    /// <param name="edges">The edges between them.</param>
    public Topology(string host, string? sandbox, IReadOnlyList<TopologyNode> nodes, IReadOnlyList<TopologyEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(edges);
        Host = host;
        Sandbox = sandbox;
        Nodes = nodes;
        Edges = edges;
        var ids = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        if (ids.Count != nodes.Count)
        {
            throw new ArgumentException("Two nodes of a topology have the same identifier.", nameof(nodes));
        }

        if (edges.FirstOrDefault(e => !ids.Contains(e.From) || !ids.Contains(e.To)) is { } dangling)
        {
            throw new ArgumentException($"The edge {dangling} leads to a node the topology does not hold.", nameof(edges));
        }
    }

    /// <summary>Gets the name of the host: host, or the sandbox that plays it.</summary>
    public string Host { get; }

    /// <summary>Gets the sandbox the topology was read in, or null for the machine.</summary>
    public string? Sandbox { get; }

    /// <summary>Gets the bridges of the LANs the topology holds.</summary>
    public IReadOnlyList<string> Bridges => Nodes.Where(n => n.Kind == TopologyNodeKind.Bridge).Select(n => n.Name).ToArray();

    /// <summary>Gets the nodes.</summary>
    public IReadOnlyList<TopologyNode> Nodes { get; }

    /// <summary>Gets the edges.</summary>
    public IReadOnlyList<TopologyEdge> Edges { get; }

    /// <summary>Gets the appliances' nodes.</summary>
    public IReadOnlyList<TopologyNode> Appliances => Nodes.Where(n => n.Kind >= TopologyNodeKind.Namespace).ToArray();

    /// <summary>Gets the port forwards' edges.</summary>
    public IReadOnlyList<TopologyEdge> Forwards => Edges.Where(e => e.Kind == TopologyEdgeKind.Forward).ToArray();

    /// <summary>Finds a node by its identifier.</summary>
    /// <param name="id">The identifier.</param>
    /// <returns>The node, or null.</returns>
    public TopologyNode? Node(string id) => Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>Joins topologies into one: nodes with the same identifier (the host, the internet) once.</summary>
    /// <param name="topologies">The topologies, of one host.</param>
    /// <returns>The joined topology.</returns>
    public static Topology Join(IReadOnlyList<Topology> topologies)
    {
        ArgumentNullException.ThrowIfNull(topologies);
        if (topologies.Count == 0)
        {
            throw new ArgumentException("There is no topology to join.", nameof(topologies));
        }

        if (topologies.Count == 1)
        {
            return topologies[0];
        }

        var nodes = topologies.SelectMany(t => t.Nodes).DistinctBy(n => n.Id, StringComparer.Ordinal).ToArray();
        var edges = topologies.SelectMany(t => t.Edges).DistinctBy(e => (e.From, e.To, e.Kind, e.Label)).ToArray();
        return new Topology(topologies[0].Host, topologies[0].Sandbox, nodes, edges);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Host}: {string.Join(", ", Bridges)}";
}
