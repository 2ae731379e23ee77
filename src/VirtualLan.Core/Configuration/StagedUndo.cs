using VirtualLan.Execution;

namespace VirtualLan.Configuration;

/// <summary>
/// Undoes the stages of a sync applied before the one that failed (the executor has undone that
/// one already): every applied step's undo, the latest first, so a failure half-way leaves the LAN
/// as it was before the run.
/// </summary>
public static class StagedUndo
{
    /// <summary>Runs the undos.</summary>
    /// <param name="reports">The earlier stages' reports, in the order they ran.</param>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="log">Receives each command before it runs.</param>
    /// <param name="held">The namespaces the sync holds open across its stages (a deletion of one is mounted back), or null.</param>
    /// <returns>What failed, one text each; empty when all was undone.</returns>
    public static IReadOnlyList<string> Run(IEnumerable<ExecutionReport> reports, ICommandRunner runner, Action<string> log, Linux.NamespaceHold? held = null)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(log);
        var failures = new List<string>();
        foreach (var step in PlanExecutor.UndoOrder(reports.SelectMany(r => r.Applied)))
        {
            var undo = step.Undo;
            if (step.Operation is Operations.DeleteNamespace deleted && held?.PathOf(deleted.Name) is null)
            {
                // Its undo mounted the namespace its stage held open; that hold closed with the stage, and the kernel freed it.
                failures.Add($"the namespace {deleted.Name}, deleted by an earlier stage, is gone and cannot be made again");
                continue;
            }

            foreach (var command in undo)
            {
                log("undo: " + command);
                var result = runner.Run(command, null, CancellationToken.None);
                if (!result.Succeeded)
                {
                    failures.Add($"'{command}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
                }
            }
        }

        return failures;
    }
}
