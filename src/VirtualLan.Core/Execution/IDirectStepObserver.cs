namespace VirtualLan.Execution;

/// <summary>
/// Sees the steps a backend makes without starting a process (over netlink): a runner that also
/// implements this is told of each such step just before it is made, as it is told of the commands
/// it runs, and may have it fail as if the kernel had refused it (the fault-injection tests).
/// </summary>
public interface IDirectStepObserver
{
    /// <summary>Called before a step is made directly.</summary>
    /// <param name="step">The step; its <see cref="Step.Command"/> is the equivalent command line.</param>
    /// <returns>Null to make it; else the step fails, unmade, with this text as what the kernel said.</returns>
    string? BeforeDirect(Step step);
}
