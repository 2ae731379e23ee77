using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>
/// Completes the taps of the host that are free to plug in (tun/tap links that qualify as
/// <see cref="HostLinkCompleter"/> says); a tap that does not exist yet is made by Connect-VlanAppliance.
/// </summary>
internal sealed class TapCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state) =>
        HostLinkCompleter.FreeLinks(Host, state)
            .Where(l => l.Kind == "tun")
            .Select(l => new CompletionCandidate(l.Name, $"Tap {l.Name}, {(l.IsUp ? "up" : "down")}, not on a bridge{(l.TunOwner is { } owner ? ", owner " + owner : string.Empty)}"));
}
