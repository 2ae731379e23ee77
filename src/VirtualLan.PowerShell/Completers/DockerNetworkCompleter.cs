using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>
/// Completes the names of Docker's bridge networks (the only ones a LAN can join), from one
/// <c>docker network ls</c> given <see cref="DockerContainerCompleter.Timeout"/> to answer.
/// </summary>
internal sealed class DockerNetworkCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        using var answer = new CancellationTokenSource(DockerContainerCompleter.Timeout);
        return new Docker(System.Runner).BridgeNetworks(answer.Token)
            .Select(n => new CompletionCandidate(n.Name, $"Docker bridge network {n.Name}{(n.Internal ? ", internal" : string.Empty)}, id {n.Id}"))
            .ToList();
    }
}
