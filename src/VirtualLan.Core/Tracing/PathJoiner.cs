using System.Net;

namespace VirtualLan.Tracing;

/// <summary>
/// Joins what the traces of several namespaces saw into one path per packet. Each namespace's
/// reader reports on its own, so the time a line was read says little about the order: a packet is
/// recognised by its protocol and an address and port it keeps from one namespace to the next (or
/// the addresses one namespace's NAT left it with), and its hops are put in the order the packet
/// took them: the namespace that sent it first, the one it was delivered to last, and in between a
/// hop after the hop whose NAT gave it the addresses it arrived with.
/// </summary>
public static class PathJoiner
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    /// <summary>Joins the entries into paths.</summary>
    /// <param name="entries">The entries, each with the namespace it came from.</param>
    /// <param name="owners">Names the rules' owners.</param>
    /// <returns>The paths, by the time of their first hop.</returns>
    public static IReadOnlyList<PacketPath> Join(IEnumerable<(TracedNamespace Where, TraceEntry Entry)> entries, RuleOwners owners)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(owners);
        var groups = new List<List<(TracedNamespace Where, TraceEntry Entry)>>();
        foreach (var item in entries.OrderBy(e => e.Entry.Time))
        {
            // Each namespace reports its packets in the order they came, but the readers lag each
            // other: the n-th packet of a flow one namespace reports joins the earliest path that has
            // none from it yet (the SYN's hops go together, not with a later ACK's).
            var group = groups.FirstOrDefault(g =>
                item.Entry.Time - g[0].Entry.Time < Window
                && !g.Any(h => h.Where == item.Where && SameHop(h.Entry, item.Entry))
                && g.Any(h => SamePacket(h.Entry, item.Entry)));
            if (group is null)
            {
                groups.Add([item]);
            }
            else
            {
                group.Add(item);
            }
        }

        return groups.Select(g => ToPath(Order(g), owners)).OrderBy(p => p.Time).ToArray();
    }

    /// <summary>Tells whether two entries are the same packet seen in two places: same protocol, and an endpoint kept or the NAT's result met.</summary>
    /// <param name="a">One entry.</param>
    /// <param name="b">The other.</param>
    /// <returns>True when they are.</returns>
    public static bool SamePacket(TraceEntry a, TraceEntry b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!string.Equals(a.Protocol, b.Protocol, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var endpointsA = Endpoints(a).ToArray();
        var endpointsB = Endpoints(b).ToArray();
        return endpointsA.Intersect(endpointsB).Any(e => e.Port is not null || a.Protocol is "ICMP")
            && (a.IcmpType is null || b.IcmpType is null || a.IcmpType == b.IcmpType);
    }

    private static bool SameHop(TraceEntry a, TraceEntry b) => a.In == b.In && a.Out == b.Out && a.PhysIn == b.PhysIn && a.PhysOut == b.PhysOut;

    private static IEnumerable<(string Role, IPAddress? Address, int? Port)> Endpoints(TraceEntry e)
    {
        yield return ("source", e.Source, e.SourcePort);
        yield return ("destination", e.Destination, e.DestinationPort);
        yield return ("source", e.ArrivedSource ?? e.Source, e.ArrivedSourcePort ?? e.SourcePort);
        yield return ("destination", e.ArrivedDestination ?? e.Destination, e.ArrivedDestinationPort ?? e.DestinationPort);
        if (e.SourceNatAddress is not null)
        {
            yield return ("source", e.SourceNatAddress, e.SourceNatPort ?? e.SourcePort);
        }
    }

    private static IReadOnlyList<(TracedNamespace Where, TraceEntry Entry)> Order(List<(TracedNamespace Where, TraceEntry Entry)> hops)
    {
        // Sent here (no way in) first, delivered here (no way out) last; in between, each router takes
        // one from the time to live: the hop that saw it younger came first (a bridge before the
        // router it leads to, which leaves it one less); a NAT's result after the NAT.
        int Rank((TracedNamespace Where, TraceEntry Entry) h) => h.Entry.In is null ? 0 : h.Entry.Out is null ? 2 : 1;
        var ordered = hops.OrderBy(Rank)
            .ThenByDescending(h => h.Entry.ArrivedTtl ?? h.Entry.Ttl ?? 0)
            .ThenByDescending(h => h.Entry.Ttl ?? 0)
            .ThenBy(h => h.Entry.Time).ToList();
        for (var pass = 0; pass < ordered.Count; pass++)
        {
            var moved = false;
            for (var i = 0; i < ordered.Count; i++)
            {
                for (var j = i + 1; j < ordered.Count; j++)
                {
                    if (Rank(ordered[i]) == Rank(ordered[j]) && Rewrote(ordered[j].Entry) && !Rewrote(ordered[i].Entry) && Arrived(ordered[i].Entry) == Left(ordered[j].Entry) && Arrived(ordered[j].Entry) != Left(ordered[j].Entry))
                    {
                        var later = ordered[i];
                        ordered.RemoveAt(i);
                        ordered.Insert(j, later);
                        moved = true;
                    }
                }
            }

            if (!moved)
            {
                break;
            }
        }

        return ordered;
    }

    private static bool Rewrote(TraceEntry e) => Arrived(e) != Left(e);

    private static string Arrived(TraceEntry e) => e.ArrivedPacket;

    private static string Left(TraceEntry e) => e.SourceNatPacket ?? e.Packet;

    private static PacketPath ToPath(IReadOnlyList<(TracedNamespace Where, TraceEntry Entry)> hops, RuleOwners owners)
    {
        var built = hops.SelectMany(h => Hops(h.Where, h.Entry, owners).Select(hop => (h.Where, h.Entry, Hop: hop))).ToList();

        // A drop anywhere ends the path there, whatever was seen of the packet's copies elsewhere.
        var end = built.FindIndex(h => h.Hop.Verdict is "DROP" or "REJECT");
        if (end >= 0)
        {
            built.RemoveRange(end + 1, built.Count - end - 1);
        }

        var (lastWhere, lastEntry, lastHop) = built[^1];
        return new PacketPath
        {
            Time = hops.Min(h => h.Entry.Time),
            Packet = built[0].Hop.Arrived,
            Hops = built.Select(h => h.Hop).ToArray(),
            Advice = owners.Advice(lastWhere, lastHop.Verdict, lastHop.Chain, lastHop.Rule, lastHop.Owner, lastEntry.In),
        };
    }

    /// <summary>One namespace's hops: the one its filter verdict ended, and after it the source NAT it met in POSTROUTING, if any.</summary>
    private static IEnumerable<PacketHop> Hops(TracedNamespace where, TraceEntry e, RuleOwners owners)
    {
        var crossed = new[] { e.In, e.Out, e.PhysIn, e.PhysOut };
        var chain = e.Table is null ? e.Chain : $"{e.Table}:{e.Chain}";
        yield return new PacketHop
        {
            Namespace = where.Label, In = e.In, Out = e.Out, PhysIn = e.PhysIn, PhysOut = e.PhysOut,
            Arrived = e.ArrivedPacket, Rewritten = e.ArrivedPacket != e.Packet ? e.Packet : null, Path = e.Path,
            Verdict = e.Verdict, Chain = chain, Rule = e.Rule,
            Owner = owners.Of(where, chain, e.Rule, crossed),
        };

        if (e.SourceNatRule is not null)
        {
            yield return new PacketHop
            {
                Namespace = where.Label, In = e.In, Out = e.Out, PhysIn = e.PhysIn, PhysOut = e.PhysOut,
                Arrived = e.Packet, Rewritten = e.SourceNatPacket, Verdict = "ACCEPT", Chain = e.SourceNatChain, Rule = e.SourceNatRule,
                Owner = owners.Of(where, e.SourceNatChain, e.SourceNatRule, crossed),
            };
        }
    }
}
