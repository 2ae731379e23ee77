using VirtualLan.Linux;
using VirtualLan.Tracing;

namespace VirtualLan.Completers;

/// <summary>Completes what Get-VlanIptablesTrace -Namespace takes: host, the routers, the namespace and container appliances.</summary>
internal sealed class TraceNamespaceCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state) =>
        new TraceScope(Host, new Docker(System.Runner)).Lan(state)
            .Select(n => new CompletionCandidate(n.Label, $"The {(n.Kind is "host" or "router" ? n.Kind : n.Kind + " appliance")}'s namespace{(n.Namespace.Text is { } text ? " " + text : string.Empty)}"));
}
