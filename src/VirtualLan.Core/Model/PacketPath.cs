namespace VirtualLan;

/// <summary>
/// One packet's way across the LAN's namespaces, joined from the traces of each: the hops in the
/// order the packet took them, the addresses rewritten on the way, and the verdict that ended it,
/// with the rule that gave it, the rule's owner and what to do next where the module knows.
/// </summary>
public sealed class PacketPath
{
    /// <summary>Gets or initializes when the packet was first seen.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Gets or initializes the packet as the first hop saw it, such as "TCP 198.51.100.1:40000 > 198.51.100.2:4000".</summary>
    public required string Packet { get; init; }

    /// <summary>Gets or initializes the hops, in the order the packet took them.</summary>
    public required IReadOnlyList<PacketHop> Hops { get; init; }

    /// <summary>Gets the verdict that ended the path (the last hop's).</summary>
    public string? Verdict => Hops.Count > 0 ? Hops[^1].Verdict : null;

    /// <summary>Gets the rule that gave the verdict (the last hop's).</summary>
    public string? Rule => Hops.Count > 0 ? Hops[^1].Rule : null;

    /// <summary>Gets the owner of that rule: a VirtualLan object, "docker:NETWORK" or "docker", or "not VirtualLan's".</summary>
    public string? Owner => Hops.Count > 0 ? Hops[^1].Owner : null;

    /// <summary>Gets where the path ended: the last hop's namespace.</summary>
    public string? Where => Hops.Count > 0 ? Hops[^1].Namespace : null;

    /// <summary>Gets the route in one line, such as "router(uplink0>lan0) > host(veth-rt>veth-c1) > c1".</summary>
    public string Route => string.Join(" > ", Hops.Select(h => h.ToString()));

    /// <summary>Gets or initializes what to do next, in one line, where the module knows; otherwise null.</summary>
    public string? Advice { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Packet}: {Route} {Verdict}";
}

/// <summary>One namespace's part of a <see cref="PacketPath"/>.</summary>
public sealed class PacketHop
{
    /// <summary>Gets or initializes the namespace, by what the LAN calls it: host, a router's or an appliance's name.</summary>
    public required string Namespace { get; init; }

    /// <summary>Gets or initializes the interface the packet came in on (the bridge, for bridged frames).</summary>
    public string? In { get; init; }

    /// <summary>Gets or initializes the interface it went out of.</summary>
    public string? Out { get; init; }

    /// <summary>Gets or initializes the bridge port it came in on (PHYSIN), for bridged frames.</summary>
    public string? PhysIn { get; init; }

    /// <summary>Gets or initializes the bridge port it went out of (PHYSOUT), for bridged frames.</summary>
    public string? PhysOut { get; init; }

    /// <summary>Gets or initializes the packet as it arrived in the namespace.</summary>
    public required string Arrived { get; init; }

    /// <summary>Gets or initializes the packet as the namespace's NAT left it, when rewritten (DNAT, MASQUERADE); otherwise null.</summary>
    public string? Rewritten { get; init; }

    /// <summary>Gets or initializes the chains the packet went through, one step a table:chain:verdict.</summary>
    public IReadOnlyList<string> Path { get; init; } = Array.Empty<string>();

    /// <summary>Gets or initializes the verdict in this namespace.</summary>
    public string? Verdict { get; init; }

    /// <summary>Gets or initializes the table and chain that gave it.</summary>
    public string? Chain { get; init; }

    /// <summary>Gets or initializes the rule that gave it (iptables-save form), or "policy DROP".</summary>
    public string? Rule { get; init; }

    /// <summary>Gets or initializes the rule's owner: a VirtualLan object, "docker:NETWORK" or "docker", or "not VirtualLan's".</summary>
    public string? Owner { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var inPort = PhysIn ?? In;
        var outPort = PhysOut ?? Out;
        var through = inPort is null && outPort is null ? string.Empty : $"({inPort ?? "local"}>{outPort ?? "local"})";
        return Namespace + through + (Rewritten is null ? string.Empty : " NAT " + Arrived + " => " + Rewritten);
    }
}
