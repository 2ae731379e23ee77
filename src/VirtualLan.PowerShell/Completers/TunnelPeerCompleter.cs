using VirtualLan.Commands;
using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>Completes -Peer of Remove-VlanTunnelPeer with the peers of the tunnel of -Bridge (every tunnel's when -Bridge is not given).</summary>
internal sealed class TunnelPeerCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var bridge = request.String("Bridge");
        return Tunnels.Service().List(state)
            .Where(t => bridge is null || t.Bridge == bridge)
            .SelectMany(t => t.Peers.Select(p => new CompletionCandidate(p.ToString(), $"Peer {p} of {t.Device} (VNI {t.Vni}) on {t.Bridge}")));
    }
}
