using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Completers;

/// <summary>Completes router names; with -Bridge on the line, only that bridge's router.</summary>
internal sealed class RouterCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var bridges = request.Strings("Bridge");
        return new RouterReader(Host).Routers(state)
            .Where(r => bridges.Count == 0 || bridges.Contains(r.Bridge, StringComparer.Ordinal))
            .Select(r => new CompletionCandidate(
                r.Name,
                $"Router namespace {r.Namespace} for {r.Bridge}: gateway {r.GatewayAddress}, uplink {r.Uplink}{(r.UplinkCidr is { } a ? " " + a : string.Empty)}"));
    }
}
