namespace VirtualLan;

/// <summary>How Get-VlanIptablesTrace watches packets.</summary>
public enum TraceMode
{
    /// <summary>Snapshot every rule's counters before and after the traffic, and report the rules that moved.</summary>
    Counters,

    /// <summary>Log, with NFLOG at the end of chains, what falls through to their policy.</summary>
    Log,

    /// <summary>Follow each matching packet through every table and chain to its verdict (TRACE, xtables-monitor).</summary>
    Trace,

    /// <summary>Report the packets the kernel drops, with its reason (skb:kfree_skb), the dropping function, the namespace and interface, and for netfilter drops the rule.</summary>
    Drops,
}
