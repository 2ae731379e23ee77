using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>
/// Runs groups of plan steps against the kernel. The executor decides the order, the grouping,
/// the skipping and the rollback; a backend only runs one group — steps of one channel and one
/// namespace (and table) — and says how far it got. Today's backend runs command lines
/// (<see cref="CommandLineBackend"/>); another can run the steps' typed operations
/// (<see cref="Step.Operation"/>) without touching the planners.
/// </summary>
public interface IKernelBackend
{
    /// <summary>Tells whether a step may go to the same group as the group's first step.</summary>
    /// <param name="first">The group's first step.</param>
    /// <param name="next">The step that would join it.</param>
    /// <returns>True when they can run as one batch.</returns>
    bool CanBatch(Step first, Step next);

    /// <summary>Tells whether running a group that starts with this step starts a process (the count reported to the user).</summary>
    /// <param name="first">The group's first step.</param>
    /// <returns>True when the group runs as a program.</returns>
    bool StartsProcess(Step first);

    /// <summary>Runs a group of steps, stopping at the first that fails.</summary>
    /// <param name="group">The steps, in order: one step, or several of one channel and namespace.</param>
    /// <param name="state">The kernel's state the plan was made from.</param>
    /// <returns>What happened: success, or the failing command with how many steps before it took effect.</returns>
    BatchOutcome Run(IReadOnlyList<Step> group, KernelState state);
}
