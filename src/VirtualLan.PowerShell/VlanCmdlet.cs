using System.Management.Automation;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan;

/// <summary>
/// What every VirtualLan cmdlet shares: the host it acts on, confirmation with the exact commands,
/// verbose output of each command, stopping with rollback, and turning failures into ErrorRecords.
/// </summary>
public abstract class VlanCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Func<KernelState, Plan>> _queued = new();

    /// <summary>Gets the namespace that plays the host: the sandbox of this session, or the machine's own.</summary>
    internal static NetworkHost Target => ModuleSession.Host;

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
    internal bool Apply(Plan plan, KernelState state) => ApplyAll(new[] { plan }, state, plan.Title, plan.Target)[0];

    /// <summary>
    /// Applies the plans of a whole pipeline's input as one: each is confirmed on its own (so
    /// -Confirm and -WhatIf speak of each input), and those confirmed go to the kernel together in
    /// as few batches as one plan would take (<see cref="PlanExecutor.Combine"/>). They succeed or
    /// fail together: when any step fails, every change made for any of them is undone.
    /// </summary>
    /// <param name="plans">The plans, one per input, made from the same state.</param>
    /// <param name="state">The kernel's state the plans were made from.</param>
    /// <param name="title">What they do together, for the verbose output and errors.</param>
    /// <param name="target">What they act on together.</param>
    /// <returns>For each plan, true when it is in place afterwards; false when declined or with -WhatIf.</returns>
    internal bool[] ApplyAll(IReadOnlyList<Plan> plans, KernelState state, string title, string target)
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

            var commands = string.Join(Environment.NewLine, pending.Select(s => "  " + s.Command));
            var description = $"{plans[i].Title} in {Target.DisplayName} by running {pending.Count} command(s):{Environment.NewLine}{commands}";
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

        var plan = PlanExecutor.Combine(title, target, confirmed, state);
        var report = Runtime.Executor.Apply(plan, state, WriteVerbose, _stopping.Token);
        foreach (var warning in report.Warnings)
        {
            WriteWarning(warning);
        }

        WriteVerbose($"{plan.Title}: {report.Applied.Count} command(s) run, {report.Skipped.Count} already in place, {report.ProcessesStarted} process(es) started.");
        return inPlace;
    }

    /// <summary>Queues the plan of one pipeline input, to be made and applied with the others by <see cref="ApplyQueued"/>.</summary>
    /// <param name="planner">Makes the plan from the state read once for all inputs.</param>
    protected void Queue(Func<KernelState, Plan> planner) => _queued.Add(planner);

    /// <summary>
    /// Makes the queued plans from one read of the kernel's state and applies them as one (see
    /// <see cref="ApplyAll"/>); an input whose plan cannot be made gets its error, the rest go on.
    /// </summary>
    /// <param name="verb">What is done to them, for the combined title, such as "Remove".</param>
    /// <param name="what">What the inputs are, plural, such as "port forwards".</param>
    protected void ApplyQueued(string verb, string what)
    {
        if (_queued.Count == 0)
        {
            return;
        }

        GuardLocked(() =>
        {
            var state = Runtime.ReadState();
            var plans = new List<Plan>();
            foreach (var planner in _queued)
            {
                Guard(() => plans.Add(planner(state)));
            }

            if (plans.Count > 0)
            {
                ApplyAll(plans, state, plans.Count == 1 ? plans[0].Title : $"{verb} {plans.Count} {what}", Target.DisplayName);
            }
        });
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
