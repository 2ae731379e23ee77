using CliWrap;
using CliWrap.Buffered;

namespace VirtualLan.Execution;

/// <summary>
/// Runs commands as child processes through CliWrap, with an argument array and never a shell.
/// Programs are resolved by <see cref="ToolLocator"/>, so a missing tool is reported with the
/// Debian package that provides it.
/// </summary>
public sealed class ProcessRunner : ICommandRunner
{
    private readonly ToolLocator _tools;

    /// <summary>Initializes a new instance of the <see cref="ProcessRunner"/> class.</summary>
    /// <param name="tools">Finds programs on disk.</param>
    public ProcessRunner(ToolLocator tools)
    {
        _tools = tools;
    }

    /// <inheritdoc />
    public CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var path = _tools.Require(command.Program);
        var cli = Cli.Wrap(path)
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(env => env.Set("LC_ALL", "C"));
        if (standardInput is not null)
        {
            cli = cli.WithStandardInputPipe(PipeSource.FromString(standardInput));
        }

        // Cmdlets run on the pipeline thread and must stay on it to write output, so the
        // asynchronous API is awaited synchronously here, in one place.
        var result = cli.ExecuteBufferedAsync(cancellationToken).GetAwaiter().GetResult();
        return new CommandResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
