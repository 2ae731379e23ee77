using VirtualLan.Execution;

namespace VirtualLan;

/// <summary>
/// An external command failed while a plan was applied. It names the command, its exit code and
/// its standard error, and reports what the rollback did.
/// </summary>
public sealed class CommandFailedException : VlanException
{
    /// <summary>Initializes a new instance of the <see cref="CommandFailedException"/> class.</summary>
    /// <param name="command">The command line that failed.</param>
    /// <param name="exitCode">Its exit code.</param>
    /// <param name="standardError">What it wrote to standard error.</param>
    /// <param name="undone">The commands run to undo the steps applied before the failure.</param>
    /// <param name="rollbackFailures">The undo commands that themselves failed; empty when the rollback is complete.</param>
    /// <param name="recovery">What to do by hand, added to the message, or null.</param>
    /// <param name="kept">How many changes made before the failure have no undo and remain (teardown steps).</param>
    /// <param name="losses">What the undo of some steps could not give back (see <see cref="Step.UndoLoses"/>), or null.</param>
    /// <param name="note">How what ran before the failure was found out, when the command did not say (see <see cref="PlanExecutor"/>), or null.</param>
    public CommandFailedException(
        CommandLine command,
        int exitCode,
        string standardError,
        IReadOnlyList<CommandLine> undone,
        IReadOnlyList<string> rollbackFailures,
        string? recovery = null,
        int kept = 0,
        IReadOnlyList<string>? losses = null,
        string? note = null)
        : base(
            rollbackFailures.Count == 0 ? ErrorIds.CommandFailed : ErrorIds.RollbackIncomplete,
            rollbackFailures.Count == 0 ? VlanErrorKind.CommandFailed : VlanErrorKind.RollbackFailed,
            command.ToString(),
            BuildMessage(command, exitCode, standardError, undone, rollbackFailures, kept, losses ?? Array.Empty<string>(), note)

                // What to do by hand matters only when the rollback did not put everything back.
                + (recovery is null || (rollbackFailures.Count == 0 && kept == 0) ? string.Empty : " " + recovery))
    {
        Command = command;
        ExitCode = exitCode;
        StandardError = standardError;
        Undone = undone;
        RollbackFailures = rollbackFailures;
        Losses = losses ?? Array.Empty<string>();
    }

    /// <summary>Gets what the rollback could not give back exactly, one text per step whose undo is not exact.</summary>
    public IReadOnlyList<string> Losses { get; }

    /// <summary>Gets the command line that failed.</summary>
    public CommandLine Command { get; }

    /// <summary>Gets the exit code of the failed command.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the standard error of the failed command.</summary>
    public string StandardError { get; }

    /// <summary>Gets the undo commands that ran.</summary>
    public IReadOnlyList<CommandLine> Undone { get; }

    /// <summary>Gets the undo commands that failed, with their errors.</summary>
    public IReadOnlyList<string> RollbackFailures { get; }

    private static string BuildMessage(
        CommandLine command, int exitCode, string standardError, IReadOnlyList<CommandLine> undone, IReadOnlyList<string> rollbackFailures, int kept, IReadOnlyList<string> losses, string? note)
    {
        var stderr = string.IsNullOrWhiteSpace(standardError) ? "(nothing on stderr)" : standardError.Trim();
        var text = $"The command '{command}' failed with exit code {exitCode}: {stderr}.";
        if (note is not null)
        {
            text += " " + char.ToUpperInvariant(note[0]) + note[1..];
        }

        if (kept > 0)
        {
            text += $" {kept} change(s) made before it cannot be undone and remain.";
        }

        if (rollbackFailures.Count == 0 && kept == 0)
        {
            return undone.Count == 0
                ? text + " Nothing had been changed before it."
                : losses.Count == 0
                    ? text + $" The {undone.Count} change(s) made before it were undone; the system is as it was."
                    : text + $" The {undone.Count} change(s) made before it were undone, but not everything could be put back as it was: {string.Join("; ", losses)}.";
        }

        return text + " Undoing the earlier changes did not fully succeed, so some of them remain: "
            + string.Join("; ", rollbackFailures)
            + ". Remove what remains by hand (the commands above show what), or run the matching Remove-Vlan* cmdlet.";
    }
}
