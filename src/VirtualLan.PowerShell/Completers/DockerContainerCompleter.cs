using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>
/// Completes the names of running Docker containers, from one <c>docker container ls</c> given
/// <see cref="Timeout"/> to answer: with no engine, or one that does not answer, nothing is offered.
/// </summary>
internal sealed class DockerContainerCompleter : VlanCompleter
{
    /// <summary>How long the Docker engine has to answer before completion gives up.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        using var answer = new CancellationTokenSource(Timeout);
        return new Docker(System.Runner).RunningContainers(answer.Token)
            .Select(c => new CompletionCandidate(c.Name, $"Docker container {c.Name} ({c.Image}, {c.Status})"))
            .ToList();
    }
}
