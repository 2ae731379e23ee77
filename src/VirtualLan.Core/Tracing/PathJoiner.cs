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
    }

    private static IReadOnlyList<(TracedNamespace Where, TraceEntry Entry)> Order(List<(TracedNamespace Where, TraceEntry Entry)> hops)
    {
        // Sent here (no way in) first, delivered here (no way out) last; a NAT's result after the NAT.
        int Rank((TracedNamespace Where, TraceEntry Entry) h) => h.Entry.In is null ? 0 : h.Entry.Out is null ? 2 : 1;
        var ordered = hops.OrderBy(Rank).ThenBy(h => h.Entry.Time).ToList();
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

    private static string Left(TraceEntry e) => e.Packet;

    private static PacketPath ToPath(IReadOnlyList<(TracedNamespace Where, TraceEntry Entry)> hops, RuleOwners owners)
    {
        var built = hops.Select(h =>
        {
            var e = h.Entry;
            var chain = e.Table is null ? e.Chain : $"{e.Table}:{e.Chain}";
            return new PacketHop
            {
                Namespace = h.Where.Label, In = e.In, Out = e.Out, PhysIn = e.PhysIn, PhysOut = e.PhysOut,
                Arrived = e.ArrivedPacket, Rewritten = Rewrote(e) ? e.Packet : null, Path = e.Path,
                Verdict = e.Verdict, Chain = chain, Rule = e.Rule,
                Owner = owners.Of(h.Where, chain, e.Rule, new[] { e.In, e.Out, e.PhysIn, e.PhysOut }),
            };
        }).ToArray();

        // A drop anywhere ends the path there, whatever was seen of the packet's copies elsewhere.
        var end = Array.FindIndex(built, h => h.Verdict is "DROP" or "REJECT");
        if (end >= 0 && end < built.Length - 1)
        {
            built = built[..(end + 1)];
        }

        var last = hops[Math.Min(built.Length, hops.Count) - 1];
        var lastHop = built[^1];
        return new PacketPath
        {
            Time = hops.Min(h => h.Entry.Time),
            Packet = built[0].Arrived,
            Hops = built,
            Advice = owners.Advice(last.Where, lastHop.Verdict, lastHop.Chain, lastHop.Rule, lastHop.Owner, last.Entry.In),
        };
    }
}
