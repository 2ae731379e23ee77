using System.Globalization;
using System.Text.RegularExpressions;
using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>
/// The backend that runs steps as command lines: a link group as one <c>ip -batch</c>, a firewall
/// group as one <c>iptables-restore --noflush</c> transaction (<c>ip6tables-restore</c> for IPv6),
/// anything else as its own command.
/// </summary>
public sealed partial class CommandLineBackend : IKernelBackend
{
    /// <summary>The first link group the module uses to delete links in bulk ("VL", 0x564C); the next one is taken if it is in use.</summary>
    private const int LinkGroupBase = 0x564C;

    private readonly ICommandRunner _runner;

    /// <summary>Initializes a new instance of the <see cref="CommandLineBackend"/> class.</summary>
    /// <param name="runner">Runs the commands.</param>
    public CommandLineBackend(ICommandRunner runner)
    {
        _runner = runner;
    }

    /// <inheritdoc />
    public bool CanBatch(Step first, Step next)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(next);
        return first.Channel != StepChannel.Link || (IpBatch.CanExpress(first.Arguments) && IpBatch.CanExpress(next.Arguments));
    }

    /// <inheritdoc />
    public bool StartsProcess(Step first) => true;

    /// <inheritdoc />
    public BatchOutcome Run(IReadOnlyList<Step> group, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count == 1)
        {
            var single = _runner.Run(group[0].Command, group[0].StandardInput, CancellationToken.None);
            return single.Succeeded
                ? BatchOutcome.Success
                : new BatchOutcome(group[0].Command, 0, single.ExitCode, single.StandardError);
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
            ? BatchOutcome.Success
            : new BatchOutcome(new CommandLine(restore.Program, restore.Arguments.Append("<<< " + string.Join(" | ", group.Select(s => string.Join(' ', s.Arguments))))), 0, restored.ExitCode, restored.StandardError);
    }

    /// <summary>
    /// Sends link steps to one ip -batch. A run of two or more link deletions becomes one deletion
    /// of a link group: the links are put in a group no link of the namespace uses, and
    /// <c>link del group N</c> removes them in one kernel operation. Deleting links one by one waits
    /// for the kernel to settle after each (about 20 ms a veth here); a group waits once.
    /// </summary>
    private BatchOutcome RunIpBatch(IReadOnlyList<Step> group, KernelState state)
    {
        var first = group[0];
        var lines = new List<(string Text, int Step)>();
        int? groupNumber = null;
        for (var i = 0; i < group.Count; i++)
        {
            var run = 0;
            while (i + run < group.Count && PlanExecutor.IsLinkDelete(group[i + run]))
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
            return BatchOutcome.Success;
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

        return new BatchOutcome(group[failedStep].Command, succeeded, result.ExitCode, result.StandardError);
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
    private BatchOutcome ProgressReadBack(IReadOnlyList<Step> group, List<(string Text, int Step)> lines, int? groupNumber, CommandLine batch, KernelState state, CommandResult result)
    {
        var namespaceName = group[0].Namespace;
        var oldGroups = group.Where(PlanExecutor.IsLinkDelete)
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
        return new BatchOutcome(shown, succeeded, result.ExitCode, result.StandardError, note);
    }

    /// <summary>Picks a link group that no link of the namespace is in, so deleting it deletes only the links put there.</summary>
    private static int FreeLinkGroup(NetNamespace namespaceName, KernelState state)
    {
        var used = state.Links(namespaceName).Links.Select(l => l.Group).ToHashSet(StringComparer.Ordinal);
        var candidate = LinkGroupBase;
        while (used.Contains(candidate.ToString(CultureInfo.InvariantCulture)))
        {
            candidate++;
        }

        return candidate;
    }

    [GeneratedRegex(@"Command failed -:(\d+)")]
    private static partial Regex IpBatchFailure();
}
