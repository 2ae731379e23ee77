namespace VirtualLan;

/// <summary>
/// One packet the kernel dropped, as the skb:kfree_skb tracepoint reported it: the reason the
/// running kernel gives (SKB_DROP_REASON_* without its prefix), the function that dropped it, and,
/// where the devices it crossed tell, the namespace and interface; a netfilter drop also names the
/// rule whose counters moved meanwhile, its owner and what to do next.
/// </summary>
public sealed class PacketDrop
{
    /// <summary>Gets or initializes when it was dropped.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Gets or initializes the kernel's reason, such as NO_SOCKET, IP_RPFILTER or NETFILTER_DROP.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets or initializes the kernel function that dropped it, such as __udp4_lib_rcv+0x4bc/0xd00.</summary>
    public string? Function { get; init; }

    /// <summary>Gets or initializes the namespace it was dropped in, by what the LAN calls it; several, comma-separated, when the devices do not tell which.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the interface it last came in on.</summary>
    public string? Interface { get; init; }

    /// <summary>Gets or initializes the devices it crossed, in order, as in:NAME or out:NAME.</summary>
    public IReadOnlyList<string> Devices { get; init; } = Array.Empty<string>();

    /// <summary>Gets or initializes, for a netfilter drop, the table and chain of the dropping rule.</summary>
    public string? Chain { get; init; }

    /// <summary>Gets or initializes, for a netfilter drop, the rule (iptables-save form) or "policy DROP".</summary>
    public string? Rule { get; init; }

    /// <summary>Gets or initializes, for a netfilter drop, the rule's owner: a VirtualLan object, "docker:NETWORK" or "docker", or "not VirtualLan's".</summary>
    public string? Owner { get; init; }

    /// <summary>Gets or initializes what to do next, in one line, where the module knows; otherwise null.</summary>
    public string? Advice { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Reason} in {Namespace ?? "?"} at {Function}";
}
