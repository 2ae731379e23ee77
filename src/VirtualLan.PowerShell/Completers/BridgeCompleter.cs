using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Completers;

/// <summary>
/// Completes bridge names: the bridges VirtualLan made, and every bridge of the host when the
/// line has -All (Get-VlanBridge) or -Force (Remove-VlanBridge), as those cmdlets take them.
/// </summary>
internal sealed class BridgeCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var all = request.Switch("All") || request.Switch("Force");
        return new BridgeService(Host).List(state, includeUnmanaged: true)
            .Where(b => all || b.IsManaged)
            .Select(b => new CompletionCandidate(
                b.Name,
                $"Bridge {b.Name}{(b.Cidr is { } cidr ? " " + cidr : ", no address")}, {b.Ports.Count} port(s){(b.IsManaged ? string.Empty : ", not made by VirtualLan")}"));
    }
}
