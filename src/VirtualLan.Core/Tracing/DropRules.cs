namespace VirtualLan.Tracing;

/// <summary>
/// Hands the kernel's netfilter drops to the rule-naming path: a NETFILTER_DROP in a namespace is
/// given the dropping rule (or policy) whose counters moved there meanwhile, its owner and the advice;
/// other reasons get the advice the module has for them.
/// </summary>
public static class DropRules
{
    /// <summary>Names the rules and adds the advice.</summary>
    /// <param name="drops">The drops.</param>
    /// <param name="scope">The namespaces watched.</param>
    /// <param name="counters">The rules whose counters moved meanwhile, in those namespaces.</param>
    /// <param name="owners">Names the owners.</param>
    /// <returns>The drops, completed.</returns>
    public static IReadOnlyList<PacketDrop> Name(IEnumerable<PacketDrop> drops, IReadOnlyList<TracedNamespace> scope, IReadOnlyList<RuleCounter> counters, RuleOwners owners)
    {
        ArgumentNullException.ThrowIfNull(drops);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(owners);
        return drops.Select(d =>
        {
            var where = scope.FirstOrDefault(n => n.Label == d.Namespace);
            if (where is null)
            {
                return d;
            }

            if (d.Reason != "NETFILTER_DROP")
            {
                return Copy(d, null, null, null, Advice(d, where));
            }

            // The dropping rule: one whose target drops, else the policy, that moved in that namespace.
            var moved = counters.Where(c => c.Namespace == where.Namespace.Text && c.Verdict is "DROP" or "REJECT")
                .OrderBy(c => c.Rule.StartsWith("policy ", StringComparison.Ordinal) ? 1 : 0).FirstOrDefault();
            if (moved is null)
            {
                return d;
            }

            var chain = $"{moved.Table}:{moved.Chain}";
            var owner = owners.Of(where, chain, moved.Rule, d.Devices.Select(x => x[(x.IndexOf(':', StringComparison.Ordinal) + 1)..]));
            return Copy(d, chain, moved.Rule, owner, owners.Advice(where, "DROP", chain, moved.Rule, owner, d.Interface));
        }).ToArray();
    }

    private static string? Advice(PacketDrop drop, TracedNamespace where) => drop.Reason switch
    {
        "NO_SOCKET" => $"Nothing listens on the port the packet was sent to in {where.Label}: start the service there, or send to the port it listens on.",
        "IP_RPFILTER" => $"rp_filter in {where.Label} drops what arrives on {drop.Interface} from a source it would route out another way: add the route back through {drop.Interface}, or set net.ipv4.conf.{drop.Interface}.rp_filter=2 (loose) there.",
        "IP_INNOROUTES" or "IP_OUTNOROUTES" => $"{where.Label} has no route for the packet's destination: add one (or a default route) there.",
        "NEIGH_FAILED" => $"{where.Label} found no neighbour answering ARP for the next hop: check that the address is up on the LAN.",
        _ => null,
    };

    private static PacketDrop Copy(PacketDrop d, string? chain, string? rule, string? owner, string? advice) => new()
    {
        Time = d.Time, Reason = d.Reason, Function = d.Function, Namespace = d.Namespace, Interface = d.Interface, Devices = d.Devices,
        Chain = chain, Rule = rule, Owner = owner, Advice = advice,
    };
}
