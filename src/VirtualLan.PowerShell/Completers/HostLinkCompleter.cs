using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>
/// Completes the host's links that can be an uplink or an Interface appliance: not lo, not a
/// bridge, not plugged into a bridge, not one the module made (an alias record <c>virtuallan:…</c>,
/// an appliance's <c>vl-…</c>, a router's <c>NAME-br</c> or <c>NAME-hl</c>), and with a name the
/// module accepts.
/// </summary>
internal sealed class HostLinkCompleter : VlanCompleter
{
    /// <summary>Returns the links of the host that qualify, as described on the class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The links, in the kernel's order.</returns>
    internal static IEnumerable<LinkState> FreeLinks(NetworkHost host, KernelState state)
    {
        var namespaces = state.NamespaceNames;
        bool IsRouterLink(string name) =>
            (name.EndsWith("-br", StringComparison.Ordinal) || name.EndsWith("-hl", StringComparison.Ordinal))
            && namespaces.Contains(host.NamespaceFor(name[..^3]), StringComparer.Ordinal);
        return state.Links(host.Sandbox).Links.Where(l =>
            l.Name != "lo" && !l.IsBridge && l.Master is null
            && !(l.Alias ?? string.Empty).StartsWith("virtuallan:", StringComparison.Ordinal)
            && !l.Name.StartsWith("vl-", StringComparison.Ordinal)
            && !IsRouterLink(l.Name)
            && Names.InterfaceProblem(l.Name) is null);
    }

    /// <summary>Says what a link is, as its tooltip: "veth link uplink0, up, 198.51.100.2/24, default route via 198.51.100.1".</summary>
    /// <param name="link">The link.</param>
    /// <param name="routes">The host's routes.</param>
    /// <returns>The text.</returns>
    internal static string Describe(LinkState link, IReadOnlyList<RouteState> routes)
    {
        var addresses = link.Addresses.Count == 0 ? "no IPv4 address" : string.Join(", ", link.Addresses);
        var route = routes.FirstOrDefault(r => r.IsDefault && r.Device == link.Name) is { } r
            ? ", default route" + (r.Gateway is { } g ? " via " + g : string.Empty)
            : string.Empty;
        return $"{(link.Kind is { Length: > 0 } kind ? kind + " link" : "Link")} {link.Name}, {(link.IsUp ? "up" : "down")}, {addresses}{route}";
    }

    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var routes = state.Routes(Host.Sandbox);
        return FreeLinks(Host, state).Select(l => new CompletionCandidate(l.Name, Describe(l, routes)));
    }
}
