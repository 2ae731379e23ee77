using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>
/// Applies plans: skips the steps already in place, runs the rest (one by one, or batched by
/// channel), and when a step fails undoes the steps applied before it in reverse order.
/// </summary>
public sealed partial class PlanExecutor
{
    private readonly ICommandRunner _runner;
    private readonly bool _batch;

    /// <summary>Initializes a new instance of the <see cref="PlanExecutor"/> class.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="batch">
    /// True to hand runs of consecutive link steps to one <c>ip -batch</c> and runs of firewall steps to
    /// one <c>iptables-restore --noflush -w</c> per namespace and table; false to run every step on its own.
    /// </param>
    public PlanExecutor(ICommandRunner runner, bool batch)
    {
        _runner = runner;
        _batch = batch;
    }

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
    /// <param name="target">What they act on together.</param>
    /// <param name="plans">The plans, made from the same state.</param>
    /// <param name="state">The kernel's state the plans were made from.</param>
    /// <returns>The combined plan of the pending steps.</returns>
    public static Plan Combine(string title, string target, IReadOnlyList<Plan> plans, KernelState state)
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
                var identity = $"{step.Channel}|{step.Namespace}|{step.Table}|{step.Command}";
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
        // A link deletion nothing waits for is held back to the end, where all of them make one
        // atomic link group deletion whose undo is never needed (see Apply).
        var free = new SortedSet<int>();
        var freeByBatch = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        var heldBack = new List<int>();
        void Free(int n)
        {
            if (successors[n].Count == 0 && IsLinkDelete(nodes[n]))
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
        return new Plan(title, target, steps, recoveries.Length == 0 ? null : string.Join(" ", recoveries));
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
    public ExecutionReport Apply(Plan plan, KernelState state, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        var pending = Pending(plan, state);
        var skipped = plan.Steps.Except(pending).ToArray();
        pending = RulePositions.Place(pending, state);

        var applied = new List<Step>();
        var warnings = new List<string>();
        var processes = 0;

        var groups = Group(pending).ToArray();
        var lastDeletions = AtomicLastDeletions(groups);
        foreach (var group in groups)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                var (undone, failures) = Rollback(applied, log, ref processes);
                var losses = Losses(applied);
                throw new VlanException(
                    ErrorIds.OperationStopped,
                    VlanErrorKind.Stopped,
                    plan.Target,
                    (failures.Count == 0
                        ? $"'{plan.Title}' was stopped; the {undone.Count} change(s) made were undone."
                        : $"'{plan.Title}' was stopped and undoing it failed: {string.Join("; ", failures)}.")
                    + (losses.Count == 0 ? string.Empty : " Not everything could be put back as it was: " + string.Join("; ", losses) + "."));
            }

            // Undos worked out from the state are worked out now, before the group changes it; the
            // plan's last, atomic, link deletions never need theirs (if they fail, none was done).
            foreach (var step in group.Where(s => s.UndoPending && !lastDeletions.Contains(s)))
            {
                _ = step.Undo;
            }

            processes++;
            var outcome = RunGroup(group, log, state);
            if (outcome.Failed is null)
            {
                applied.AddRange(group);
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

    /// <summary>What the undo of the given steps could not give back, one text per step that says so.</summary>
    private static IReadOnlyList<string> Losses(IEnumerable<Step> undone) =>
        undone.Where(s => s.UndoLoses is not null).Select(s => s.UndoLoses!).Reverse().ToArray();

    /// <summary>
    /// The link deletions that end the plan and go to the kernel as one atomic operation: the last
    /// group when it is a single deletion, or the run of deletions that ends the last ip -batch
    /// (one link group deletion, see <see cref="RunIpBatch"/>).
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
        for (var i = applied.Count - 1; i >= 0; i--)
        {
            foreach (var undo in applied[i].Undo)
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

    private static bool SameBatch(Step first, Step next) =>
        first.Channel == next.Channel
        && first.WhenFailing is null && next.WhenFailing is null
        && first.Channel != StepChannel.Program
        && first.Namespace == next.Namespace
        && (first.Channel != StepChannel.Link || (IpBatch.CanExpress(first.Arguments) && IpBatch.CanExpress(next.Arguments)));

    private GroupOutcome RunGroup(IReadOnlyList<Step> group, Action<string> log, KernelState state)
    {
        foreach (var step in group)
        {
            log(step.Command.ToString());
        }

        if (group.Count == 1)
        {
            var single = _runner.Run(group[0].Command, null, CancellationToken.None);
            return single.Succeeded
                ? GroupOutcome.Success
                : new GroupOutcome(group[0].Command, 0, single.ExitCode, single.StandardError);
        }

        var first = group[0];
        if (first.Channel == StepChannel.Link)
        {
            return RunIpBatch(group, state);
        }

        var restore = NetworkHost.ExecIn(first.Namespace, first.Channel == StepChannel.Firewall6 ? "ip6tables-restore" : "iptables-restore", new[] { "--noflush", "-w" });
        var restored = _runner.Run(restore, RestoreInput.Render(group.Select(s => (s.Table!, s.Arguments))), CancellationToken.None);

        // iptables-restore commits a table atomically, and a group holds one table, so on failure
        // none of the group was applied.
        return restored.Succeeded
            ? GroupOutcome.Success
            : new GroupOutcome(new CommandLine(restore.Program, restore.Arguments.Append("<<< " + string.Join(" | ", group.Select(s => string.Join(' ', s.Arguments))))), 0, restored.ExitCode, restored.StandardError);
    }

    /// <summary>
    /// Sends link steps to one ip -batch. A run of two or more link deletions becomes one deletion
    /// of a link group: the links are put in a group no link of the namespace uses, and
    /// <c>link del group N</c> removes them in one kernel operation. Deleting links one by one waits
    /// for the kernel to settle after each (about 20 ms a veth here); a group waits once.
    /// </summary>
    private GroupOutcome RunIpBatch(IReadOnlyList<Step> group, KernelState state)
    {
        var first = group[0];
        var lines = new List<(string Text, int Step)>();
        int? groupNumber = null;
        for (var i = 0; i < group.Count; i++)
        {
            var run = 0;
            while (i + run < group.Count && IsLinkDelete(group[i + run]))
            {
                run++;
            }

            if (run >= 2)
            {
                groupNumber ??= FreeLinkGroup(first.Namespace, state);
                for (var k = 0; k < run; k++)
                {
                    lines.Add(($"link set dev {IpBatch.Quote(group[i + k].Arguments[2])} group {groupNumber}", i + k));
                }

                lines.Add(($"link del group {groupNumber}", i + run - 1));
                i += run - 1;
                continue;
            }

            lines.Add((string.Join(' ', group[i].Arguments.Select(IpBatch.Quote)), i));
        }

        var batch = NetworkHost.IpIn(first.Namespace, new[] { "-batch", "-" });
        var result = _runner.Run(batch, string.Concat(lines.Select(l => l.Text + "\n")), CancellationToken.None);
        if (result.Succeeded)
        {
            return GroupOutcome.Success;
        }

        // ip -batch stops at the first failing line and names it as "Command failed -:N".
        var match = IpBatchFailure().Match(result.StandardError);
        if (!match.Success)
        {
            return ProgressReadBack(group, lines, groupNumber, batch, state, result);
        }

        var failedLine = Math.Clamp(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) - 1, 0, lines.Count - 1);
        var failedStep = lines[failedLine].Step;
        var succeeded = failedStep;

        // A deletion is only done when its group was deleted. When the failure came before the
        // group's deletion line, the links put in the group by the lines before it are still there:
        // they go back to the group they had, and none of that run's deletions counts as done.
        var regrouped = new List<Step>();
        if (groupNumber is { } number)
        {
            var deleteLine = lines.FindIndex(failedLine, l => l.Text == $"link del group {number}");
            var runStart = failedLine;
            while (runStart > 0 && lines[runStart - 1].Text.StartsWith("link set dev ", StringComparison.Ordinal) && lines[runStart - 1].Text.EndsWith($" group {number}", StringComparison.Ordinal))
            {
                runStart--;
            }

            var failedInRun = deleteLine >= 0 && lines.Skip(runStart).Take(deleteLine - runStart).All(l => l.Text.EndsWith($" group {number}", StringComparison.Ordinal));
            if (failedInRun)
            {
                regrouped.AddRange(lines.Skip(runStart).Take(failedLine - runStart).Select(l => group[l.Step]));
                succeeded = Math.Min(succeeded, lines[runStart].Step);
            }
        }

        if (regrouped.Count > 0)
        {
            var back = string.Concat(regrouped.Select(s => $"link set dev {IpBatch.Quote(s.Arguments[2])} group {IpBatch.Quote(state.Links(first.Namespace).Link(s.Arguments[2])?.Group ?? "default")}\n"));
            _runner.Run(batch, back, CancellationToken.None);
        }

        return new GroupOutcome(group[failedStep].Command, succeeded, result.ExitCode, result.StandardError);
    }

    /// <summary>
    /// Works out how far an ip -batch got when it ended without naming the line that failed: it
    /// exits at once on a line it cannot parse (an unterminated quote, a value it does not take),
    /// after the lines before it ran. The kernel is read again and every step asked whether it is in
    /// place; ip runs the lines in order, so every step up to the last one in place ran, and a step
    /// after it whose effect cannot be read counts as run (its undo puts back what it changed, and
    /// does nothing harmful when it did not run). Links the batch put in its deletion group but did
    /// not delete go back to the group they had.
    /// </summary>
    private GroupOutcome ProgressReadBack(IReadOnlyList<Step> group, List<(string Text, int Step)> lines, int? groupNumber, CommandLine batch, KernelState state, CommandResult result)
    {
        var namespaceName = group[0].Namespace;
        var oldGroups = group.Where(IsLinkDelete)
            .Select(s => s.Arguments[2])
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(n => n, n => state.Links(namespaceName).Link(n)?.Group ?? "default", StringComparer.Ordinal);
        state.Invalidate();
        var done = group.Select(s => s.IsDone?.Invoke(state)).ToArray();
        var succeeded = Array.FindLastIndex(done, d => d == true) + 1;
        var uncertain = new List<Step>();
        while (succeeded < group.Count && done[succeeded] is null)
        {
            uncertain.Add(group[succeeded]);
            succeeded++;
        }

        if (groupNumber is { } number)
        {
            var mark = number.ToString(CultureInfo.InvariantCulture);
            var stranded = state.Links(namespaceName).Links.Where(l => l.Group == mark && oldGroups.ContainsKey(l.Name)).ToArray();
            if (stranded.Length > 0)
            {
                _runner.Run(batch, string.Concat(stranded.Select(l => $"link set dev {IpBatch.Quote(l.Name)} group {IpBatch.Quote(oldGroups[l.Name])}\n")), CancellationToken.None);
            }
        }

        var shown = new CommandLine(batch.Program, batch.Arguments.Append("<<< " + string.Join(" | ", lines.Select(l => l.Text))));
        var note = "ip did not name the line that failed, so how far it got was read back from the kernel"
            + (uncertain.Count == 0
                ? "."
                : $"; whether these ran cannot be read back, so they were treated as run (and undone where they have an undo): {string.Join("; ", uncertain.Select(s => s.Command.ToString()))}.");
        return new GroupOutcome(shown, succeeded, result.ExitCode, result.StandardError, note);
    }

    private static bool IsLinkDelete(Step step) =>
        step.Arguments.Count == 3 && step.Arguments[0] == "link" && step.Arguments[1] is "del" or "delete";

    /// <summary>Picks a link group that no link of the namespace is in, so deleting it deletes only the links put there.</summary>
    private static int FreeLinkGroup(string? namespaceName, KernelState state)
    {
        var used = state.Links(namespaceName).Links.Select(l => l.Group).ToHashSet(StringComparer.Ordinal);
        var candidate = LinkGroupBase;
        while (used.Contains(candidate.ToString(CultureInfo.InvariantCulture)))
        {
            candidate++;
        }

        return candidate;
    }

    /// <summary>The first link group the module uses to delete links in bulk ("VL", 0x564C); the next one is taken if it is in use.</summary>
    private const int LinkGroupBase = 0x564C;

    [GeneratedRegex(@"Command failed -:(\d+)")]
    private static partial Regex IpBatchFailure();

    private sealed record GroupOutcome(CommandLine? Failed, int SucceededCount, int ExitCode, string StandardError, string? Note = null)
    {
        public static GroupOutcome Success { get; } = new(null, 0, 0, string.Empty);
    }
}
