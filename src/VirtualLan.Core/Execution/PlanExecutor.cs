using System.Globalization;
using System.Text;
using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>
/// Applies plans: skips the steps already in place, runs the rest (one by one, or batched by
/// channel), and when a step fails undoes the steps applied before it in reverse order.
/// </summary>
public sealed class PlanExecutor
{
    private readonly ICommandRunner _runner;
    private readonly IKernelBackend _backend;
    private readonly bool _batch;

    /// <summary>Initializes a new instance of the <see cref="PlanExecutor"/> class.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="batch">
    /// True to hand runs of consecutive link steps to one <c>ip -batch</c> and runs of firewall steps to
    /// one <c>iptables-restore --noflush -w</c> per namespace and table; false to run every step on its own.
    /// </param>
    public PlanExecutor(ICommandRunner runner, bool batch)
        : this(new CommandLineBackend(runner), runner, batch)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PlanExecutor"/> class with a backend of its own.</summary>
    /// <param name="backend">Runs the groups of steps: one batch per namespace and channel.</param>
    /// <param name="runner">Runs the undo commands of a rollback.</param>
    /// <param name="batch">True to group consecutive steps of one channel and namespace; false to hand the backend one step at a time.</param>
    public PlanExecutor(IKernelBackend backend, ICommandRunner runner, bool batch)
    {
        _backend = backend;
        _runner = runner;
        _batch = batch;
    }

    /// <summary>
    /// Gets or sets what runs right after each command of a plan has succeeded, before the next one:
    /// the crash tests' hook (<c>VIRTUALLAN_TEST_KILL_AFTER</c>, armed only inside a sandbox), null otherwise.
    /// </summary>
    public Action? AfterCommand { get; set; }

    /// <summary>Returns the steps of a plan that are not yet in place.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The pending steps in order.</returns>
    public static IReadOnlyList<Step> Pending(Plan plan, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Steps.Where(s => s.IsDone is null || !s.IsDone(state)).ToArray();
    }

    /// <summary>
    /// Makes one plan of many (the plans of one pipeline's input), so that the kernel work goes out
    /// in as few batches as one plan would need. The result is an order of all pending steps that
    /// keeps every plan's own order; among the steps free to go next, one of the batch that is being
    /// filled (same channel and namespace) is preferred, else the one that comes first by plan and
    /// position. A step that several plans share (the same command, such as creating a common chain,
    /// or deleting a link group) runs once, after everything that precedes it in any plan. Should
    /// the plans order shared steps differently, the plans run one after the other instead.
    /// </summary>
    /// <param name="title">What the plans do together.</param>
    /// <param name="scope">What they act on together.</param>
    /// <param name="plans">The plans, made from the same state.</param>
    /// <param name="state">The kernel's state the plans were made from.</param>
    /// <returns>The combined plan of the pending steps.</returns>
    public static Plan Combine(string title, string scope, IReadOnlyList<Plan> plans, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(plans);
        if (plans.Count == 1)
        {
            return plans[0];
        }

        // One node per distinct step; edges from each step to the next of the same plan.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodes = new List<Step>();
        var successors = new List<HashSet<int>>();
        var waitingFor = new List<int>();
        foreach (var plan in plans)
        {
            var previous = -1;
            foreach (var step in Pending(plan, state))
            {
                var identity = Identity(step);
                if (!index.TryGetValue(identity, out var node))
                {
                    node = nodes.Count;
                    index[identity] = node;
                    nodes.Add(step);
                    successors.Add(new HashSet<int>());
                    waitingFor.Add(0);
                }

                if (previous >= 0 && previous != node && successors[previous].Add(node))
                {
                    waitingFor[node]++;
                }

                previous = node;
            }
        }

        // Nodes are numbered in plan-then-position order, so the lowest free number comes first.
        // A link deletion that only link deletions follow (a plan that ends by deleting links) is
        // held back to the end, where all of them make one atomic link group deletion whose undo
        // is never needed (see Apply).
        var tail = TailDeletions(nodes, successors);
        var free = new SortedSet<int>();
        var freeByBatch = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        var heldBack = new List<int>();
        void Free(int n)
        {
            if (tail[n])
            {
                heldBack.Add(n);
                return;
            }

            free.Add(n);
            Bucket(freeByBatch, BatchKey(nodes[n])).Add(n);
        }

        foreach (var n in Enumerable.Range(0, nodes.Count).Where(n => waitingFor[n] == 0))
        {
            Free(n);
        }

        var ordered = new List<Step>(nodes.Count);
        string? filling = null;
        while (free.Count > 0 || heldBack.Count > 0)
        {
            if (free.Count == 0)
            {
                foreach (var n in heldBack)
                {
                    free.Add(n);
                    Bucket(freeByBatch, BatchKey(nodes[n])).Add(n);
                }

                heldBack.Clear();
            }

            var next = filling is not null && freeByBatch.TryGetValue(filling, out var same) && same.Count > 0 ? same.Min : free.Min;
            free.Remove(next);
            filling = BatchKey(nodes[next]);
            freeByBatch[filling].Remove(next);
            ordered.Add(nodes[next]);
            foreach (var successor in successors[next])
            {
                if (--waitingFor[successor] == 0)
                {
                    Free(successor);
                }
            }
        }

        var steps = ordered.Count == nodes.Count
            ? ordered
            : nodes; // shared steps in different orders: a cycle; first appearance order runs plan after plan
        var recoveries = plans.Select(p => p.Recovery).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        return new Plan(title, scope, steps, recoveries.Length == 0 ? null : string.Join(" ", recoveries));
    }

    /// <summary>
    /// Marks the link deletions that only link deletions follow in any plan: a deletion whose
    /// successors are all such deletions, or none. A deletion on a cycle (plans that order shared
    /// steps differently) is not marked; Combine then runs plan after plan anyway.
    /// </summary>
    private static bool[] TailDeletions(List<Step> nodes, List<HashSet<int>> successors)
    {
        var tail = new bool?[nodes.Count];
        bool IsTail(int n)
        {
            if (tail[n] is { } known)
            {
                return known;
            }

            tail[n] = false;
            var result = IsLinkDelete(nodes[n]) && successors[n].All(IsTail);
            tail[n] = result;
            return result;
        }

        return Enumerable.Range(0, nodes.Count).Select(IsTail).ToArray();
    }

    /// <summary>What makes two steps the same step (<see cref="Combine"/> runs such a step once): its channel, namespace, table and command.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The identity.</returns>
    public static string Identity(Step step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return $"{step.Channel}|{step.Namespace}|{step.Table}|{step.Command}";
    }

    private static SortedSet<int> Bucket(Dictionary<string, SortedSet<int>> buckets, string key)
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            buckets[key] = bucket = new SortedSet<int>();
        }

        return bucket;
    }

    private static string BatchKey(Step step) =>
        step.Channel == StepChannel.Program || step.WhenFailing is not null
            ? $"{step.Channel}|{step.Command}"
            : $"{step.Channel}|{step.Namespace}";

    /// <summary>Applies the pending steps of a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">The kernel's state the plan was made from.</param>
    /// <param name="log">Receives each command line just before it runs.</param>
    /// <param name="cancellationToken">Checked between commands; when set, what was done is undone.</param>
    /// <returns>What ran and what was skipped.</returns>
    /// <exception cref="CommandFailedException">A step failed; the exception says what the rollback did.</exception>
    /// <exception cref="VlanException">The operation was stopped (<see cref="ErrorIds.OperationStopped"/>) and rolled back.</exception>
    public ExecutionReport Apply(Plan plan, KernelState state, Action<string> log, CancellationToken cancellationToken) =>
        Apply(plan, state, log, null, cancellationToken);

    /// <summary>Applies the pending steps of a plan, with namespaces the caller holds open across several plans.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">The kernel's state the plan was made from.</param>
    /// <param name="log">Receives each command line just before it runs.</param>
    /// <param name="held">
    /// Namespaces the caller keeps open until after a later plan (a staged sync): a deletion of one of
    /// them stays undoable, by the commands in the report, for as long as the caller holds it. Null:
    /// the executor holds what the plan deletes for the plan's own run.
    /// </param>
    /// <param name="cancellationToken">Checked between commands; when set, what was done is undone.</param>
    /// <returns>What ran and what was skipped.</returns>
    /// <exception cref="CommandFailedException">A step failed; the exception says what the rollback did.</exception>
    /// <exception cref="VlanException">The operation was stopped (<see cref="ErrorIds.OperationStopped"/>) and rolled back.</exception>
    public ExecutionReport Apply(Plan plan, KernelState state, Action<string> log, NamespaceHold? held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        var pending = Pending(plan, state);
        var skipped = plan.Steps.Except(pending).ToArray();
        pending = RulePositions.Place(pending, state);

        // The namespaces the plan deletes stay alive, held by this process, until it ends: a
        // deletion is undone by mounting the namespace back on its name, and a planner may delete a
        // name before the links in it (their undo then never needs to read them).
        using var hold = NamespaceHold.Open(pending.Select(s => s.Operation).OfType<Operations.DeleteNamespace>().Select(d => d.Name).Where(n => held?.PathOf(n) is null).Distinct(StringComparer.Ordinal));
        pending = pending.Select(s => s.Operation is Operations.DeleteNamespace d ? s.WithUndo(held?.Remount(d.Name) ?? hold.Remount(d.Name) ?? throw NotHeld(plan, d.Name)) : s).ToArray();

        var applied = new List<Step>();
        var warnings = new List<string>();
        var processes = 0;

        var groups = Group(pending).ToArray();
        // A caller that holds namespaces across plans may undo this one after it succeeded: then every undo is worked out.
        var lastDeletions = held is null ? AtomicLastDeletions(groups) : new HashSet<Step>();
        foreach (var group in groups)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                var (undone, failures) = Rollback(applied, log, ref processes);
                var losses = Losses(applied);
                throw new VlanException(
                    ErrorIds.OperationStopped,
                    VlanErrorKind.Stopped,
                    plan.Scope,
                    (failures.Count == 0
                        ? $"'{plan.Title}' was stopped; the {undone.Count} change(s) made were undone."
                        : $"'{plan.Title}' was stopped and undoing it failed: {string.Join("; ", failures)}.")
                    + (losses.Count == 0 ? string.Empty : " Not everything could be put back as it was: " + string.Join("; ", losses) + "."));
            }

            // Undos worked out from the state are worked out now, before the group changes it; the
            // plan's last, atomic, link deletions never need theirs (if they fail, none was done).
            // Before the first namespace deletion, those of every later step are: once a name is
            // gone, what is in that namespace can no longer be read by it.
            var working = group.Any(s => s.Operation is Operations.DeleteNamespace) ? groups.SkipWhile(g => g != group).SelectMany(g => g) : group;
            foreach (var step in working.Where(s => s.UndoPending && !lastDeletions.Contains(s)))
            {
                _ = step.Undo;
            }

            processes += _backend.StartsProcess(group[0]) ? 1 : 0;
            var outcome = RunGroup(group, log, state);
            if (outcome.Failed is null)
            {
                applied.AddRange(group);
                AfterCommand?.Invoke();
                continue;
            }

            if (group.Count == 1 && group[0].WhenFailing is { } warning)
            {
                // An empty warning marks a step whose failure means nothing to the user (nothing to flush).
                if (warning.Length > 0)
                {
                    warnings.Add($"{warning} ({outcome.StandardError.Trim()})");
                }

                continue;
            }

            applied.AddRange(group.Take(outcome.SucceededCount));
            var (undoneCommands, rollbackFailures) = Rollback(applied, log, ref processes);
            throw new CommandFailedException(
                outcome.Failed, outcome.ExitCode, outcome.StandardError, undoneCommands, rollbackFailures, plan.Recovery, plan.Recovery is null ? 0 : applied.Count(s => s.Undo.Count == 0), Losses(applied), outcome.Note);
        }

        state.Invalidate();

        return new ExecutionReport(applied, skipped, processes, warnings);
    }

    private static VlanException NotHeld(Plan plan, string name) => new(
        ErrorIds.NamespaceNotHeld,
        VlanErrorKind.InvalidOperation,
        name,
        $"'{plan.Title}' changed nothing: the namespace {name} could not be opened to hold it while it is deleted (is /run/netns/{name} still there?). Run the command again; Get-VlanAppliance shows what is left.");

    /// <summary>What the undo of the given steps could not give back, one text per step that says so.</summary>
    private static IReadOnlyList<string> Losses(IEnumerable<Step> undone) =>
        undone.Where(s => s.UndoLoses is not null).Select(s => s.UndoLoses!).Reverse().ToArray();

    /// <summary>
    /// The link deletions that end the plan and go to the kernel as one atomic operation: the last
    /// group when it is a single deletion, or the run of deletions that ends the last ip -batch
    /// (one link group deletion, see <see cref="CommandLineBackend"/>).
    /// </summary>
    private HashSet<Step> AtomicLastDeletions(IReadOnlyList<IReadOnlyList<Step>> groups)
    {
        var last = groups.Count == 0 ? Array.Empty<Step>() : groups[^1];
        var run = last.Reverse().TakeWhile(IsLinkDelete).ToArray();
        return run.Length == last.Count || (_batch && run.Length >= 2)
            ? run.ToHashSet()
            : new HashSet<Step>();
    }

    private (IReadOnlyList<CommandLine> Undone, IReadOnlyList<string> Failures) Rollback(List<Step> applied, Action<string> log, ref int processes)
    {
        var undone = new List<CommandLine>();
        var failures = new List<string>();

        foreach (var step in UndoOrder(applied))
        {
            foreach (var undo in step.Undo)
            {
                log("undo: " + undo);
                processes++;
                var result = _runner.Run(undo, null, CancellationToken.None);
                undone.Add(undo);
                if (!result.Succeeded)
                {
                    failures.Add($"'{undo}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
                }
            }
        }

        return (undone, failures);
    }

    /// <summary>
    /// The order in which applied steps are undone: namespaces deleted by name come back first
    /// (mounted from the hold), since the undos of the steps after their deletion may act in them by
    /// name and nothing after a deletion can have used the name; then the rest, latest first.
    /// </summary>
    /// <param name="applied">The steps in the order they ran.</param>
    /// <returns>The steps in the order to undo them.</returns>
    public static IReadOnlyList<Step> UndoOrder(IEnumerable<Step> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var latestFirst = applied.Reverse().ToArray();
        return latestFirst.Where(s => s.Operation is Operations.DeleteNamespace).Concat(latestFirst.Where(s => s.Operation is not Operations.DeleteNamespace)).ToArray();
    }

    private IEnumerable<IReadOnlyList<Step>> Group(IReadOnlyList<Step> steps)
    {
        var current = new List<Step>();
        foreach (var step in steps)
        {
            if (current.Count > 0 && !(_batch && SameBatch(current[0], step)))
            {
                foreach (var group in Split(current))
                {
                    yield return group;
                }

                current = new List<Step>();
            }

            current.Add(step);
        }

        foreach (var group in Split(current))
        {
            yield return group;
        }
    }

    /// <summary>
    /// Splits a run of firewall steps into one transaction per table, in the order the tables first
    /// appear: iptables-restore commits each table on its own, so a failure in a later table leaves
    /// the earlier ones applied, and only one table per call keeps "applied" exact for the rollback.
    /// Rules of different tables do not depend on each other, so the order within each table is all
    /// that must hold.
    /// </summary>
    private static IEnumerable<IReadOnlyList<Step>> Split(List<Step> run)
    {
        if (run.Count == 0)
        {
            yield break;
        }

        if (run[0].Channel is not (StepChannel.Firewall or StepChannel.Firewall6))
        {
            yield return run;
            yield break;
        }

        foreach (var table in run.Select(s => s.Table).Distinct())
        {
            yield return run.Where(s => s.Table == table).ToArray();
        }
    }

    private bool SameBatch(Step first, Step next) =>
        first.Channel == next.Channel
        && first.WhenFailing is null && next.WhenFailing is null
        && first.Channel != StepChannel.Program
        && first.Namespace == next.Namespace
        && _backend.CanBatch(first, next);

    private BatchOutcome RunGroup(IReadOnlyList<Step> group, Action<string> log, KernelState state)
    {
        foreach (var step in group)
        {
            log(step.Shown);
        }

        return _backend.Run(group, state);
    }

    /// <summary>Tells whether a step deletes one link (<c>ip link del NAME</c>).</summary>
    /// <param name="step">The step.</param>
    /// <returns>True for a link deletion.</returns>
    internal static bool IsLinkDelete(Step step) =>
        step.Arguments.Count == 3 && step.Arguments[0] == "link" && step.Arguments[1] is "del" or "delete";
}
