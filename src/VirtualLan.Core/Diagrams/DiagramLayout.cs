using System.Globalization;
using System.Text;

namespace VirtualLan.Diagrams;

/// <summary>
/// What every drawing of a topology shares: an identifier each renderer can take raw for each node
/// (names with dashes or dots become letters, digits and underscores, the name kept as the label),
/// the lines of each label, and the grouping: each LAN holds its bridge, the hub, and its
/// appliances grouped by kind; the host, routers and the internet stand outside.
/// </summary>
internal sealed class DiagramLayout
{
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);

    public DiagramLayout(Topology topology)
    {
        Topology = topology;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in topology.Nodes)
        {
            _ids[node.Id] = Unique(node.Kind is TopologyNodeKind.Host or TopologyNodeKind.Internet ? Safe(node.Id) : Safe(node.Kind.ToString().ToLowerInvariant()) + "_" + Safe(node.Name), taken);
        }

        foreach (var bridge in topology.Nodes.Where(n => n.Kind == TopologyNodeKind.Bridge))
        {
            var lanId = Unique("lan_" + Safe(bridge.Name), taken);
            var kinds = Enum.GetValues<TopologyNodeKind>()
                .Where(k => k >= TopologyNodeKind.Namespace)
                .Select(k => new Group(Unique(lanId + "_" + k.ToString().ToLowerInvariant(), taken), Title(k), topology.Nodes.Where(n => n.Kind == k && n.Bridge == bridge.Name).ToArray(), Array.Empty<Group>()))
                .Where(g => g.Nodes.Count > 0)
                .ToArray();
            Lans.Add(new Group(lanId, bridge.Cidr is { } cidr ? $"LAN {bridge.Name} {cidr.Network}" : $"LAN {bridge.Name}", new[] { bridge }, kinds));
        }

        var inLans = Lans.SelectMany(l => l.Nodes.Concat(l.Groups.SelectMany(g => g.Nodes))).ToHashSet();
        Outside = topology.Nodes.Where(n => !inLans.Contains(n)).ToArray();
    }

    public Topology Topology { get; }

    /// <summary>Gets the LANs, each with its bridge and a group per kind of appliance.</summary>
    public List<Group> Lans { get; } = new();

    /// <summary>Gets the nodes outside every LAN: the host, the internet, the routers.</summary>
    public IReadOnlyList<TopologyNode> Outside { get; }

    public string IdOf(string nodeId) => _ids[nodeId];

    /// <summary>
    /// The ends of an edge in drawing order, from the internet inwards (internet, host and routers,
    /// bridges, appliances), so that both layouts run left to right from the internet to the appliances.
    /// </summary>
    public (string First, string Second) Ends(TopologyEdge edge)
    {
        var from = Topology.Node(edge.From)!;
        var to = Topology.Node(edge.To)!;
        return Rank(from.Kind) <= Rank(to.Kind) ? (IdOf(from.Id), IdOf(to.Id)) : (IdOf(to.Id), IdOf(from.Id));
    }

    /// <summary>The lines of a node's label: its name, its address and what else tells it apart.</summary>
    public static IReadOnlyList<string> Lines(TopologyNode node)
    {
        var lines = new List<string> { node.Name };
        if (node.Kind == TopologyNodeKind.Host && node.Name != "host")
        {
            lines.Insert(0, "host");
            lines[1] = "sandbox " + node.Name;
        }

        if (node.Cidr is { } cidr)
        {
            lines.Add(cidr.ToString());
        }

        switch (node.Kind)
        {
            case TopologyNodeKind.Router when node.Interfaces.Count > 2:
                lines.Add("uplink " + node.Interfaces[2]);
                break;
            case TopologyNodeKind.DockerNetwork when node.Interfaces.Count > 1:
                lines.Add(node.Interfaces[1].ToString());
                break;
            case TopologyNodeKind.Tap when node.Interfaces.Count > 0 && node.Interfaces[0].MacAddress is { } mac:
                lines.Add(mac);
                break;
        }

        lines.AddRange(node.Services);

        return lines;
    }

    /// <summary>The label of an edge: its interfaces, or a forward's ports.</summary>
    public static string Label(TopologyEdge edge) => edge.Kind switch
    {
        TopologyEdgeKind.Local => edge.FromInterface?.ToString() ?? string.Empty,
        _ => edge.Label,
    };

    private static int Rank(TopologyNodeKind kind) => kind switch
    {
        TopologyNodeKind.Internet or TopologyNodeKind.Peer => 0,
        TopologyNodeKind.Host or TopologyNodeKind.Router => 1,
        TopologyNodeKind.Bridge => 2,
        _ => 3,
    };

    private static string Title(TopologyNodeKind kind) => kind switch
    {
        TopologyNodeKind.Namespace => "Namespaces",
        TopologyNodeKind.Container => "Containers",
        TopologyNodeKind.DockerNetwork => "Docker networks",
        TopologyNodeKind.Tap => "QEMU taps",
        _ => "Interfaces",
    };

    private static string Safe(string name)
    {
        var id = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            id.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return id.ToString();
    }

    private static string Unique(string id, HashSet<string> taken)
    {
        var candidate = id;
        for (var n = 2; !taken.Add(candidate); n++)
        {
            candidate = id + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    /// <summary>A group of nodes drawn together: a LAN, or one kind of appliance in it.</summary>
    internal sealed record Group(string Id, string Title, IReadOnlyList<TopologyNode> Nodes, IReadOnlyList<Group> Groups);
}
