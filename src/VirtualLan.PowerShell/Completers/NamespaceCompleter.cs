using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Completers;

/// <summary>
/// Completes network namespaces to plug in: in a sandbox, the namespaces made inside it, by the
/// name the cmdlets take (without the sandbox's prefix); on the machine, the namespaces that are
/// neither a sandbox with namespaces inside nor one of those. A router's namespace is never
/// offered. The tooltip says whether and where a namespace is connected.
/// </summary>
internal sealed class NamespaceCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var names = state.NamespaceNames;
        var links = state.Links(Host.Sandbox).Links;

        // A router's record is on its host link NAME-hl: one read of the host's links, nothing read inside a namespace.
        var routers = links
            .Where(l => l.Name.EndsWith("-hl", StringComparison.Ordinal) && RouterRecord.Parse(l.Alias) is not null)
            .Select(l => Host.NamespaceFor(l.Name[..^3]))
            .ToHashSet(StringComparer.Ordinal);
        var connected = new ApplianceService(Host, new Docker(System.Runner)).List(state, live: false)
            .Where(a => a.Kind == ApplianceKind.Namespace && a.Namespace is not null)
            .GroupBy(a => a.Namespace!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        IEnumerable<(string Shown, string Real)> candidates = Host.Sandbox is { } sandbox
            ? names.Where(n => n.StartsWith(sandbox + ".", StringComparison.Ordinal)).Select(n => (n[(sandbox.Length + 1)..], n))
            : names.Where(n => !names.Any(m => n.StartsWith(m + ".", StringComparison.Ordinal) || m.StartsWith(n + ".", StringComparison.Ordinal))).Select(n => (n, n));
        return candidates
            .Where(c => !routers.Contains(c.Real))
            .Select(c => new CompletionCandidate(
                c.Shown,
                connected.TryGetValue(c.Real, out var appliance)
                    ? $"Network namespace {c.Real}, connected: {ApplianceCompleter.Describe(appliance)}"
                    : $"Network namespace {c.Real}, not connected"));
    }
}
