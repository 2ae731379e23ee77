using System.Text;

namespace VirtualLan.Diagrams;

/// <summary>
/// Draws a topology as a Mermaid flowchart, text to paste into Markdown: each LAN a subgraph with
/// its bridge as the hub and its appliances grouped by kind, the routers between the LANs and the
/// internet, forwards as dotted arrows from the internet. Every link is drawn, bridges included.
/// </summary>
public static class MermaidDiagram
{
    /// <summary>Draws a topology.</summary>
    /// <param name="topology">The topology.</param>
    /// <returns>The Mermaid text, lines ending in a line feed.</returns>
    public static string Render(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var layout = new DiagramLayout(topology);
        var text = new StringBuilder("flowchart LR\n");
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
            var arrow = edge.Kind switch { TopologyEdgeKind.Forward => "-.->", TopologyEdgeKind.Tunnel => "-.-", _ => "---" };
            var (first, second) = layout.Ends(edge);
            text.Append("  ").Append(first).Append(' ').Append(arrow).Append("|\"").Append(Escape(DiagramLayout.Label(edge))).Append("\"| ").Append(second).Append('\n');
        }

        return text.ToString();
    }

    private static void Group(StringBuilder text, DiagramLayout layout, DiagramLayout.Group group, string indent)
    {
        text.Append(indent).Append("subgraph ").Append(group.Id).Append("[\"").Append(Escape(group.Title)).Append("\"]\n");
        foreach (var node in group.Nodes)
        {
            text.Append(indent).Append("  ").Append(Node(layout, node)).Append('\n');
        }

        foreach (var inner in group.Groups)
        {
            Group(text, layout, inner, indent + "  ");
        }

        text.Append(indent).Append("end\n");
    }

    private static string Node(DiagramLayout layout, TopologyNode node)
    {
        var label = "\"" + string.Join("<br/>", DiagramLayout.Lines(node).Select(Escape)) + "\"";
        var shape = node.Kind switch
        {
            TopologyNodeKind.Bridge => "((" + label + "))",
            TopologyNodeKind.Router => "{{" + label + "}}",
            TopologyNodeKind.Internet => "([" + label + "])",
            TopologyNodeKind.Host or TopologyNodeKind.Peer => "[[" + label + "]]",
            _ => "(" + label + ")",
        };
        return layout.IdOf(node.Id) + shape;
    }

    // Mermaid reads a quoted label as HTML: quotes and angle brackets go as entity codes.
    private static string Escape(string text) =>
        text.Replace("\"", "#quot;", StringComparison.Ordinal).Replace("<", "#lt;", StringComparison.Ordinal).Replace(">", "#gt;", StringComparison.Ordinal);
}
