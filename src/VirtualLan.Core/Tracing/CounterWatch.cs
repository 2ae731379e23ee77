using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tracing;

/// <summary>
/// The seed's watchall, once: every rule's and policy's counters read before and after the
/// traffic, and the rules whose counters moved (those the flow could have met).
/// </summary>
public static class CounterWatch
{
    /// <summary>Reads the counters around the traffic and returns the rules that moved.</summary>
    /// <param name="runner">Runs iptables-save.</param>
    /// <param name="ns">The namespace to watch (null: the process's own).</param>
    /// <param name="match">The flow.</param>
    /// <param name="traffic">Makes the traffic, or waits while it happens.</param>
    /// <returns>One counter per rule or policy that moved, with the deltas, verdict and owner.</returns>
    /// <exception cref="CommandFailedException">iptables-save failed.</exception>
    public static IReadOnlyList<RuleCounter> Around(ICommandRunner runner, NetNamespace ns, TraceMatch match, Action traffic) =>
        Around(runner, [ns], match, traffic);

    /// <summary>Reads the counters of several namespaces around the same traffic and returns the rules that moved, namespace by namespace.</summary>
    /// <param name="runner">Runs iptables-save.</param>
    /// <param name="namespaces">The namespaces to watch.</param>
    /// <param name="match">The flow.</param>
    /// <param name="traffic">Makes the traffic, or waits while it happens.</param>
    /// <returns>One counter per rule or policy that moved.</returns>
    /// <exception cref="CommandFailedException">iptables-save failed.</exception>
    public static IReadOnlyList<RuleCounter> Around(ICommandRunner runner, IReadOnlyList<NetNamespace> namespaces, TraceMatch match, Action traffic)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(traffic);
        var saves = namespaces.Select(ns => NetworkHost.ExecIn(ns, "iptables-save", ["-c"])).ToArray();
        var before = saves.Select(save => TraceParsers.ParseCounters(Read(runner, save))).ToArray();
        traffic();
        var moved = new List<RuleCounter>();
        for (var i = 0; i < saves.Length; i++)
        {
            moved.AddRange(Moved(namespaces[i], match, before[i], TraceParsers.ParseCounters(Read(runner, saves[i]))));
        }

        return moved;
    }

    private static List<RuleCounter> Moved(
        NetNamespace ns,
        TraceMatch match,
        IReadOnlyDictionary<(string Table, string Chain, string Rule), (long Packets, long Bytes)> before,
        IReadOnlyDictionary<(string Table, string Chain, string Rule), (long Packets, long Bytes)> after)
    {
        var moved = new List<RuleCounter>();
        foreach (var (key, (packets, bytes)) in after)
        {
            var (p0, b0) = before.TryGetValue(key, out var earlier) ? earlier : (0, 0);
            var isPolicy = key.Rule.StartsWith("policy ", StringComparison.Ordinal);
            if (packets > p0 && (isPolicy || match.CouldMatch(key.Rule)))
            {
                moved.Add(new RuleCounter
                {
                    Namespace = ns.Text, Table = key.Table, Chain = key.Chain, Rule = key.Rule, Packets = packets - p0, Bytes = bytes - b0,
                    Owner = TraceParsers.OwnerOf(key.Rule),
                    Verdict = isPolicy ? key.Rule[7..] : TraceParsers.TargetOf(key.Rule),
                });
            }
        }

        return moved;
    }

    private static string Read(ICommandRunner runner, CommandLine command)
    {
        var result = runner.Run(command, null, CancellationToken.None);
        return result.Succeeded ? result.StandardOutput : throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
    }
}
