using System.Net;

namespace VirtualLan;

/// <summary>
/// One packet as a trace saw it: where it was (namespace, table, chain), where it came from and went
/// (interfaces), what it was (addresses, protocol, ports), and, in trace mode, its path through the
/// rules and the verdict that ended it, with the rule and the VirtualLan object that gave it.
/// </summary>
public sealed record TraceEntry
{
    /// <summary>Gets or initializes when the packet was seen.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Gets or initializes the network namespace (null: the host).</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the table where the packet was logged or decided.</summary>
    public string? Table { get; init; }

    /// <summary>Gets or initializes the chain where the packet was logged or decided.</summary>
    public string? Chain { get; init; }

    /// <summary>Gets or initializes the interface the packet came in on.</summary>
    public string? In { get; init; }

    /// <summary>Gets or initializes the interface the packet was going out of.</summary>
    public string? Out { get; init; }

    /// <summary>Gets or initializes the bridge port it came in on, for bridged frames (in Trace mode read from the bridge's forwarding table: the port the source MAC was learned on).</summary>
    public string? PhysIn { get; init; }

    /// <summary>Gets or initializes the bridge port it was going out of, for bridged frames (in Trace mode the port the bridge learned the destination MAC on; none for a flooded frame).</summary>
    public string? PhysOut { get; init; }

    /// <summary>Gets or initializes the source address.</summary>
    public IPAddress? Source { get; init; }

    /// <summary>Gets or initializes the destination address.</summary>
    public IPAddress? Destination { get; init; }

    /// <summary>Gets or initializes the protocol: ICMP, TCP, UDP or a number.</summary>
    public string? Protocol { get; init; }

    /// <summary>Gets or initializes the source address the packet had when the namespace first saw it, before its NAT (trace mode); null when the same.</summary>
    public IPAddress? ArrivedSource { get; init; }

    /// <summary>Gets or initializes the destination address the packet had when the namespace first saw it, before its NAT (trace mode); null when the same.</summary>
    public IPAddress? ArrivedDestination { get; init; }

    /// <summary>Gets or initializes the source port the packet had when the namespace first saw it (trace mode); null when the same.</summary>
    public int? ArrivedSourcePort { get; init; }

    /// <summary>Gets or initializes the destination port the packet had when the namespace first saw it (trace mode); null when the same.</summary>
    public int? ArrivedDestinationPort { get; init; }

    /// <summary>Gets or initializes the time to live the packet had when the namespace first saw it (trace mode); null when the same (not routed there).</summary>
    public int? ArrivedTtl { get; init; }

    /// <summary>Gets or initializes the chain of the source NAT rule (MASQUERADE, SNAT) the packet met on its way out (trace mode), such as nat:VLAN-POSTROUTING; otherwise null.</summary>
    public string? SourceNatChain { get; init; }

    /// <summary>Gets or initializes that source NAT rule (iptables-save form); otherwise null.</summary>
    public string? SourceNatRule { get; init; }

    /// <summary>Gets or initializes the source address the source NAT rewrote the packet to (the connection's reply destination, else the address of the interface it went out of); otherwise null.</summary>
    public IPAddress? SourceNatAddress { get; init; }

    /// <summary>Gets or initializes the source port the source NAT gave the packet, when known; otherwise null.</summary>
    public int? SourceNatPort { get; init; }

    /// <summary>Gets or initializes the source port (TCP, UDP).</summary>
    public int? SourcePort { get; init; }

    /// <summary>Gets or initializes the destination port (TCP, UDP).</summary>
    public int? DestinationPort { get; init; }

    /// <summary>Gets or initializes the ICMP type.</summary>
    public int? IcmpType { get; init; }

    /// <summary>Gets or initializes the ICMP code.</summary>
    public int? IcmpCode { get; init; }

    /// <summary>Gets or initializes the IP length.</summary>
    public int? Length { get; init; }

    /// <summary>Gets or initializes the time to live.</summary>
    public int? Ttl { get; init; }

    /// <summary>Gets or initializes the MAC addresses (destination, source, type) as the kernel prints them.</summary>
    public string? Mac { get; init; }

    /// <summary>Gets or initializes the log prefix, for log mode.</summary>
    public string? Prefix { get; init; }

    /// <summary>Gets or initializes the verdict that ended the packet's path (ACCEPT, DROP …), for trace mode; DROP for log mode, whose rule sits where only dropped packets arrive.</summary>
    public string? Verdict { get; init; }

    /// <summary>Gets or initializes the rule that gave the verdict (iptables-save form), or "policy" when the chain's policy did.</summary>
    public string? Rule { get; init; }

    /// <summary>Gets or initializes the VirtualLan object that owns the deciding rule, from its comment, such as virtuallan:router/router.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets or initializes the path through the rules, one step a table:chain:verdict, for trace mode.</summary>
    public IReadOnlyList<string> Path { get; init; } = Array.Empty<string>();

    /// <summary>Gets the packet in one line, such as "TCP 203.0.113.10:40000 > 198.51.100.2:4000".</summary>
    public string Packet => FormattableString.Invariant(
        $"{Protocol} {Source}{(SourcePort is { } s ? ":" + s : string.Empty)} > {Destination}{(DestinationPort is { } d ? ":" + d : string.Empty)}");

    /// <summary>Gets the packet as the namespace first saw it, before its NAT, in the form of <see cref="Packet"/>.</summary>
    public string ArrivedPacket => FormattableString.Invariant(
        $"{Protocol} {ArrivedSource ?? Source}{((ArrivedSourcePort ?? SourcePort) is { } s ? ":" + s : string.Empty)} > {ArrivedDestination ?? Destination}{((ArrivedDestinationPort ?? DestinationPort) is { } d ? ":" + d : string.Empty)}");

    /// <summary>Gets the packet as the source NAT left it, in the form of <see cref="Packet"/>; null without one or before its address is known.</summary>
    public string? SourceNatPacket => SourceNatAddress is null ? null : FormattableString.Invariant(
        $"{Protocol} {SourceNatAddress}{((SourceNatPort ?? SourcePort) is { } s ? ":" + s : string.Empty)} > {Destination}{(DestinationPort is { } d ? ":" + d : string.Empty)}");

    /// <inheritdoc />
    public override string ToString() => $"{Protocol} {Source} > {Destination} {Table}:{Chain} {Verdict}";
}

/// <summary>A rule whose counters moved while traffic ran, with the deltas.</summary>
public sealed class RuleCounter
{
    /// <summary>Gets or initializes the network namespace (null: the host).</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the table.</summary>
    public required string Table { get; init; }

    /// <summary>Gets or initializes the chain.</summary>
    public required string Chain { get; init; }

    /// <summary>Gets or initializes the rule in iptables-save form, or "policy DROP" (or ACCEPT) for the chain's policy.</summary>
    public required string Rule { get; init; }

    /// <summary>Gets or initializes how many packets the rule saw meanwhile.</summary>
    public required long Packets { get; init; }

    /// <summary>Gets or initializes how many bytes the rule saw meanwhile.</summary>
    public required long Bytes { get; init; }

    /// <summary>Gets or initializes the VirtualLan object that owns the rule, from its comment.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets or initializes the verdict of the rule (its target), or the policy.</summary>
    public string? Verdict { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Table}:{Chain} +{Packets} {Rule}";
}
