using System.Management.Automation;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan;

/// <summary>
/// What every VirtualLan cmdlet shares: the host it acts on, confirmation with the exact commands,
/// verbose output of each command, stopping with rollback, and turning failures into ErrorRecords.
/// </summary>
public abstract class VlanCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Func<KernelState, PlannedInput>> _queued = new();
    private readonly List<ExecutionReport> _reports = new();

    /// <summary>Gets the namespace that plays the host: the sandbox of this session, or the machine's own.</summary>
    internal static NetworkHost LanHost => ModuleSession.Host;

    /// <summary>Gets the system the cmdlet runs on.</summary>
    internal static VlanSystem Runtime => ModuleSession.System;

    /// <summary>Gets a value indicating whether -WhatIf was given, in which case nothing may change.</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value) && value is SwitchParameter { IsPresent: true };

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Gets what each plan applied by this cmdlet ran, in order (a staged sync undoes the earlier stages from it).</summary>
    internal IReadOnlyList<ExecutionReport> Reports => _reports;

    /// <summary>Gets or sets the namespaces this cmdlet holds open across the plans it applies (a staged sync), or null.</summary>
    internal NamespaceHold? HeldNamespaces { get; set; }

    /// <summary>Gets the token that Ctrl+C (StopProcessing) cancels.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <inheritdoc />
    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Stops the pipeline with a core failure when the process may not change the network.</summary>
    /// <param name="action">What the user asked for.</param>
    protected void DemandPrivilegesUnlessWhatIf(string action)
    {
        if (!IsWhatIf)
        {
            Guard(() => Runtime.DemandPrivileges(action), terminating: true);
        }
    }

    /// <summary>
    /// Applies a plan after confirmation. The prompt and the -WhatIf text list every command that
    /// would run; steps already in place are left out, and with none left nothing is asked or run.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">The kernel's state the plan was made from.</param>
    /// <returns>True when the plan is in place afterwards; false when the user declined or gave -WhatIf.</returns>
    internal bool Apply(Plan plan, KernelState state) => ApplyAll(new[] { plan }, state, plan.Title, plan.Scope)[0];

    /// <summary>
    /// Applies the plans of a whole pipeline's input as one: each is confirmed on its own (so
    /// -Confirm and -WhatIf speak of each input), and those confirmed go to the kernel together in
    /// as few batches as one plan would take (<see cref="PlanExecutor.Combine"/>). They succeed or
    /// fail together: when any step fails, every change made for any of them is undone.
    /// </summary>
    /// <param name="plans">The plans, one per input, made from the same state.</param>
    /// <param name="state">The kernel's state the plans were made from.</param>
    /// <param name="title">What they do together, for the verbose output and errors.</param>
    /// <param name="scope">What they act on together.</param>
    /// <returns>For each plan, true when it is in place afterwards; false when declined or with -WhatIf.</returns>
    internal bool[] ApplyAll(IReadOnlyList<Plan> plans, KernelState state, string title, string scope)
    {
        ArgumentNullException.ThrowIfNull(plans);
        var inPlace = new bool[plans.Count];
        var confirmed = new List<Plan>();
        for (var i = 0; i < plans.Count; i++)
        {
            var pending = PlanExecutor.Pending(plans[i], state);
            if (pending.Count == 0)
            {
                WriteVerbose($"{plans[i].Title}: already in place, no command run.");
                inPlace[i] = true;
                continue;
            }

            foreach (var warning in plans[i].Warnings)
            {
                WriteWarning(warning);
            }

            var commands = string.Join(Environment.NewLine, pending.Select(s => "  " + s.Shown));
            var description = $"{plans[i].Title} in {LanHost.DisplayName} by running {pending.Count} command(s):{Environment.NewLine}{commands}";
            if (ShouldProcess(description, $"{plans[i].Title}?{Environment.NewLine}{commands}", "Confirm"))
            {
                inPlace[i] = true;
                confirmed.Add(plans[i]);
            }
        }

        if (confirmed.Count == 0)
        {
            return inPlace;
        }

        var plan = PlanExecutor.Combine(title, scope, confirmed, state);
        var report = Runtime.Executor.Apply(plan, state, WriteVerbose, HeldNamespaces, _stopping.Token);
        _reports.Add(report);
        foreach (var warning in report.Warnings)
        {
            WriteWarning(warning);
        }

        WriteVerbose($"{plan.Title}: {report.Applied.Count} command(s) run, {report.Skipped.Count} already in place, {report.ProcessesStarted} process(es) started.");
        return inPlace;
    }

    /// <summary>
    /// Plans and applies one input now, under the host lock, from its own read of the kernel's
    /// state, and writes its result: the path of cmdlets whose inputs stand alone (a bridge, a
    /// router), so that one input's failure leaves the others done.
    /// </summary>
    /// <param name="planner">Makes the input's plan, and what to write once it is in place, from the state.</param>
    /// <param name="failed">Turns a failure of the apply into the cmdlet's own error, or null to keep it.</param>
    internal void ApplyNow(Func<KernelState, PlannedInput> planner, Func<CommandFailedException, VlanException?>? failed = null) =>
        ApplyInputs(new[] { planner }, string.Empty, string.Empty, failed);

    /// <summary>
    /// Queues one pipeline input, to be planned and applied together with the others by
    /// <see cref="ApplyQueued"/>. Whatever the planners carry from one input to the next (addresses
    /// taken, forwards planned) they capture themselves: they run in the order queued, on one state.
    /// </summary>
    /// <param name="planner">Makes the input's plan, and what to write once it is in place, from the state.</param>
    internal void Queue(Func<KernelState, PlannedInput> planner) => _queued.Add(planner);

    /// <summary>
    /// Makes the queued plans from one read of the kernel's state and applies them as one (see
    /// <see cref="ApplyAll"/>), then writes each input's result; an input whose plan cannot be made
    /// gets its error, the rest go on.
    /// </summary>
    /// <param name="verb">What is done to them, for the combined title, such as "Remove".</param>
    /// <param name="what">What the inputs are, plural, such as "port forwards".</param>
    protected void ApplyQueued(string verb, string what) => ApplyInputs(_queued, verb, what, null);

    /// <summary>Makes the DHCP planner of the host.</summary>
    /// <returns>The planner.</returns>
    internal static DhcpService DhcpPlanner() =>
        new(HostReaders.For(LanHost, new Docker(Runtime.Runner)), Runtime.Tools.Find, Runtime.Exists, Dnsmasq.ReadOrNull);

    /// <summary>
    /// Applies the queued inputs (<see cref="ApplyQueued"/>), then brings the names and static leases of
    /// the LANs' DHCP servers up to date with the appliances (Connect, Disconnect, Set): files written
    /// again and dnsmasq told with SIGHUP, never restarted. Its failures are warnings.
    /// </summary>
    /// <param name="verb">What is done to them.</param>
    /// <param name="what">What the inputs are, plural.</param>
    protected void ApplyQueuedUpdatingDhcp(string verb, string what)
    {
        ApplyQueued(verb, what);
        if (IsWhatIf || _queued.Count == 0 || !Dnsmasq.AnyFor(LanHost.Sandbox))
        {
            return;
        }

        GuardLocked(() =>
        {
            var state = Runtime.ReadState();
            var plan = DhcpPlanner().PlanRefresh(() => new ApplianceService(LanHost, new Docker(Runtime.Runner)).List(state), state);
            if (plan.Steps.Count > 0)
            {
                var report = Runtime.Executor.Apply(plan, state, WriteVerbose, StopToken);
                foreach (var warning in report.Warnings)
                {
                    WriteWarning(warning);
                }
            }
        });
    }

    private void ApplyInputs(IReadOnlyList<Func<KernelState, PlannedInput>> planners, string verb, string what, Func<CommandFailedException, VlanException?>? failed)
    {
        if (planners.Count == 0)
        {
            return;
        }

        GuardLocked(() =>
        {
            var state = Runtime.ReadState();
            var planned = new List<PlannedInput>();
            foreach (var planner in planners)
            {
                Guard(() => planned.Add(planner(state)));
            }

            if (planned.Count == 0)
            {
                return;
            }

            bool[] inPlace;
            try
            {
                inPlace = ApplyAll(planned.Select(p => p.Plan).ToArray(), state, planned.Count == 1 ? planned[0].Plan.Title : $"{verb} {planned.Count} {what}", LanHost.DisplayName);
            }
            catch (CommandFailedException e) when (failed?.Invoke(e) is { } mapped)
            {
                throw mapped;
            }

            for (var i = 0; i < planned.Count && !IsWhatIf; i++)
            {
                if (inPlace[i] && planned[i].Result?.Invoke(state) is { } result)
                {
                    WriteObject(result);
                }
            }
        });
    }

    /// <summary>
    /// Writes the objects a Get- cmdlet selects by name: all of them when no name is given; for each
    /// name (wildcards allowed, case ignored) those that match, each once; and for an exact name that
    /// matches none, what <paramref name="exact"/> finds outside the list (null: nothing), or the
    /// error it throws.
    /// </summary>
    /// <typeparam name="T">The objects' type.</typeparam>
    /// <param name="items">The objects to select from, in the order to write them.</param>
    /// <param name="names">The names asked for; empty for all.</param>
    /// <param name="nameOf">The name of an object.</param>
    /// <param name="exact">Finds an object by exact name outside the list (a bridge VirtualLan did not make), or throws the error that says why there is none.</param>
    protected void WriteSelected<T>(IReadOnlyList<T> items, IReadOnlyCollection<string> names, Func<T, string> nameOf, Func<string, T?> exact)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(nameOf);
        ArgumentNullException.ThrowIfNull(exact);
        if (names.Count == 0)
        {
            WriteObject(items, enumerateCollection: true);
            return;
        }

        var written = new HashSet<T>();
        foreach (var name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = items.Where(i => pattern.IsMatch(nameOf(i))).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                Guard(() =>
                {
                    if (exact(name) is { } found)
                    {
                        WriteObject(found);
                    }
                });
                continue;
            }

            WriteObject(matches.Where(written.Add), enumerateCollection: true);
        }
    }

    /// <summary>
    /// Runs a state-changing action under the host lock (from reading the state to applying the plan)
    /// and turns a core failure into an ErrorRecord.
    /// </summary>
    /// <param name="action">The action.</param>
    /// <param name="terminating">True to stop the pipeline on failure.</param>
    /// <returns>True when the action succeeded.</returns>
    protected bool GuardLocked(Action action, bool terminating = false) =>
        Guard(
            () =>
            {
                using var held = HostLock.Acquire(TimeSpan.FromSeconds(60));
                action();
            },
            terminating);

    /// <summary>Runs an action and turns a core failure into an ErrorRecord.</summary>
    /// <param name="action">The action.</param>
    /// <param name="terminating">True to stop the pipeline; false to write the error and go on with the next input.</param>
    /// <returns>True when the action succeeded.</returns>
    protected bool Guard(Action action, bool terminating = false)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            action();
            return true;
        }
        catch (VlanException e)
        {
            var record = ErrorRecords.From(e);
            if (terminating)
            {
                ThrowTerminatingError(record);
            }

            WriteError(record);
            return false;
        }
    }
}
