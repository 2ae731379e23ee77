using CliWrap;

namespace VirtualLan.Execution;

/// <summary>
/// Runs a long-lived reader (tcpdump, xtables-monitor) through CliWrap and hands its standard
/// output, as it comes, to a consumer; cancelling the token ends the process.
/// </summary>
public sealed class ProcessStreamer
{
    private readonly ToolLocator _tools;

    /// <summary>Initializes a new instance of the <see cref="ProcessStreamer"/> class.</summary>
    /// <param name="tools">Finds programs.</param>
    public ProcessStreamer(ToolLocator tools)
    {
        _tools = tools;
    }

    /// <summary>Starts a command whose output a consumer reads as a stream.</summary>
    /// <param name="command">The command.</param>
    /// <param name="consume">Reads the output.</param>
    /// <param name="onErrorLine">Receives each line of standard error (where readers say they are ready).</param>
    /// <param name="cancellationToken">Ends the process.</param>
    /// <param name="started">Receives the process id once it runs (so that it can be recorded).</param>
    /// <returns>A task that ends with the process.</returns>
    public Task Stream(CommandLine command, Func<Stream, CancellationToken, Task> consume, Action<string> onErrorLine, CancellationToken cancellationToken, Action<int>? started = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var task = Cli.Wrap(_tools.Require(command.Program))
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.Create(consume))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(onErrorLine))
            .ExecuteAsync(cancellationToken);
        started?.Invoke(task.ProcessId);
        return task.Task;
    }

    /// <summary>Starts a command whose output a consumer reads line by line.</summary>
    /// <param name="command">The command.</param>
    /// <param name="onLine">Receives each line.</param>
    /// <param name="cancellationToken">Ends the process.</param>
    /// <param name="started">Receives the process id once it runs (so that it can be recorded).</param>
    /// <returns>A task that ends with the process.</returns>
    public Task Lines(CommandLine command, Action<string> onLine, CancellationToken cancellationToken, Action<int>? started = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var task = Cli.Wrap(_tools.Require(command.Program))
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(onLine))
            .ExecuteAsync(cancellationToken);
        started?.Invoke(task.ProcessId);
        return task.Task;
    }
}
