namespace VirtualLan.Execution;

/// <summary>The result of one external command.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StandardOutput">Everything written to standard output.</param>
/// <param name="StandardError">Everything written to standard error.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Gets a value indicating whether the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs external commands. The module has one implementation that starts processes; tests wrap
/// it to count commands or to make a chosen command fail.
/// </summary>
public interface ICommandRunner
{
    /// <summary>Runs a command to completion.</summary>
    /// <param name="command">The command line.</param>
    /// <param name="standardInput">Text for standard input, or null for none.</param>
    /// <param name="cancellationToken">Stops the command.</param>
    /// <returns>The exit code and output.</returns>
    CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken);
}
