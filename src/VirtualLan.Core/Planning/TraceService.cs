using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Planning;

/// <summary>What the trace looks for: a flow, in every mode.</summary>
/// <param name="Protocol">icmp, tcp or udp, or null for any.</param>
/// <param name="Source">The source address or network, or null.</param>
/// <param name="Destination">The destination address or network, or null.</param>
/// <param name="DestinationPort">The destination port (tcp, udp), or null.</param>
public sealed record TraceMatch(string? Protocol, string? Source, string? Destination, int? DestinationPort)
{
    /// <summary>Gets the iptables match arguments for the flow.</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var arguments = new List<string>();
            if (Source is not null)
            {
                arguments.AddRange(new[] { "-s", Source });
            }

            if (Destination is not null)
            {
                arguments.AddRange(new[] { "-d", Destination });
            }

            if (Protocol is not null)
            {
                arguments.AddRange(new[] { "-p", Protocol });
            }

            if (DestinationPort is int port)
            {
                arguments.AddRange(new[] { "-m", Protocol!, "--dport", port.ToString(CultureInfo.InvariantCulture) });
            }

            return arguments;
        }
    }

    /// <summary>Tells whether a rule could see this flow: its own -p, -s and -d do not contradict it.</summary>
    /// <param name="rule">The rule in iptables-save form.</param>
    /// <returns>True when it could.</returns>
    public bool CouldMatch(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var words = rule.Split(' ');
        string? Value(string option)
        {
            var index = Array.IndexOf(words, option);
            return index >= 0 && index + 1 < words.Length && (index == 0 || words[index - 1] != "!") ? words[index + 1] : null;
        }

        bool Contradicts(string? wanted, string? ruleValue)
        {
            if (wanted is null || ruleValue is null)
            {
                return false;
            }

            if (!Ipv4Cidr.TryParse(ruleValue.Contains('/', StringComparison.Ordinal) ? ruleValue : ruleValue + "/32", out var network, out _))
            {
                return false;
            }

            var address = wanted.Split('/')[0];
            return IPAddress.TryParse(address, out var ip) && !network.Contains(ip);
        }

        return !(Protocol is not null && Value("-p") is { } p && !string.Equals(p, Protocol, StringComparison.OrdinalIgnoreCase))
            && !Contradicts(Source, Value("-s"))
            && !Contradicts(Destination, Value("-d"));
    }
}

/// <summary>
/// Plans the temporary rules a trace needs (NFLOG at the end of chains, or TRACE in raw) and the
/// command that reads what the kernel reports; every rule is commented virtuallan:trace/ID so that
/// it can be found and removed, whatever ends the trace.
/// </summary>
public sealed class TraceService
{
    private readonly NetNamespace _namespace;
    private readonly string _id;

    /// <summary>Initializes a new instance of the <see cref="TraceService"/> class.</summary>
    /// <param name="namespaceName">The namespace to trace (null: the process's own).</param>
    /// <param name="id">A short unique id for this trace.</param>
    public TraceService(NetNamespace namespaceName, string id)
    {
        _namespace = namespaceName;
        _id = id;
    }

    /// <summary>Gets the NFLOG group this trace listens on, derived from its id.</summary>
    public int Group => 1000 + (int)(uint.Parse(_id, NumberStyles.HexNumber, CultureInfo.InvariantCulture) % 60000);

    /// <summary>Gets the comment of this trace's rules.</summary>
    public string Owner => "virtuallan:trace/" + _id;

    /// <summary>Plans the log rules: a rate-limited NFLOG at the end of each chain, which only the packets that fall through to the policy reach.</summary>
    /// <param name="chains">The chains, as table:chain.</param>
    /// <param name="match">The flow.</param>
    /// <returns>The steps (each with its undo).</returns>
    public IReadOnlyList<Step> LogRules(IEnumerable<string> chains, TraceMatch match)
    {
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(match);
        return chains.Select(tc =>
        {
            var (table, chain) = Split(tc);
            var log = new AppendRule(_namespace, table, chain, [.. match.Arguments, "-m", "limit", "--limit", "50/sec", "-m", "comment", "--comment", Owner, "-j", "NFLOG", "--nflog-group", Group.ToString(CultureInfo.InvariantCulture), "--nflog-prefix", $"vlan {table}:{chain}"]);
            return log.ToStep($"Log what reaches the end of {table}:{chain}");
        }).ToArray();
    }

    /// <summary>Plans the TRACE rules in the raw table, for packets arriving and packets the namespace sends.</summary>
    /// <param name="match">The flow.</param>
    /// <returns>The steps.</returns>
    public IReadOnlyList<Step> TraceRules(TraceMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return new[] { "PREROUTING", "OUTPUT" }.Select(chain =>
        {
            var trace = new AppendRule(_namespace, "raw", chain, [.. match.Arguments, "-m", "comment", "--comment", Owner, "-j", "TRACE"]);
            return trace.ToStep($"Trace the flow in raw:{chain}");
        }).ToArray();
    }

    /// <summary>Plans the removal of every rule a trace with this id added, as found in the kernel now.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps.</returns>
    public IReadOnlyList<Step> Cleanup(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var firewall = state.Firewall(_namespace);
        var steps = new List<Step>();
        foreach (var table in firewall.Tables)
        {
            foreach (var line in firewall.Rules(table).Where(l => l.Contains(Owner, StringComparison.Ordinal)))
            {
                steps.Add(Step.Firewall($"Remove {line}", _namespace, table, SplitRule("-D" + line[2..]), null, null));
            }
        }

        return steps;
    }

    /// <summary>
    /// Plans the removal of the rules that traces cut off (their process killed) left in a namespace:
    /// every rule whose virtuallan:trace/ID comment names a trace the caller says is over.
    /// </summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="isOver">Tells whether the trace of an id is over (no live process runs it).</param>
    /// <returns>The steps, one per rule.</returns>
    public static IReadOnlyList<Step> Leftovers(NetNamespace namespaceName, KernelState state, Func<string, bool> isOver)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(isOver);
        var firewall = state.Firewall(namespaceName);
        var steps = new List<Step>();
        foreach (var table in firewall.Tables)
        {
            foreach (var line in firewall.Rules(table))
            {
                var at = line.IndexOf("virtuallan:trace/", StringComparison.Ordinal);
                var id = at < 0 ? null : new string(line[(at + "virtuallan:trace/".Length)..].TakeWhile(char.IsAsciiHexDigitLower).ToArray());
                if (id is { Length: > 0 } && isOver(id))
                {
                    steps.Add(Step.Firewall($"Remove the rule of the cut-off trace {id}: {line}", namespaceName, table, SplitRule("-D" + line[2..]), null, null));
                }
            }
        }

        return steps;
    }

    /// <summary>The command that reads NFLOG records of this trace's group as a pcap stream.</summary>
    /// <returns>The command.</returns>
    public CommandLine LogReader() =>
        NetworkHost.ExecIn(_namespace, "tcpdump", new[] { "-i", "nflog:" + Group.ToString(CultureInfo.InvariantCulture), "-U", "-w", "-", "-s", "0", "-q" });

    /// <summary>The command that reports traced packets.</summary>
    /// <returns>The command.</returns>
    /// <remarks>xtables-monitor writes through stdio, which holds a pipe's output until 4 KiB gather: stdbuf makes it line by line.</remarks>
    public CommandLine TraceReader() => NetworkHost.ExecIn(_namespace, "stdbuf", new[] { "-oL", "xtables-monitor", "--trace" });

    /// <summary>Splits an iptables-save rule into arguments, keeping a double-quoted comment as one.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The arguments.</returns>
    public static string[] SplitRule(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var arguments = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in rule)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ' ' && !quoted)
            {
                if (current.Length > 0)
                {
                    arguments.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            arguments.Add(current.ToString());
        }

        return arguments.ToArray();
    }

    private static (string Table, string Chain) Split(string tableChain)
    {
        var parts = tableChain.Split(':');
        return parts.Length == 2 ? (parts[0], parts[1]) : ("filter", parts[0]);
    }
}

/// <summary>
/// Follows the lines of <c>xtables-monitor --trace</c>: a PACKET line opens a packet's path, TRACE
/// lines extend it, and a verdict that ends it (DROP or REJECT anywhere, ACCEPT in the filter table)
/// closes it into a <see cref="TraceEntry"/>. A packet accepted on its way out (FORWARD, OUTPUT)
/// still meets POSTROUTING, where the first packet of a connection crosses the nat table: its entry
/// waits there for the source NAT rule (MASQUERADE, SNAT) or the nat verdict, and without one (a
/// packet past the first of its connection) ends after <see cref="PostroutingWait"/>.
/// </summary>
public sealed class TraceFollower
{
    private readonly NetNamespace _namespace;
    private readonly string? _protocol;
    private readonly Dictionary<string, (TraceEntry Packet, List<string> Path, TraceEntry First)> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TraceEntry Entry, List<string> Path, DateTimeOffset Since)> _leaving = new(StringComparer.Ordinal);

    /// <summary>How long an entry accepted on its way out waits for its POSTROUTING lines, which come right after it when they come.</summary>
    public static readonly TimeSpan PostroutingWait = TimeSpan.FromSeconds(1);

    /// <summary>Initializes a new instance of the <see cref="TraceFollower"/> class.</summary>
    /// <param name="namespaceName">The namespace traced.</param>
    /// <param name="protocol">The protocol the trace matched, used when the PACKET line does not name one.</param>
    public TraceFollower(NetNamespace namespaceName, string? protocol)
    {
        _namespace = namespaceName;
        _protocol = protocol;
    }

    /// <summary>
    /// Ends the packets still open when the trace ends: those no final verdict closed, as in a
    /// namespace without a filter table, where nothing decides and the packet is let through.
    /// </summary>
    /// <returns>The packets, each accepted by the last chain it met.</returns>
    public IReadOnlyList<TraceEntry> Flush()
    {
        var ended = _open.Values.Where(o => o.Path.Count > 0).Select(o =>
        {
            var last = o.Path[^1].Split(':');
            var p = o.Packet;
            return new TraceEntry
            {
                Time = p.Time, Namespace = p.Namespace, Table = last[0], Chain = last.Length > 1 ? last[1] : null, In = p.In, Out = p.Out, PhysIn = p.PhysIn, PhysOut = p.PhysOut,
                Source = p.Source, Destination = p.Destination, Protocol = p.Protocol ?? _protocol?.ToUpperInvariant(), SourcePort = p.SourcePort,
                DestinationPort = p.DestinationPort, Length = p.Length, Ttl = p.Ttl, Mac = p.Mac, Verdict = "ACCEPT", Path = o.Path,
                ArrivedSource = Equals(o.First.Source, p.Source) ? null : o.First.Source,
                ArrivedDestination = Equals(o.First.Destination, p.Destination) ? null : o.First.Destination,
                ArrivedTtl = o.First.Ttl == p.Ttl ? null : o.First.Ttl,
            };
        }).Concat(_leaving.Values.Select(l => l.Entry)).ToArray();
        _open.Clear();
        _leaving.Clear();
        return ended;
    }

    /// <summary>Ends the entries accepted on their way out that met no nat rule in POSTROUTING for a while (a packet past the first of its connection).</summary>
    /// <param name="now">The time now.</param>
    /// <returns>The entries, as the filter table's verdict left them.</returns>
    public IReadOnlyList<TraceEntry> Expire(DateTimeOffset now)
    {
        var ended = _leaving.Where(l => now - l.Value.Since >= PostroutingWait).ToArray();
        foreach (var (id, _) in ended)
        {
            _leaving.Remove(id);
        }

        return ended.Select(l => l.Value.Entry).ToArray();
    }

    /// <summary>Takes one line; returns the entry it completes, if any.</summary>
    /// <param name="line">The line.</param>
    /// <param name="time">When it was read.</param>
    /// <returns>The finished packet, or null.</returns>
    public TraceEntry? Add(string line, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Trim();
        if (text.StartsWith("PACKET:", StringComparison.Ordinal))
        {
            var words = text.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);

            // Announced again at POSTROUTING, with nothing new: its entry is made.
            // A packet the namespace sends has no IN= at all; the LOG format the parser reads starts there.
            if (words.Length == 4 && !_leaving.ContainsKey(words[2]) && TraceParsers.ParseLogLine(words[3].Contains("IN=", StringComparison.Ordinal) ? words[3] : "IN= " + words[3], _namespace, time) is { } packet)
            {
                // The same packet is announced again at each hook, with what is known by then (OUT=
                // once routed); the path goes on.
                _open[words[2]] = _open.TryGetValue(words[2], out var earlier) ? (packet, earlier.Path, earlier.First) : (packet, new List<string>(), packet);
            }

            return null;
        }

        if (!text.StartsWith("TRACE:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = text.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 4 && _leaving.ContainsKey(parts[2]))
        {
            return Postrouting(parts[2], parts[3]);
        }

        if (parts.Length < 4 || !_open.TryGetValue(parts[2], out var open))
        {
            return null;
        }

        if (ParseTrace(parts[3]) is not var (table, chain, kind, verdict, rule))
        {
            return null;
        }

        open.Path.Add($"{table}:{chain}:{verdict}");
        var final = verdict is "DROP" or "REJECT" || (verdict == "ACCEPT" && table == "filter");
        if (!final)
        {
            return null;
        }

        _open.Remove(parts[2]);
        var p = open.Packet;
        var first = open.First;
        var entry = new TraceEntry
        {
            Time = p.Time, Namespace = p.Namespace, Table = table, Chain = chain, In = p.In, Out = p.Out, PhysIn = p.PhysIn, PhysOut = p.PhysOut,
            Source = p.Source, Destination = p.Destination, Protocol = p.Protocol ?? _protocol?.ToUpperInvariant(), SourcePort = p.SourcePort,
            DestinationPort = p.DestinationPort, IcmpType = p.IcmpType, IcmpCode = p.IcmpCode, Length = p.Length, Ttl = p.Ttl, Mac = p.Mac,
            Verdict = verdict, Rule = kind == "policy" ? "policy " + verdict : rule, Owner = TraceParsers.OwnerOf(rule), Path = open.Path,
            ArrivedSource = Equals(first.Source, p.Source) ? null : first.Source,
            ArrivedDestination = Equals(first.Destination, p.Destination) ? null : first.Destination,
            ArrivedSourcePort = first.SourcePort == p.SourcePort ? null : first.SourcePort,
            ArrivedDestinationPort = first.DestinationPort == p.DestinationPort ? null : first.DestinationPort,
            ArrivedTtl = first.Ttl == p.Ttl ? null : first.Ttl,
        };

        // Accepted on its way out (an OUT interface): POSTROUTING comes next, with the nat table for a connection's first packet.
        if (verdict == "ACCEPT" && p.Out is not null)
        {
            _leaving[parts[2]] = (entry, open.Path, time);
            return null;
        }

        return entry;
    }

    /// <summary>Parses the part of a TRACE line after its id: table:chain:kind[:handle]:verdict, then the rule.</summary>
    private static (string Table, string Chain, string Kind, string Verdict, string? Rule)? ParseTrace(string detail)
    {
        var ruleStart = detail.IndexOf("  ", StringComparison.Ordinal);
        var where = (ruleStart < 0 ? detail : detail[..ruleStart]).Trim().Split(':');
        var rule = ruleStart < 0 ? null : detail[ruleStart..].Trim();
        if (rule is not null && rule.StartsWith("-4 -t ", StringComparison.Ordinal))
        {
            rule = rule[(rule.IndexOf(" -A ", StringComparison.Ordinal) + 1)..];
        }

        if (where.Length < 3)
        {
            return null;
        }

        var verdict = where[2] switch
        {
            "policy" => where.Length > 3 ? where[3] : string.Empty,
            "rule" => where.Length > 4 ? where[4] : string.Empty,
            var other => other.ToUpperInvariant(),
        };
        return (where[0], where[1], where[2], verdict, rule);
    }

    /// <summary>
    /// Takes a TRACE line of a packet accepted on its way out: a source NAT rule (MASQUERADE, SNAT)
    /// or the nat table's verdict ends its entry, with the NAT; a DROP or REJECT ends it there.
    /// </summary>
    private TraceEntry? Postrouting(string id, string detail)
    {
        var (entry, path, _) = _leaving[id];
        if (ParseTrace(detail) is not var (table, chain, kind, verdict, rule))
        {
            return null;
        }

        path.Add($"{table}:{chain}:{verdict}");
        var target = rule is null ? null : TraceParsers.TargetOf(rule);
        var sourceNat = verdict == "ACCEPT" && target is "MASQUERADE" or "SNAT";
        if (verdict is "DROP" or "REJECT")
        {
            _leaving.Remove(id);
            return entry with { Table = table, Chain = chain, Verdict = verdict, Rule = kind == "policy" ? "policy " + verdict : rule, Owner = TraceParsers.OwnerOf(rule), Path = path };
        }

        if (!sourceNat && !(verdict == "ACCEPT" && table == "nat"))
        {
            return null;
        }

        _leaving.Remove(id);
        return sourceNat ? entry with { Path = path, SourceNatChain = $"{table}:{chain}", SourceNatRule = rule, SourceNatAddress = SnatTarget(rule) } : entry;
    }

    /// <summary>The address an SNAT rule names (--to-source A[-B][:ports]): its first; null for MASQUERADE, whose address is the interface's.</summary>
    private static System.Net.IPAddress? SnatTarget(string? rule)
    {
        var words = rule?.Split(' ') ?? [];
        var at = Array.IndexOf(words, "--to-source");
        return at >= 0 && at + 1 < words.Length && System.Net.IPAddress.TryParse(words[at + 1].Split(':')[0].Split('-')[0], out var address) ? address : null;
    }
}
