using System.Net;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Readers;

/// <summary>
/// Reads the routers of a host back from the kernel: their records (<see cref="RouterRecord"/>) on
/// the host links NAME-hl and on the lo of their namespaces, their links, routes and policies.
/// Any planner may ask it; it plans nothing.
/// </summary>
public sealed class RouterReader
{
    private readonly NetworkHost _host;
    private readonly PlannedObjects? _planned;

    /// <summary>Initializes a new instance of the <see cref="RouterReader"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="planned">Routers an earlier stage of a sync makes, listed after those the kernel holds; null for none.</param>
    public RouterReader(NetworkHost host, PlannedObjects? planned = null)
    {
        _host = host;
        _planned = planned;
    }

    /// <summary>Lists the routers of the host (and the planned ones it does not hold yet).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The routers, by name.</returns>
    public IReadOnlyList<Router> Routers(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var live = state.Derived("routers/" + _host.DisplayName, () => ReadRouters(state));
        return _planned is null ? live : PlannedObjects.Merge(live, _planned.Routers, r => r.Name);
    }

    /// <summary>Reads one router.</summary>
    /// <param name="name">The router name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The router.</returns>
    /// <exception cref="VlanException">There is no router of that name.</exception>
    public Router Read(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Routers(state).FirstOrDefault(x => x.Name == name) is { } router)
        {
            return router;
        }

        // A router cut off before its host link got its record is still found by its namespace.
        var ns = _host.NamespaceFor(name);
        var record = state.Exists(ns) ? RecordIn(ns, state) : null;
        return record is not null && record.BelongsTo(_host) ? Describe(name, ns, record, state) : throw NotFound(name);
    }

    /// <summary>
    /// Finds the routers a removal cut off after their host link was deleted and before their
    /// namespace was: <see cref="Routers"/> no longer lists them, but their namespace still holds the
    /// record on lo. Only namespaces not already known are read (one read each).
    /// </summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="known">Namespaces known to be something else, such as appliances, which are not read.</param>
    /// <returns>The routers left half-removed.</returns>
    public IReadOnlyList<Router> Leftovers(KernelState state, IEnumerable<string?> known)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(known);
        var skip = known.OfType<string>().Concat(Routers(state).Select(r => r.Namespace)).Append(_host.Sandbox ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var prefix = _host.Sandbox is null ? string.Empty : _host.Sandbox + ".";
        var found = new List<Router>();
        foreach (var ns in state.NamespaceNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Length > prefix.Length && !skip.Contains(n)))
        {
            if (RecordIn(ns, state) is { } record && record.BelongsTo(_host))
            {
                found.Add(Describe(ns[prefix.Length..], ns, record, state));
            }
        }

        return found;
    }

    /// <summary>Reads the router record on the lo of a namespace.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The record, or null when lo carries none.</returns>
    public static RouterRecord? RecordIn(string ns, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return RouterRecord.Parse(state.Links(ns).Link("lo")?.Alias);
    }

    /// <summary>The router's end of the host link: the other host address of its /30.</summary>
    /// <param name="hostLink">The host's end.</param>
    /// <returns>The router's address.</returns>
    internal static IPAddress HostLinkPeer(Ipv4Cidr hostLink)
    {
        var up = hostLink.Offset(1);
        return up.Network == hostLink.Network && !up.IsBroadcastAddress ? up.Address : hostLink.Offset(-1).Address;
    }

    private IReadOnlyList<Router> ReadRouters(KernelState state)
    {
        // The router's record is also on its host link (NAME-hl), so one read of the host's links
        // finds every router, however many appliance namespaces there are.
        var routers = new List<Router>();
        foreach (var link in state.Links(_host.Sandbox).Links.Where(l => l.Name.EndsWith("-hl", StringComparison.Ordinal)))
        {
            var record = RouterRecord.Parse(link.Alias);
            var name = link.Name[..^3];
            var ns = _host.NamespaceFor(name);
            if (record is not null && record.BelongsTo(_host) && state.Exists(ns))
            {
                routers.Add(Describe(name, ns, record, state));
            }
        }

        return routers.OrderBy(r => r.Name, StringComparer.Ordinal).ToArray();
    }

    private Router Describe(string name, string ns, RouterRecord record, KernelState state)
    {
        var links = state.Links(ns);
        var uplink = record.Uplink;
        var hostInterface = name + "-hl";
        var lanPrefix = links.Link(RouterService.LanInterface) is { Addresses.Count: > 0 } lan ? lan.Addresses[0].PrefixLength : 0;
        return new Router
        {
            Name = name,
            Namespace = ns,
            Bridge = record.Bridge,
            GatewayAddress = record.Gateway,
            PrefixLength = lanPrefix,
            Uplink = uplink,
            UplinkCidr = links.Link(uplink)?.Addresses.Count > 0 ? links.Link(uplink)!.Addresses[0] : null,
            UplinkGateway = state.Routes(ns).FirstOrDefault(x => x.IsDefault)?.Gateway,
            UplinkMode = record.Mode,
            DhcpClient = record.DhcpClient,
            LanInterface = RouterService.LanInterface,
            BridgePort = name + "-br",
            HostInterface = hostInterface,
            HostLinkCidr = record.HostLink,
            HostLinkPeer = HostLinkPeer(record.HostLink),
            RoutesHostTraffic = state.Routes(_host.Sandbox).Any(x => x.IsDefault && x.Device == hostInterface),
            ForwardPolicy = state.Policy(ns, "filter", "FORWARD") ?? "ACCEPT",
            InputPolicy = state.Policy(ns, "filter", "INPUT") ?? "ACCEPT",
            Sandbox = _host.Sandbox,
        };
    }

    private VlanException NotFound(string name) =>
        new(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, name, $"There is no router named '{name}' in {_host.DisplayName}. Run Get-VlanRouterNamespace to see the routers there.");
}
