using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>How Get-VlanIptablesTrace watches packets.</summary>
public enum TraceMode
{
    /// <summary>Snapshot every rule's counters before and after the traffic, and report the rules that moved.</summary>
    Counters,

    /// <summary>Log, with NFLOG at the end of chains, what falls through to their policy.</summary>
    Log,

    /// <summary>Follow each matching packet through every table and chain to its verdict (TRACE, xtables-monitor).</summary>
    Trace,
}

/// <summary>
/// Tells where a packet died: which rule in which chain of which namespace saw or dropped it, and
/// which VirtualLan object owns that rule. Everything it adds is removed when it ends.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VlanIptablesTrace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RuleCounter), typeof(TraceEntry))]
public sealed class GetVlanIptablesTraceCommand : VlanCmdlet
{
    /// <summary>Gets or sets how to watch.</summary>
    [Parameter(Position = 0)]
    public TraceMode Mode { get; set; } = TraceMode.Counters;

    /// <summary>Gets or sets the router whose namespace to watch; by default the host's router, else the host.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    [Alias("Name")]
    public string? Router { get; set; }

    /// <summary>Gets or sets the chains whose end to log, as table:chain (log mode).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.TraceChainCompleter))]
    public string[] Chain { get; set; } = { "filter:FORWARD", "filter:INPUT" };

    /// <summary>Gets or sets the protocol of the flow: icmp, tcp or udp.</summary>
    [Parameter]
    [ValidateSet("icmp", "tcp", "udp")]
    public string? Protocol { get; set; }

    /// <summary>Gets or sets the flow's source address or network.</summary>
    [Parameter]
    public string? Source { get; set; }

    /// <summary>Gets or sets the flow's destination address or network.</summary>
    [Parameter]
    public string? Destination { get; set; }

    /// <summary>Gets or sets the flow's destination port (with -Protocol tcp or udp).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? DestinationPort { get; set; }

    /// <summary>Gets or sets how long to watch, in seconds.</summary>
    [Parameter]
    [ValidateRange(0.1, 3600)]
    public double Duration { get; set; } = 10;

    /// <summary>Gets or sets after how many packets to stop (log and trace modes).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Count { get; set; }

    /// <summary>Gets or sets a script block that makes the traffic; it runs once the watch is in place.</summary>
    [Parameter]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Get-VlanIptablesTrace");

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        Guard(
            () =>
            {
                var state = Runtime.ReadState();
                var ns = Namespace(state);
                var match = new TraceMatch(Protocol, Source, Destination, DestinationPort);
                if (DestinationPort is not null && Protocol is not ("tcp" or "udp"))
                {
                    throw new VlanException(ErrorIds.InvalidPort, VlanErrorKind.InvalidArgument, DestinationPort, "-DestinationPort needs -Protocol tcp or udp.");
                }

                if (Mode == TraceMode.Counters)
                {
                    WatchCounters(ns, match);
                }
                else
                {
                    WatchPackets(ns, match, state);
                }
            },
            terminating: true);
    }

    private string? Namespace(KernelState state)
    {
        var routers = new RouterService(Target, _ => null, _ => false).Routers(state);
        if (Router is not null)
        {
            return routers.FirstOrDefault(r => r.Name == Router)?.Namespace
                ?? throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, Router, $"There is no router named '{Router}' in {Target.DisplayName}. Run Get-VlanRouterNamespace to see them.");
        }

        return routers.Count > 0 ? routers[0].Namespace : Target.Sandbox;
    }

    private void WatchCounters(string? ns, TraceMatch match)
    {
        var save = NetworkHost.ExecIn(ns, "iptables-save", new[] { "-c" });
        var before = TraceParsers.ParseCounters(Read(save));
        Generate();
        var after = TraceParsers.ParseCounters(Read(save));
        foreach (var (key, (packets, bytes)) in after)
        {
            var (p0, b0) = before.TryGetValue(key, out var earlier) ? earlier : (0, 0);
            if (packets > p0 && (key.Rule.StartsWith("policy ", StringComparison.Ordinal) || match.CouldMatch(key.Rule)))
            {
                WriteObject(new RuleCounter
                {
                    Namespace = ns, Table = key.Table, Chain = key.Chain, Rule = key.Rule, Packets = packets - p0, Bytes = bytes - b0,
                    Owner = TraceParsers.OwnerOf(key.Rule),
                    Verdict = key.Rule.StartsWith("policy ", StringComparison.Ordinal) ? key.Rule[7..] : TraceParsers.TargetOf(key.Rule),
                });
            }
        }
    }

    private void WatchPackets(string? ns, TraceMatch match, KernelState state)
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var trace = new TraceService(ns, id);
        var rules = Mode == TraceMode.Log ? trace.LogRules(Chain, match) : trace.TraceRules(match);
        var plan = new Plan($"Add the temporary {Mode.ToString().ToLowerInvariant()} rules {trace.Owner}", ns ?? Target.DisplayName, rules);
        var records = new TraceRecords();
        if (!IsWhatIf)
        {
            // What traces cut off by a crash left goes first; this trace is recorded before it adds a rule.
            RemoveLeftovers(ns, records);
            records.Begin(id, ns);
            state = Runtime.ReadState();
        }

        var applied = false;
        try
        {
            applied = Apply(plan, state);
        }
        finally
        {
            // Declined, -WhatIf, or failed and rolled back: no rule of this trace is left.
            if (!applied)
            {
                records.End(id);
            }
        }

        if (!applied)
        {
            return;
        }

        var entries = new BlockingCollection<TraceEntry>();
        using var ready = new ManualResetEventSlim(false);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
        Task? reader = null;
        try
        {
            var now = Runtime.ReadState();
            var links = now.Links(ns).Links.ToDictionary(l => l.Index, l => l.Name);
            var firewall = now.Firewall(ns);
            var streamer = new ProcessStreamer(Runtime.Tools);
            if (Mode == TraceMode.Log)
            {
                WriteVerbose(trace.LogReader().ToString());
                reader = streamer.Stream(
                    trace.LogReader(),
                    (stream, token) => TraceParsers.ReadNflogPcapAsync(stream, r => entries.Add(LogEntry(r, ns, links, firewall)), token),
                    line =>
                    {
                        if (line.Contains("listening on", StringComparison.Ordinal))
                        {
                            ready.Set();
                        }
                    },
                    reading.Token,
                    pid => records.AddReader(id, pid, "tcpdump"));
            }
            else
            {
                var follower = new TraceFollower(ns, Protocol);
                var gate = new object();
                WriteVerbose(trace.TraceReader().ToString());
                reader = streamer.Lines(
                    trace.TraceReader(),
                    line =>
                    {
                        lock (gate)
                        {
                            if (follower.Add(line, DateTimeOffset.Now) is { } entry)
                            {
                                entries.Add(entry);
                            }
                        }
                    },
                    reading.Token,
                    pid => records.AddReader(id, pid, "xtables-monitor"));
            }

            // The readers need a moment to subscribe before the traffic starts: tcpdump says when it
            // listens; xtables-monitor says nothing, and a second has always been enough for it.
            if (Mode == TraceMode.Log)
            {
                ready.Wait(TimeSpan.FromSeconds(10), StopToken);
            }
            else
            {
                Thread.Sleep(1000);
            }
            Generate();
            var deadline = DateTime.UtcNow.AddSeconds(Duration);
            var written = 0;
            while (!StopToken.IsCancellationRequested && (Count is null || written < Count) && DateTime.UtcNow < deadline)
            {
                if (reader.IsFaulted)
                {
                    throw new VlanException(ErrorIds.CommandFailed, VlanErrorKind.CommandFailed, null, "The trace reader stopped: " + reader.Exception?.GetBaseException().Message, reader.Exception);
                }

                if (entries.TryTake(out var entry, 100))
                {
                    WriteObject(entry);
                    written++;
                }
            }
        }
        finally
        {
            reading.Cancel();
            try
            {
                reader?.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // Cancelling the reader is how it ends.
            }

            entries.Dispose();
            RemoveTemporaryRules(trace, ns);
            records.End(id);
        }
    }

    /// <summary>
    /// Cleans up after traces whose process was killed (SIGKILL skips every finally): their readers
    /// still running are stopped, and their rules removed, in the namespace about to be traced (with
    /// any rule of a trace that has no live record) and in the namespaces their records name. Only
    /// what the records name is touched: a reader is stopped only when its id, start time and program
    /// are the ones recorded.
    /// </summary>
    private void RemoveLeftovers(string? ns, TraceRecords records)
    {
        // The rules are read before the records: a rule seen now was added after its trace's record was written.
        var state = Runtime.ReadState();
        _ = state.Firewall(ns);
        var all = records.Read();
        var live = all.Where(r => !r.IsStale).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var stale = all.Where(r => !live.Contains(r.Id)).ToArray();
        foreach (var record in stale.Where(r => r.ReaderIsRunning()))
        {
            var kill = new CommandLine("kill", "-TERM", record.Reader!.Pid.ToString(CultureInfo.InvariantCulture));
            WriteVerbose($"{kill} (the {record.ReaderProgram} of the cut-off trace {record.Id})");
            Runtime.Runner.Run(kill, null, CancellationToken.None);
        }

        var steps = TraceService.Leftovers(ns, state, id => !live.Contains(id)).ToList();
        foreach (var record in stale.Where(r => r.Namespace != ns && (r.Namespace is null || state.Exists(r.Namespace))))
        {
            steps.AddRange(TraceService.Leftovers(record.Namespace, state, id => id == record.Id));
        }

        if (steps.Count > 0)
        {
            try
            {
                Runtime.Executor.Apply(new Plan("Remove the rules of cut-off traces", ns ?? Target.DisplayName, steps), state, WriteVerbose, CancellationToken.None);
            }
            catch (CommandFailedException)
            {
                // A rule may have gone meanwhile; the others go one by one.
                foreach (var step in steps)
                {
                    WriteVerbose(step.Command.ToString());
                    Runtime.Runner.Run(step.Command, null, CancellationToken.None);
                }
            }
        }

        foreach (var record in stale)
        {
            records.End(record.Id);
        }
    }

    /// <summary>
    /// Removes the trace's rules, found by their owner comment: in one transaction per table, and
    /// when that fails, each rule on its own, so one failing command does not leave the others.
    /// What still remains afterwards is an error that names it.
    /// </summary>
    private void RemoveTemporaryRules(TraceService trace, string? ns)
    {
        // After Ctrl+C the pipeline refuses output, but the rules must go all the same.
        void Log(string line)
        {
            if (!StopToken.IsCancellationRequested)
            {
                WriteVerbose(line);
            }
        }

        var state = Runtime.ReadState();
        var cleanup = new Plan($"Remove the temporary rules {trace.Owner}", ns ?? Target.DisplayName, trace.Cleanup(state));
        try
        {
            Runtime.Executor.Apply(cleanup, state, Log, CancellationToken.None);
            return;
        }
        catch (CommandFailedException e)
        {
            Log($"Removing the temporary rules together failed ({e.Message.Split('\n')[0]}); removing them one by one.");
        }

        var retry = Runtime.ReadState();
        foreach (var step in trace.Cleanup(retry))
        {
            Log(step.Command.ToString());
            Runtime.Runner.Run(step.Command, null, CancellationToken.None);
        }

        var left = trace.Cleanup(Runtime.ReadState());
        if (left.Count > 0)
        {
            throw new VlanException(
                ErrorIds.RollbackIncomplete,
                VlanErrorKind.RollbackFailed,
                trace.Owner,
                $"The temporary rules {trace.Owner} could not all be removed; remove them by hand: {string.Join("; ", left.Select(l => l.Command.ToString()))}.");
        }
    }

    private static TraceEntry LogEntry(NflogRecord record, string? ns, IReadOnlyDictionary<int, string> links, FirewallState firewall)
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

    private void Generate()
    {
        if (ScriptBlock is not null)
        {
            ScriptBlock.Invoke();
        }
        else if (Mode == TraceMode.Counters)
        {
            StopToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(Duration));
        }
    }

    private static string Read(CommandLine command)
    {
        var result = Runtime.Runner.Run(command, null, CancellationToken.None);
        return result.Succeeded ? result.StandardOutput : throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
    }
}
