using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tracing;

/// <summary>
/// A Log or Trace session over several namespaces at once: one <see cref="PacketTrace"/> per
/// namespace (each with its own rules, reader and record), begun, started and ended together, whose
/// packets come out as one stream, or, in Trace mode, joined into one <see cref="PacketPath"/> per packet.
/// </summary>
public sealed class LanTrace : IDisposable
{
    private readonly IReadOnlyList<(TracedNamespace Where, PacketTrace Trace)> _sessions;
    private readonly VlanSystem _system;
    private readonly CancellationToken _stop;

    /// <summary>Initializes a new instance of the <see cref="LanTrace"/> class.</summary>
    /// <param name="system">The system the trace runs on.</param>
    /// <param name="namespaces">The namespaces to watch.</param>
    /// <param name="mode">Log or Trace.</param>
    /// <param name="chains">The chains whose end to log, as table:chain (Log mode).</param>
    /// <param name="match">The flow.</param>
    /// <param name="protocol">The flow's protocol, or null.</param>
    /// <param name="log">Receives each command line as it runs.</param>
    /// <param name="stop">Ctrl+C.</param>
    public LanTrace(VlanSystem system, IReadOnlyList<TracedNamespace> namespaces, TraceMode mode, IEnumerable<string> chains, TraceMatch match, string? protocol, Action<string> log, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(namespaces);
        var chainList = chains.ToArray();
        _system = system;
        _stop = stop;
        _sessions = namespaces.Select(n => (n, new PacketTrace(system, n.Namespace, n.Label, mode, chainList, match, protocol, log, stop))).ToArray();
    }

    /// <summary>Gets the plans of the temporary rules, one per namespace, to be confirmed and applied together.</summary>
    public IReadOnlyList<Plan> Plans => _sessions.Select(s => s.Trace.Plan).ToArray();

    /// <summary>Cleans up after cut-off traces and records each session, before any rule is added.</summary>
    /// <returns>The kernel's state afterwards.</returns>
    public KernelState Begin()
    {
        foreach (var (_, trace) in _sessions)
        {
            trace.Begin();
        }

        return _system.ReadState();
    }

    /// <summary>Tells each session whether its plan is in place.</summary>
    /// <param name="applied">One value per plan; null: none applied.</param>
    public void Applied(IReadOnlyList<bool>? applied)
    {
        for (var i = 0; i < _sessions.Count; i++)
        {
            _sessions[i].Trace.Applied(applied is not null && applied[i]);
        }
    }

    /// <summary>Starts every reader, then waits once until they can see packets.</summary>
    public void Start()
    {
        foreach (var (_, trace) in _sessions)
        {
            trace.Start(wait: false);
        }

        _stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
    }

    /// <summary>Yields the packets every namespace sees, with the namespace, until the count, the duration or Ctrl+C.</summary>
    /// <param name="count">After how many to stop, or null.</param>
    /// <param name="duration">How long to watch.</param>
    /// <param name="waiting">Told how long the wait has left, about every half second while no packet comes, or null.</param>
    /// <returns>The entries.</returns>
    public IEnumerable<(TracedNamespace Where, TraceEntry Entry)> Entries(int? count, TimeSpan duration, Action<TimeSpan>? waiting = null)
    {
        var deadline = DateTime.UtcNow + duration;
        var nextTick = DateTime.UtcNow;
        var written = 0;
        while (!_stop.IsCancellationRequested && (count is null || written < count) && DateTime.UtcNow < deadline)
        {
            var any = false;
            foreach (var (where, trace) in _sessions)
            {
                while ((count is null || written < count) && trace.TryTake(out var entry, 0))
                {
                    any = true;
                    written++;
                    yield return (where, entry);
                }
            }

            if (!any)
            {
                _stop.WaitHandle.WaitOne(50);
                if (waiting is not null && DateTime.UtcNow >= nextTick)
                {
                    nextTick = DateTime.UtcNow.AddMilliseconds(500);
                    waiting(deadline - DateTime.UtcNow);
                }
            }
        }

        // The watch is over: packets accepted on their way out that still waited for POSTROUTING end as they are.
        foreach (var (where, trace) in _sessions)
        {
            trace.EndLeaving();
            while ((count is null || written < count) && trace.TryTake(out var entry, 0))
            {
                written++;
                yield return (where, entry);
            }
        }
    }

    /// <summary>
    /// Watches, then joins each packet's entries into one path: until the duration ends, Ctrl+C, or
    /// the count of paths is reached and no namespace has reported anything for a while (half a
    /// second for one namespace, two seconds across several).
    /// </summary>
    /// <param name="count">After how many paths to stop, or null.</param>
    /// <param name="duration">How long to watch.</param>
    /// <param name="owners">Names the rules' owners.</param>
    /// <param name="waiting">Told how long the wait has left, or null.</param>
    /// <returns>The paths.</returns>
    public IReadOnlyList<PacketPath> Paths(int? count, TimeSpan duration, RuleOwners owners, Action<TimeSpan>? waiting = null)
    {
        var seen = new List<(TracedNamespace, TraceEntry)>();
        var deadline = DateTime.UtcNow + duration;

        // Each namespace's reader is a process of its own: on a busy machine the last namespace of a
        // path can report well after the first ones, so across namespaces the quiet wait is longer.
        var settle = _sessions.Count > 1 ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(500);
        var quietSince = DateTime.UtcNow;
        var nextTick = DateTime.UtcNow;
        while (!_stop.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var any = false;
            foreach (var (where, trace) in _sessions)
            {
                while (trace.TryTake(out var entry, 0))
                {
                    any = true;
                    seen.Add((where, entry));
                }
            }

            if (any)
            {
                quietSince = DateTime.UtcNow;
            }
            else if (count is int wanted && DateTime.UtcNow - quietSince > settle && PathJoiner.Join(seen, owners).Count >= wanted)
            {
                seen.AddRange(Flushed());
                break;
            }
            else
            {
                _stop.WaitHandle.WaitOne(50);
                if (waiting is not null && DateTime.UtcNow >= nextTick)
                {
                    nextTick = DateTime.UtcNow.AddMilliseconds(500);
                    waiting(deadline - DateTime.UtcNow);
                }
            }
        }

        if (_stop.IsCancellationRequested || DateTime.UtcNow >= deadline)
        {
            seen.AddRange(Flushed());
        }

        var paths = PathJoiner.Join(seen, owners);
        return count is int most ? paths.Take(most).ToArray() : paths;
    }

    private List<(TracedNamespace, TraceEntry)> Flushed()
    {
        var ended = new List<(TracedNamespace, TraceEntry)>();
        foreach (var (where, trace) in _sessions)
        {
            trace.Flush();
            while (trace.TryTake(out var entry, 0))
            {
                ended.Add((where, entry));
            }
        }

        return ended;
    }

    /// <summary>Ends every session: readers stopped, rules and records removed, whatever happened.</summary>
    public void Dispose()
    {
        List<Exception>? failures = null;
        foreach (var (_, trace) in _sessions)
        {
            try
            {
                trace.Dispose();
            }
            catch (VlanException e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is { Count: 1 })
        {
            throw failures[0];
        }

        if (failures is { Count: > 1 })
        {
            throw new AggregateException(failures);
        }
    }
}
