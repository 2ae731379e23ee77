using System.Text;

namespace VirtualLan.Diagrams;

/// <summary>
/// Draws a topology in Graphviz's DOT language: each LAN a cluster with its bridge as the hub and a
/// cluster per kind of appliance, the routers between the LANs and the internet, forwards as dashed
/// arrows from the internet. `dot -Tsvg` and `dot -Tpng` render it.
/// </summary>
public static class DotDiagram
{
    /// <summary>Draws a topology.</summary>
    /// <param name="topology">The topology.</param>
    /// <returns>The DOT text, lines ending in a line feed.</returns>
    public static string Render(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var layout = new DiagramLayout(topology);
        var text = new StringBuilder();
        text.Append("digraph ").Append(Quote("VirtualLan " + topology.Host)).Append(" {\n");
        text.Append("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];\n");
        text.Append("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n");
        text.Append("  edge [dir=none, fontname=\"Helvetica\", fontsize=9];\n");
        foreach (var node in layout.Outside)
        {
            text.Append("  ").Append(Node(layout, node)).Append('\n');
        }

        foreach (var lan in layout.Lans)
        {
            Group(text, layout, lan, "  ");
        }

        foreach (var edge in topology.Edges)
        {
            var (first, second) = layout.Ends(edge);
            text.Append("  ").Append(first).Append(" -> ").Append(second).Append(" [label=").Append(Quote(DiagramLayout.Label(edge)));
            text.Append(edge.Kind switch
            {
                TopologyEdgeKind.Forward => ", dir=forward, style=dashed, color=\"#1f6feb\", fontcolor=\"#1f6feb\"",
                TopologyEdgeKind.Uplink => ", style=bold",
                TopologyEdgeKind.Tunnel => ", style=dashed, color=\"#8250df\", fontcolor=\"#8250df\"",
                _ => string.Empty,
            });
            text.Append("];\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static void Group(StringBuilder text, DiagramLayout layout, DiagramLayout.Group group, string indent)
    {
        text.Append(indent).Append("subgraph cluster_").Append(group.Id).Append(" {\n");
        text.Append(indent).Append("  label=").Append(Quote(group.Title)).Append(";\n");
        foreach (var node in group.Nodes)
        {
            text.Append(indent).Append("  ").Append(Node(layout, node)).Append('\n');
        }

        foreach (var inner in group.Groups)
        {
            Group(text, layout, inner, indent + "  ");
        }

        text.Append(indent).Append("}\n");
    }

    private static string Node(DiagramLayout layout, TopologyNode node)
    {
        var shape = node.Kind switch
        {
            TopologyNodeKind.Bridge => ", shape=circle, style=bold",
            TopologyNodeKind.Router => ", shape=hexagon, style=solid",
            TopologyNodeKind.Internet => ", shape=ellipse, style=dashed",
            TopologyNodeKind.Host => ", shape=box3d, style=solid",
            TopologyNodeKind.Peer => ", shape=box3d, style=dashed",
            _ => string.Empty,
        };
        return $"{layout.IdOf(node.Id)} [label={Quote(string.Join("\n", DiagramLayout.Lines(node)))}{shape}];";
    }

    // A quoted DOT string: backslashes and quotes escaped, line feeds as \n (centred lines).
    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
