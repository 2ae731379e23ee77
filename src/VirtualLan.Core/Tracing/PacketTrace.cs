using System.Collections.Concurrent;
using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tracing;

/// <summary>
/// One Log or Trace session of Get-VlanIptablesTrace, from the temporary rules to their removal:
/// <see cref="Begin"/> cleans up after traces a crash cut off and records this one, the caller
/// applies <see cref="Plan"/> (after confirmation), <see cref="Start()"/> starts the reader
/// (tcpdump on the NFLOG group, or xtables-monitor), <see cref="Entries"/> yields what it sees,
/// and <see cref="Dispose"/> stops the reader, removes the rules and the record, whatever happened.
/// </summary>
public sealed class PacketTrace : IDisposable
{
    private readonly VlanSystem _system;
    private readonly NetNamespace _namespace;
    private readonly TraceMode _mode;
    private readonly string? _protocol;
    private readonly Action<string> _log;
    private readonly CancellationToken _stop;
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly TraceService _trace;
    private readonly TraceRecords _records = new();
    private readonly BlockingCollection<TraceEntry> _entries = new();
    private readonly CancellationTokenSource _reading;
    private readonly object _gate = new();
    private Task? _reader;
    private Action? _flush;
    private Action? _expire;
    private Action? _endLeaving;
    private HopDetails? _details;
    private bool _begun;
    private bool _applied;

    /// <summary>Initializes a new instance of the <see cref="PacketTrace"/> class.</summary>
    /// <param name="system">The system the trace runs on.</param>
    /// <param name="namespaceName">The namespace to watch (null: the process's own).</param>
    /// <param name="displayName">What the plan acts on, for prompts (the namespace or the host's name).</param>
    /// <param name="mode">Log or Trace.</param>
    /// <param name="chains">The chains whose end to log, as table:chain (Log mode).</param>
    /// <param name="match">The flow.</param>
    /// <param name="protocol">The flow's protocol, which the trace follower needs, or null.</param>
    /// <param name="log">Receives each command line as it runs.</param>
    /// <param name="stop">Ctrl+C: ends the wait for packets (the cleanup still runs).</param>
    public PacketTrace(VlanSystem system, NetNamespace namespaceName, string displayName, TraceMode mode, IEnumerable<string> chains, TraceMatch match, string? protocol, Action<string> log, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (mode is TraceMode.Counters or TraceMode.Drops)
        {
            throw new ArgumentException("A packet trace logs or traces; counters and drops need no rule.", nameof(mode));
        }

        _system = system;
        _namespace = namespaceName;
        _mode = mode;
        _protocol = protocol;
        _log = log;
        _stop = stop;
        _reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _trace = new TraceService(namespaceName, _id);
        var rules = mode == TraceMode.Log ? _trace.LogRules(chains, match) : _trace.TraceRules(match);
        Plan = new Plan($"Add the temporary {mode.ToString().ToLowerInvariant()} rules {_trace.Owner}", namespaceName.Text ?? displayName, rules);
    }

    /// <summary>Gets the plan of the temporary rules, to be confirmed and applied by the caller.</summary>
    public Plan Plan { get; }

    /// <summary>
    /// Cleans up after traces whose process was killed (SIGKILL skips every finally), then records
    /// this trace before it adds a rule. Not for -WhatIf: it changes the machine.
    /// </summary>
    /// <returns>The kernel's state, read again after the cleanup, for applying <see cref="Plan"/>.</returns>
    public KernelState Begin()
    {
        RemoveLeftovers();
        _records.Begin(_id, _namespace);
        _begun = true;
        return _system.ReadState();
    }

    /// <summary>Tells the session whether <see cref="Plan"/> is in place; declined, -WhatIf or rolled back leaves no rule to remove.</summary>
    /// <param name="applied">True when the rules were added.</param>
    public void Applied(bool applied)
    {
        _applied = applied;
        if (!applied && _begun)
        {
            _records.End(_id);
            _begun = false;
        }
    }

    /// <summary>Starts the reader and waits until it can see packets.</summary>
    public void Start() => Start(wait: true);

    /// <summary>Starts the reader.</summary>
    /// <param name="wait">Whether to wait until it can see packets (a caller starting several waits once).</param>
    public void Start(bool wait)
    {
        var now = _system.ReadState();
        var links = now.Links(_namespace).Links.ToDictionary(l => l.Index, l => l.Name);
        var firewall = now.Firewall(_namespace);
        var streamer = new ProcessStreamer(_system.Tools);
        using var ready = new ManualResetEventSlim(false);
        if (_mode == TraceMode.Log)
        {
            _log(_trace.LogReader().ToString());
            _reader = streamer.Stream(
                _trace.LogReader(),
                (stream, token) => TraceParsers.ReadNflogPcapAsync(stream, r => _entries.Add(LogEntry(r, _namespace, links, firewall)), token),
                line =>
                {
                    if (line.Contains("listening on", StringComparison.Ordinal))
                    {
                        ready.Set();
                    }
                },
                _reading.Token,
                pid => _records.AddReader(_id, pid, "tcpdump"));

            // tcpdump says when it listens.
            ready.Wait(TimeSpan.FromSeconds(10), _stop);
            return;
        }

        var follower = new TraceFollower(_namespace, _protocol);
        var gate = _gate;
        _details = new HopDetails(_system.Runner, _namespace, now.Links(_namespace).Links);
        void Add(Func<IReadOnlyList<TraceEntry>> ended)
        {
            lock (gate)
            {
                foreach (var entry in ended())
                {
                    _entries.Add(entry);
                }
            }
        }

        _flush = () => Add(follower.Flush);
        _expire = () => Add(() => follower.Expire(DateTimeOffset.Now));
        _endLeaving = () => Add(() => follower.Expire(DateTimeOffset.MaxValue));
        _log(_trace.TraceReader().ToString());
        _reader = streamer.Lines(
            _trace.TraceReader(),
            line =>
            {
                lock (gate)
                {
                    if (follower.Add(line, DateTimeOffset.Now) is { } entry)
                    {
                        _entries.Add(entry);
                    }
                }
            },
            _reading.Token,
            pid => _records.AddReader(_id, pid, "xtables-monitor"));

        // xtables-monitor says nothing when it has subscribed; a second has always been enough.
        if (wait)
        {
            _stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Yields the packets seen, as they come, until the count, the duration or Ctrl+C.</summary>
    /// <param name="count">After how many to stop, or null for no limit.</param>
    /// <param name="duration">How long to watch.</param>
    /// <param name="waiting">Told how long the wait has left, about every half second while no packet comes (for a progress bar), or null.</param>
    /// <returns>The entries.</returns>
    /// <exception cref="VlanException">The reader stopped on its own.</exception>
    public IEnumerable<TraceEntry> Entries(int? count, TimeSpan duration, Action<TimeSpan>? waiting = null)
    {
        var deadline = DateTime.UtcNow + duration;
        var nextTick = DateTime.UtcNow;
        var written = 0;
        while (!_stop.IsCancellationRequested && (count is null || written < count) && DateTime.UtcNow < deadline)
        {
            if (TryTake(out var entry, 100))
            {
                written++;
                yield return entry;
            }
            else if (waiting is not null && DateTime.UtcNow >= nextTick)
            {
                nextTick = DateTime.UtcNow.AddMilliseconds(500);
                waiting(deadline - DateTime.UtcNow);
            }
        }
    }

    /// <summary>Takes the next packet seen, waiting a while for one.</summary>
    /// <param name="entry">The packet.</param>
    /// <param name="milliseconds">How long to wait.</param>
    /// <returns>True when there was one.</returns>
    /// <exception cref="VlanException">The reader stopped on its own.</exception>
    public bool TryTake(out TraceEntry entry, int milliseconds)
    {
        if (_reader is { IsFaulted: true })
        {
            throw new VlanException(ErrorIds.CommandFailed, VlanErrorKind.CommandFailed, null, "The trace reader stopped: " + _reader.Exception?.GetBaseException().Message, _reader.Exception);
        }

        _expire?.Invoke();
        if (!_entries.TryTake(out entry!, milliseconds))
        {
            return false;
        }

        // What the trace lines lack (bridge ports, the source NAT's address) is read here, on the caller's thread, not the reader's.
        entry = _details?.Complete(entry) ?? entry;
        return true;
    }

    /// <summary>Ends the packets no final verdict closed yet (Trace mode), so that <see cref="TryTake"/> yields them.</summary>
    public void Flush() => _flush?.Invoke();

    /// <summary>Ends the packets accepted on their way out that still wait for their POSTROUTING lines (Trace mode), so that <see cref="TryTake"/> yields them.</summary>
    public void EndLeaving() => _endLeaving?.Invoke();

    /// <summary>Stops the reader, removes the temporary rules and the trace's record.</summary>
    /// <exception cref="VlanException">Some rules could not be removed (<see cref="ErrorIds.RollbackIncomplete"/>); the message names them.</exception>
    public void Dispose()
    {
        _reading.Cancel();
        try
        {
            _reader?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelling the reader is how it ends.
        }

        _entries.Dispose();
        _reading.Dispose();
        try
        {
            if (_applied)
            {
                RemoveTemporaryRules();
            }
        }
        finally
        {
            if (_begun)
            {
                _records.End(_id);
            }
        }
    }

    /// <summary>
    /// Removes the trace's rules, found by their owner comment: in one transaction per table, and
    /// when that fails, each rule on its own, so one failing command does not leave the others.
    /// What still remains afterwards is an error that names it.
    /// </summary>
    private void RemoveTemporaryRules()
    {
        var state = _system.ReadState();
        var cleanup = new Plan($"Remove the temporary rules {_trace.Owner}", _namespace.Text ?? "host", _trace.Cleanup(state));
        try
        {
            _system.Executor.Apply(cleanup, state, _log, CancellationToken.None);
            return;
        }
        catch (CommandFailedException e)
        {
            _log($"Removing the temporary rules together failed ({e.Message.Split('\n')[0]}); removing them one by one.");
        }

        foreach (var step in _trace.Cleanup(_system.ReadState()))
        {
            _log(step.Command.ToString());
            _system.Runner.Run(step.Command, null, CancellationToken.None);
        }

        var left = _trace.Cleanup(_system.ReadState());
        if (left.Count > 0)
        {
            throw new VlanException(
                ErrorIds.RollbackIncomplete,
                VlanErrorKind.RollbackFailed,
                _trace.Owner,
                $"The temporary rules {_trace.Owner} could not all be removed; remove them by hand: {string.Join("; ", left.Select(l => l.Command.ToString()))}.");
        }
    }

    /// <summary>
    /// Cleans up after traces whose process was killed: their readers still running are stopped,
    /// and their rules removed, in the namespace about to be traced (with any rule of a trace that
    /// has no live record) and in the namespaces their records name. Only what the records name is
    /// touched: a reader is stopped only when its id, start time and program are the ones recorded.
    /// </summary>
    private void RemoveLeftovers()
    {
        // A killed Drops trace left a tracefs instance rather than rules.
        DropWatch.RemoveLeftovers(_records, _system, _log);

        // The rules are read before the records: a rule seen now was added after its trace's record was written.
        var state = _system.ReadState();
        _ = state.Firewall(_namespace);
        var all = _records.Read();
        var live = all.Where(r => !r.IsStale).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var stale = all.Where(r => !live.Contains(r.Id)).ToArray();
        foreach (var record in stale.Where(r => r.ReaderIsRunning()))
        {
            var kill = new CommandLine("kill", "-TERM", record.Reader!.Pid.ToString(CultureInfo.InvariantCulture));
            _log($"{kill} (the {record.ReaderProgram} of the cut-off trace {record.Id})");
            _system.Runner.Run(kill, null, CancellationToken.None);
        }

        var steps = TraceService.Leftovers(_namespace, state, id => !live.Contains(id)).ToList();
        foreach (var record in stale.Where(r => r.Namespace != _namespace && (r.Namespace is null || state.Exists(r.Namespace))))
        {
            steps.AddRange(TraceService.Leftovers(record.Namespace, state, id => id == record.Id));
        }

        if (steps.Count > 0)
        {
            try
            {
                _system.Executor.Apply(new Plan("Remove the rules of cut-off traces", _namespace.Text ?? "host", steps), state, _log, CancellationToken.None);
            }
            catch (CommandFailedException)
            {
                // A rule may have gone meanwhile; the others go one by one.
                foreach (var step in steps)
                {
                    _log(step.Command.ToString());
                    _system.Runner.Run(step.Command, null, CancellationToken.None);
                }
            }
        }

        foreach (var record in stale)
        {
            _records.End(record.Id);
        }
    }

    private static TraceEntry LogEntry(NflogRecord record, NetNamespace ns, IReadOnlyDictionary<int, string> links, FirewallState firewall)
    {
        var entry = TraceParsers.ToEntry(record, ns, i => links.GetValueOrDefault(i));
        var where = (entry.Prefix ?? string.Empty).Replace("vlan ", string.Empty, StringComparison.Ordinal).Split(':');
        return new TraceEntry
        {
            Time = entry.Time, Namespace = entry.Namespace, Table = where.Length == 2 ? where[0] : null, Chain = where.Length == 2 ? where[1] : null,
            In = entry.In, Out = entry.Out, PhysIn = entry.PhysIn, PhysOut = entry.PhysOut, Source = entry.Source, Destination = entry.Destination,
            Protocol = entry.Protocol, SourcePort = entry.SourcePort, DestinationPort = entry.DestinationPort, IcmpType = entry.IcmpType, IcmpCode = entry.IcmpCode,
            Length = entry.Length, Ttl = entry.Ttl, Mac = entry.Mac, Prefix = entry.Prefix,

            // The log rule sits at the end of the chain: what reaches it falls to the policy next.
            Verdict = where.Length == 2 ? firewall.Policy(where[0], where[1]) : null,
            Rule = where.Length == 2 ? "policy " + firewall.Policy(where[0], where[1]) : null,
        };
    }
}
