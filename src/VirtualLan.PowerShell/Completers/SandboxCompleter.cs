using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Completers;

/// <summary>
/// Completes sandbox names: the namespaces whose lo carries VirtualLan's sandbox marker. Only the
/// namespaces that start with what was typed and are not inside another are read (their links,
/// one read each), so a machine with many namespaces costs little.
/// </summary>
internal sealed class SandboxCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var names = state.NamespaceNames;
        var current = ModuleSession.CurrentSandbox;
        return names
            .Where(n => request.Matches(n) && !names.Any(m => n.StartsWith(m + ".", StringComparison.Ordinal)))
            .Select(n => SandboxService.Read(n, state))
            .Where(s => s.IsManaged)
            .Select(s => new CompletionCandidate(
                s.Name,
                $"Sandbox {s.Name}{(s.Name == current ? " (this session's)" : string.Empty)}: {s.Namespaces.Count} namespace(s), {s.Links.Count} link(s)"))
            .ToList();
    }
}
