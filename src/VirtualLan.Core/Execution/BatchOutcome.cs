namespace VirtualLan.Execution;

/// <summary>What running one group of steps did.</summary>
/// <param name="Failed">The command that failed, or null when the group succeeded.</param>
/// <param name="SucceededCount">How many steps from the start took effect before the failure.</param>
/// <param name="ExitCode">The failing command's exit code.</param>
/// <param name="StandardError">What it wrote to standard error.</param>
/// <param name="Note">What the error should add about how far the group got, or null.</param>
public sealed record BatchOutcome(CommandLine? Failed, int SucceededCount, int ExitCode, string StandardError, string? Note = null)
{
    /// <summary>Gets the outcome of a group that succeeded.</summary>
    public static BatchOutcome Success { get; } = new(null, 0, 0, string.Empty);
}
