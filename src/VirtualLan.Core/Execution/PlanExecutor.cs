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

    /// <summary>Applies the pending steps of a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">The kernel's state the plan was made from.</param>
    /// <param name="log">Receives each command line just before it runs.</param>
    /// <param name="cancellationToken">Checked between commands; when set, what was done is undone.</param>
    /// <param name="transaction">
    /// The plans applied before this one as part of the same change, or null: a failure undoes their
    /// steps too, after this plan's; on success this plan's steps are added to it.
    /// </param>
    /// <returns>What ran and what was skipped.</returns>
    /// <exception cref="CommandFailedException">A step failed; the exception says what the rollback did.</exception>
    /// <exception cref="VlanException">The operation was stopped (<see cref="ErrorIds.OperationStopped"/>) and rolled back.</exception>
    public ExecutionReport Apply(Plan plan, KernelState state, Action<string> log, CancellationToken cancellationToken, Transaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        var pending = Pending(plan, state);
        var skipped = plan.Steps.Except(pending).ToArray();

        // The steps of the transaction's earlier plans come first, so the rollback (in reverse) undoes
        // this plan's steps before theirs.
        var earlier = transaction?.Applied.Count ?? 0;
        var applied = new List<Step>(transaction?.Applied ?? Array.Empty<Step>());
        var warnings = new List<string>();
        var processes = 0;

        foreach (var group in Group(pending))
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

            processes++;
            var outcome = RunGroup(group, log);
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
                outcome.Failed, outcome.ExitCode, outcome.StandardError, undoneCommands, rollbackFailures, plan.Recovery, plan.Recovery is null ? 0 : applied.Count(s => s.Undo.Count == 0), Losses(applied));
        }

        state.Invalidate();
        var mine = applied.Skip(earlier).ToArray();
        transaction?.Add(mine);
        return new ExecutionReport(mine, skipped, processes, warnings);
    }

    /// <summary>What the undo of the given steps could not give back, one text per step that says so.</summary>
    private static IReadOnlyList<string> Losses(IEnumerable<Step> undone) =>
        undone.Where(s => s.UndoLoses is not null).Select(s => s.UndoLoses!).Reverse().ToArray();

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

        if (run[0].Channel != StepChannel.Firewall)
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
        && first.Namespace == next.Namespace;

    private GroupOutcome RunGroup(IReadOnlyList<Step> group, Action<string> log)
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
            var batch = NetworkHost.IpIn(first.Namespace, new[] { "-batch", "-" });
            var input = new StringBuilder();
            foreach (var step in group)
            {
                input.AppendJoin(' ', step.Arguments.Select(QuoteForIpBatch)).Append('\n');
            }

            var result = _runner.Run(batch, input.ToString(), CancellationToken.None);
            if (result.Succeeded)
            {
                return GroupOutcome.Success;
            }

            // ip -batch stops at the first failing line and names it as "Command failed -:N".
            var match = IpBatchFailure().Match(result.StandardError);
            var failedLine = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
            var index = Math.Clamp(failedLine - 1, 0, group.Count - 1);
            return new GroupOutcome(group[index].Command, index, result.ExitCode, result.StandardError);
        }

        var restore = NetworkHost.ExecIn(first.Namespace, "iptables-restore", new[] { "--noflush", "-w" });
        var restored = _runner.Run(restore, RestoreInput.Render(group.Select(s => (s.Table!, s.Arguments))), CancellationToken.None);

        // iptables-restore commits a table atomically, and a group holds one table, so on failure
        // none of the group was applied.
        return restored.Succeeded
            ? GroupOutcome.Success
            : new GroupOutcome(new CommandLine(restore.Program, restore.Arguments.Append("<<< " + string.Join(" | ", group.Select(s => string.Join(' ', s.Arguments))))), 0, restored.ExitCode, restored.StandardError);
    }

    private static string QuoteForIpBatch(string argument) =>
        argument.Length == 0 || argument.Any(c => char.IsWhiteSpace(c) || c == '"' || c == '\\') ? "\"" + argument.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : argument;

    [GeneratedRegex(@"Command failed -:(\d+)")]
    private static partial Regex IpBatchFailure();

    private sealed record GroupOutcome(CommandLine? Failed, int SucceededCount, int ExitCode, string StandardError)
    {
        public static GroupOutcome Success { get; } = new(null, 0, 0, string.Empty);
    }
}
