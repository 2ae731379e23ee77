using System.Management.Automation;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;
using VirtualLan.Tracing;

namespace VirtualLan.Commands;

/// <summary>
/// Tells where a packet died: which rule in which chain of which namespace saw or dropped it, and
/// which VirtualLan object owns that rule. Everything it adds is removed when it ends.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VlanIptablesTrace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RuleCounter), typeof(TraceEntry), typeof(PacketPath), typeof(PacketDrop))]
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

    /// <summary>Gets or sets the namespace to watch, by what the LAN calls it: host, a router's name or a namespace or container appliance's name.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.TraceNamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>Gets or sets a value indicating whether to watch every namespace of the LAN at once: the host, the routers and the namespace and container appliances.</summary>
    [Parameter]
    public SwitchParameter Lan { get; set; }

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
                var scope = Scope(state);
                var match = new TraceMatch(Protocol, Source, Destination, DestinationPort);
                if (DestinationPort is not null && Protocol is not ("tcp" or "udp"))
                {
                    throw new VlanException(ErrorIds.InvalidPort, VlanErrorKind.InvalidArgument, DestinationPort, "-DestinationPort needs -Protocol tcp or udp.");
                }

                if (Mode == TraceMode.Counters)
                {
                    WatchCounters(scope, match);
                }
                else if (Mode == TraceMode.Drops)
                {
                    WatchDrops(scope, match);
                }
                else
                {
                    WatchPackets(scope, match, state);
                }
            },
            terminating: true);
    }

    private IReadOnlyList<TracedNamespace> Scope(KernelState state)
    {
        var given = (Router is null ? 0 : 1) + (Namespace is null ? 0 : 1) + (Lan ? 1 : 0);
        if (given > 1)
        {
            throw new VlanException(ErrorIds.TraceScopeConflict, VlanErrorKind.InvalidArgument, null, "Give one of -Router, -Namespace and -Lan: -Lan watches every namespace, -Namespace those named.");
        }

        var scope = new TraceScope(LanHost, new Docker(Runtime.Runner));
        if (Lan)
        {
            return scope.Lan(state);
        }

        if (Namespace is not null)
        {
            return Namespace.Select(n => scope.Find(n, state)).Distinct().ToArray();
        }

        var routers = new RouterReader(LanHost).Routers(state);
        if (Router is not null)
        {
            var router = routers.FirstOrDefault(r => r.Name == Router)
                ?? throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, Router, $"There is no router named '{Router}' in {LanHost.DisplayName}. Run Get-VlanRouterNamespace to see them.");
            return [new TracedNamespace(router.Name, "router", router.Namespace)];
        }

        return routers.Count > 0 ? [new TracedNamespace(routers[0].Name, "router", routers[0].Namespace)] : [new TracedNamespace("host", "host", LanHost.Namespace)];
    }

    private void WatchCounters(IReadOnlyList<TracedNamespace> scope, TraceMatch match) =>
        WriteObject(CounterWatch.Around(Runtime.Runner, scope.Select(n => n.Namespace).ToArray(), match, Generate), enumerateCollection: true);

    private void WatchDrops(IReadOnlyList<TracedNamespace> scope, TraceMatch match)
    {
        void Log(string line)
        {
            if (!StopToken.IsCancellationRequested)
            {
                WriteVerbose(line);
            }
        }

        using var watch = new DropWatch(Runtime, scope, Log, StopToken);
        if (!ShouldProcess(watch.Description, watch.Description + "?", "Confirm"))
        {
            return;
        }

        var drops = new List<PacketDrop>();
        var counters = CounterWatch.Around(Runtime.Runner, scope.Select(n => n.Namespace).ToArray(), match, () =>
        {
            watch.Start();
            Generate();
            drops.AddRange(watch.Drops(Count, TimeSpan.FromSeconds(Duration)));
        });
        WriteObject(DropRules.Name(drops, scope, counters, RuleOwners.For(new Docker(Runtime.Runner))), enumerateCollection: true);
    }

    private void WatchPackets(IReadOnlyList<TracedNamespace> scope, TraceMatch match, KernelState state)
    {
        // After Ctrl+C the pipeline refuses output, but the rules must go all the same.
        void Log(string line)
        {
            if (!StopToken.IsCancellationRequested)
            {
                WriteVerbose(line);
            }
        }

        using var session = new LanTrace(Runtime, scope, Mode, Chain, match, Protocol, Log, StopToken);
        bool[]? applied = null;
        try
        {
            var plans = session.Plans;
            applied = ApplyAll(plans, IsWhatIf ? state : session.Begin(), plans.Count == 1 ? plans[0].Title : $"Add the temporary {Mode.ToString().ToLowerInvariant()} rules in {plans.Count} namespaces", LanHost.DisplayName);
        }
        finally
        {
            session.Applied(applied);
        }

        if (applied is null || !applied.Any(a => a))
        {
            return;
        }

        session.Start();
        Generate();
        var duration = TimeSpan.FromSeconds(Duration);
        var progress = new ProgressRecord(2, $"Get-VlanIptablesTrace -Mode {Mode}", "Waiting for packets");
        if (Mode == TraceMode.Trace && scope.Count > 1)
        {
            WriteObject(session.Paths(Count, duration, RuleOwners.For(new Docker(Runtime.Runner)), left => Progress(progress, duration, left)), enumerateCollection: true);
        }
        else
        {
            foreach (var (_, entry) in session.Entries(Count, duration, left => Progress(progress, duration, left)))
            {
                WriteObject(entry);
            }
        }

        if (duration > TimeSpan.FromSeconds(1))
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    private void Generate()
    {
        if (ScriptBlock is not null)
        {
            RunTraffic(ScriptBlock);
        }
        else if (Mode == TraceMode.Counters)
        {
            Wait(TimeSpan.FromSeconds(Duration), "Watching the counters; make the traffic now");
        }
    }

    /// <summary>
    /// Runs the traffic's script block and says when it failed, so that "no counters moved" cannot
    /// look like "my traffic never ran": an exception is an error, a native command's non-zero exit
    /// code (read from $LASTEXITCODE, cleared first) a warning; the block's output goes to -Verbose.
    /// </summary>
    private void RunTraffic(ScriptBlock block)
    {
        SessionState.PSVariable.Set("global:LASTEXITCODE", 0);
        try
        {
            foreach (var line in block.Invoke())
            {
                WriteVerbose("traffic: " + line);
            }
        }
        catch (RuntimeException e)
        {
            WriteError(ErrorRecords.From(new VlanException(ErrorIds.TrafficFailed, VlanErrorKind.CommandFailed, block.ToString().Trim(), $"The traffic's script block failed, so the trace may show no packet of it: {e.Message}", e)));
            return;
        }

        if (SessionState.PSVariable.GetValue("global:LASTEXITCODE") is int code and not 0)
        {
            WriteWarning($"A native command of the traffic's script block exited with code {code}: its packets may not have gone out, or got no answer. What the rules saw is below.");
        }
    }

    /// <summary>Shows how long a wait of over a second has left (not after Ctrl+C, when the pipeline refuses output).</summary>
    private void Progress(ProgressRecord progress, TimeSpan duration, TimeSpan left)
    {
        if (duration > TimeSpan.FromSeconds(1) && !StopToken.IsCancellationRequested)
        {
            progress.PercentComplete = Math.Clamp((int)(100 * (1 - (left.TotalMilliseconds / duration.TotalMilliseconds))), 0, 100);
            progress.SecondsRemaining = (int)Math.Ceiling(left.TotalSeconds);
            WriteProgress(progress);
        }
    }

    /// <summary>Waits, showing a progress bar when the wait is over a second; Ctrl+C ends it.</summary>
    private void Wait(TimeSpan duration, string activity)
    {
        if (duration <= TimeSpan.FromSeconds(1))
        {
            StopToken.WaitHandle.WaitOne(duration);
            return;
        }

        var progress = new ProgressRecord(2, $"Get-VlanIptablesTrace -Mode {Mode}", activity);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < duration && !StopToken.IsCancellationRequested)
        {
            var left = duration - watch.Elapsed;
            Progress(progress, duration, left);
            StopToken.WaitHandle.WaitOne(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }
}
