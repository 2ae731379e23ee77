using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Completers;

/// <summary>
/// Completes the external port (or range) of port forwards; with -Router or -Protocol on the line,
/// only the forwards of that router or protocol. A port forwarded by several (TCP and UDP, two
/// routers) is offered once, its tooltip naming each.
/// </summary>
internal sealed class PortForwardCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var router = request.String("Router");
        var protocol = request.Enum<ForwardProtocol>("Protocol");
        return new PortForwardService(Host, new Docker(System.Runner)).List(state)
            .Where(f => (router is null || f.Router == router) && (protocol is null || f.Protocol == protocol))
            .GroupBy(f => f.ExternalPort, StringComparer.Ordinal)
            .Select(g => new CompletionCandidate(
                g.Key,
                string.Join("; ", g.Select(f => $"{f.Protocol.ToString().ToUpperInvariant()} {f.ExternalAddress}:{f.ExternalPort} → {f.InternalAddress}:{f.InternalPort}{(f.Appliance is { } a ? $" ({a})" : string.Empty)} on router {f.Router}"))));
    }
}
