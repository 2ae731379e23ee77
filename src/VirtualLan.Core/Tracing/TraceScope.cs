using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Tracing;

/// <summary>One namespace a trace watches, with the LAN object it belongs to.</summary>
/// <param name="Label">What the user calls it: "host", a router's name or an appliance's name.</param>
/// <param name="Kind">host, router, or the appliance's kind.</param>
/// <param name="Namespace">The namespace (a name, or a container's /proc/PID/ns/net path).</param>
/// <param name="HostPort">For an appliance, its port on the host's bridge (the other end of its link); otherwise null.</param>
public sealed record TracedNamespace(string Label, string Kind, NetNamespace Namespace, string? HostPort = null)
{
    /// <inheritdoc />
    public override string ToString() => Label;
}

/// <summary>
/// Finds the namespaces of the LAN a trace can watch: the host (the sandbox's namespace or the
/// machine's), every router, and every appliance that has a namespace of its own (namespace and
/// container appliances); by name for -Namespace, all together for -Lan.
/// </summary>
public sealed class TraceScope
{
    private readonly NetworkHost _host;
    private readonly RouterReader _routers;
    private readonly ApplianceService _appliances;

    /// <summary>Initializes a new instance of the <see cref="TraceScope"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Docker, to find a container appliance's namespace.</param>
    public TraceScope(NetworkHost host, Docker docker)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _routers = new RouterReader(host);
        _appliances = new ApplianceService(host, docker);
    }

    /// <summary>Lists every namespace of the LAN: the host first, then the routers, then the appliances.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The namespaces.</returns>
    public IReadOnlyList<TracedNamespace> Lan(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var all = new List<TracedNamespace> { new("host", "host", _host.Namespace) };
        all.AddRange(_routers.Routers(state).Select(r => new TracedNamespace(r.Name, "router", r.Namespace)));
        all.AddRange(_appliances.List(state, live: true)
            .Where(a => a.Namespace is not null && a.Kind is ApplianceKind.Namespace or ApplianceKind.Container)
            .Select(a => new TracedNamespace(a.Name, a.Kind.ToString().ToLowerInvariant(), NetNamespace.From(a.Namespace), a.HostInterface)));
        return all.DistinctBy(n => n.Namespace).ToArray();
    }

    /// <summary>Finds one namespace by what the user calls it: "host", a router's or an appliance's name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The namespace.</returns>
    /// <exception cref="VlanException">No object of that name has a namespace (<see cref="ErrorIds.NamespaceNotFound"/>).</exception>
    public TracedNamespace Find(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lan = Lan(state);
        return lan.FirstOrDefault(n => n.Label == name)
            ?? lan.FirstOrDefault(n => n.Namespace.Text == name)
            ?? throw new VlanException(
                ErrorIds.NamespaceNotFound,
                VlanErrorKind.ObjectNotFound,
                name,
                $"There is no host, router or namespace or container appliance named '{name}' in {_host.DisplayName} (an appliance of another kind has no namespace to trace). Those there are: {string.Join(", ", lan.Select(n => n.Label))}.");
    }
}
