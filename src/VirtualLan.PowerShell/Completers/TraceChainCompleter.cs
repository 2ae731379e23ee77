using System.Globalization;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Completers;

/// <summary>
/// Completes <c>table:chain</c> pairs for Get-VlanIptablesTrace -Chain, from the firewall of the
/// namespace the trace would watch: the router named by -Router, else the host's first router,
/// else the host.
/// </summary>
internal sealed class TraceChainCompleter : VlanCompleter
{
    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var routers = new RouterReader(Host).Routers(state);
        var name = request.String("Router") ?? request.String("Name");
        var router = name is null ? (routers.Count > 0 ? routers[0] : null) : routers.FirstOrDefault(r => r.Name == name);
        if (name is not null && router is null)
        {
            return Array.Empty<CompletionCandidate>();
        }

        var ns = router?.Namespace ?? Host.Sandbox;
        var where = router is null ? Host.DisplayName : $"the router {router.Name} ({router.Namespace})";
        var firewall = state.Firewall(ns);
        return firewall.Tables
            .SelectMany(table => firewall.Chains(table).Select(c => (Table: table, c.Chain, c.Policy)))
            .Select(c =>
            {
                var rules = firewall.Rules(c.Table).Count(l => l.StartsWith($"-A {c.Chain} ", StringComparison.Ordinal));
                var policy = c.Policy == "-" ? "user chain" : "policy " + c.Policy;
                return new CompletionCandidate($"{c.Table}:{c.Chain}", $"Chain {c.Chain} of the {c.Table} table in {where}: {policy}, {rules.ToString(CultureInfo.InvariantCulture)} rule(s)");
            })
            .ToList();
    }
}
