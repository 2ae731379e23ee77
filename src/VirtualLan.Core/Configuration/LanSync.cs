using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Configuration;

/// <summary>
/// Plans converging the live LAN to a <see cref="LanDocument"/> through the module's own planners
/// (the same requests the cmdlets make, so their "already done" tests make a LAN in place cost no
/// command). The work comes in five stages — undeclared objects removed (with -Prune) and
/// bridges; routers and host NAT; tunnels; appliances and port forwards; DHCP — because a router
/// is planned from its bridge and an appliance from its router. Each stage adds what it makes to a
/// <see cref="PlannedObjects"/>, and the next stage's planners read those for what the kernel does
/// not hold yet: so every stage can be planned before any runs (-WhatIf lists them all), while a
/// real sync applies a stage that makes a missing object before it plans the next from a fresh read.
/// </summary>
public sealed class LanSync
{
    /// <summary>The number of stages.</summary>
    public const int StageCount = 5;

    private static readonly HashSet<string> Absent = new(StringComparer.Ordinal)
    {
        ErrorIds.ContainerNotFound, ErrorIds.ContainerNotRunning, ErrorIds.NamespaceNotFound, ErrorIds.InterfaceNotFound, ErrorIds.DockerNetworkNotFound,
    };

    private readonly NetworkHost _host;
    private readonly Func<string, string?> _locate;
    private readonly Func<string, bool> _exists;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="LanSync"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="locate">Finds a program on the PATH (the routers' DHCP clients).</param>
    /// <param name="exists">Tells whether a file exists.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public LanSync(NetworkHost host, Func<string, string?> locate, Func<string, bool> exists, Docker docker)
    {
        _host = host;
        _locate = locate;
        _exists = exists;
        _docker = docker;
    }

    /// <summary>
    /// Plans one stage from the state. A plan that cannot be made is returned as the item's error:
    /// the caller decides whether it is fatal (Sync), drift (Test), or the sign of an appliance
    /// whose process is gone (<see cref="SyncItem.Absent"/>).
    /// </summary>
    /// <param name="stage">0: prune and bridges; 1: routers and host NAT; 2: tunnels; 3: appliances and port forwards; 4: DHCP.</param>
    /// <param name="document">The document.</param>
    /// <param name="prune">True to remove what the module owns and the document does not name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="planned">
    /// What the earlier stages make: read for the bridges, routers, host NAT and appliances the
    /// kernel does not hold yet, and added to with what this stage makes. Null when no stage is
    /// planned ahead of the kernel.
    /// </param>
    /// <returns>One item per object.</returns>
    public IReadOnlyList<SyncItem> PlanStage(int stage, LanDocument document, bool prune, KernelState state, PlannedObjects? planned = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(state);
        var own = HostReaders.For(_host, _docker);
        var live = new LanDocumentReader(_host, own).Read(state);
        planned ??= new PlannedObjects();
        var readers = HostReaders.For(_host, _docker, planned);
        return stage switch
        {
            0 => (prune ? Prune(document, live, own, state) : Enumerable.Empty<SyncItem>()).Concat(Bridges(document, live, state, planned)).ToArray(),
            1 => Routers(document, live, readers, state).ToArray(),
            2 => Tunnels(document, live, readers, state).ToArray(),
            3 => Appliances(document, live, readers, state).Concat(Forwards(document, live, readers, state)).ToArray(),

            // Last, so that the static leases and names cover the appliances the stages before made.
            _ => Dhcp(document, live, readers, state).ToArray(),
        };
    }

    private IEnumerable<SyncItem> Prune(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var bridges = document.Bridges.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var teardown = new TeardownService(_host, _locate, _exists, _docker);
        foreach (var bridge in live.Bridges.Where(b => !bridges.Contains(b.Name)))
        {
            yield return Item("bridge", bridge.Name, true, () => teardown.PlanRemoveBridge(bridge.Name, recurse: true, force: false, state).Plan);
        }

        var tunnels = document.Tunnels.Select(t => t.Bridge).ToHashSet(StringComparer.Ordinal);
        var tunnelService = new TunnelService(readers, _ => new ApplianceService(_host, _docker).List(state, live: false));
        foreach (var tunnel in live.Tunnels.Where(t => bridges.Contains(t.Bridge) && !tunnels.Contains(t.Bridge)))
        {
            yield return Item("tunnel", tunnel.Bridge, true, () => tunnelService.PlanRemove(tunnel.Bridge, state));
        }

        var routers = document.Routers.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var routerService = new RouterService(readers, _locate, _exists);
        var removedRouters = live.Routers.Where(r => bridges.Contains(r.Bridge) && !routers.Contains(r.Name)).ToArray();
        foreach (var router in removedRouters)
        {
            yield return Item("router", router.Name, true, () => routerService.PlanRemove(router.Name, state));
        }

        var nats = document.HostNat.Select(n => n.Bridge).ToHashSet(StringComparer.Ordinal);
        foreach (var nat in live.HostNat.Where(n => bridges.Contains(n.Bridge) && !nats.Contains(n.Bridge)))
        {
            yield return Item("host NAT", nat.Bridge, true, () => new HostNatService(readers).PlanDisable(nat.Bridge, state));
        }

        var servers = document.Dhcp.Select(d => d.Bridge).ToHashSet(StringComparer.Ordinal);
        foreach (var server in live.Dhcp.Where(d => bridges.Contains(d.Bridge) && !servers.Contains(d.Bridge)))
        {
            yield return Item("DHCP", server.Bridge, true, () => DhcpPlanner(readers).PlanDisable(server.Bridge, state));
        }

        var appliances = document.Appliances.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var leaving = live.Appliances.Where(a => bridges.Contains(a.Bridge) && !appliances.Contains(a.Name)).ToArray();
        var applianceService = new ApplianceService(_host, _docker);
        foreach (var appliance in leaving)
        {
            yield return Item("appliance", appliance.Name, true, () => applianceService.PlanDisconnect(appliance.Name, state, leaving.Select(a => a.Name).ToArray(), withForwards: false));
        }

        var forwardService = new PortForwardService(readers);
        var liveRouters = live.Routers.Where(r => bridges.Contains(r.Bridge) && routers.Contains(r.Name)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var forward in live.PortForwards.Where(f => liveRouters.Contains(f.Router) && !document.PortForwards.Any(d => LanDrift.SameForward(d, f))))
        {
            yield return Item("port forward", LanDrift.NameOf(forward), true, () => forwardService.PlanRemove(forward.Router, Protocol(forward.Protocol), forward.ExternalPort, state));
        }
    }

    private IEnumerable<SyncItem> Bridges(LanDocument document, LanDocument live, KernelState state, PlannedObjects planned)
    {
        var service = new BridgeService(_host);
        foreach (var bridge in document.Bridges)
        {
            yield return Item("bridge", bridge.Name, live.Bridges.All(b => b.Name != bridge.Name), () =>
            {
                var request = BridgeRequest.Create(bridge.Name, bridge.Address, bridge.Mtu, force: true);
                var plan = service.PlanNew(request, state);
                planned.Add(DocumentTopology.Bridge(bridge, _host));
                return plan;
            });
        }
    }

    private IEnumerable<SyncItem> Routers(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var service = new RouterService(readers, _locate, _exists);
        foreach (var router in document.Routers)
        {
            yield return Item("router", router.Name, live.Routers.All(r => r.Name != router.Name), () =>
            {
                var (plan, made) = service.PlanAddWithRouter(
                    RouterRequest.Create(router.Name, router.Bridge, router.Gateway, router.Uplink, router.UplinkMode == "dhcp", router.UplinkAddress, router.UplinkGateway, router.HostLink, router.RouteHostTraffic), state);
                readers.Planned.Add(made);
                return plan;
            });
        }

        var hostNat = new HostNatService(readers);
        foreach (var nat in document.HostNat)
        {
            yield return Item("host NAT", nat.Bridge, live.HostNat.All(n => n.Bridge != nat.Bridge), () =>
            {
                var plan = hostNat.PlanEnable(nat.Bridge, nat.Uplink, state);
                readers.Planned.Add(new HostNat { Bridge = nat.Bridge, Subnet = readers.Bridge(nat.Bridge, state).Cidr!.Value.Network, Uplink = nat.Uplink, IpForward = "1", PreviousIpForward = "0", Sandbox = _host.Sandbox });
                return plan;
            });
        }
    }

    private IEnumerable<SyncItem> Tunnels(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var service = new TunnelService(readers, s => new ApplianceService(_host, _docker).List(s, live: false));
        foreach (var tunnel in document.Tunnels)
        {
            var found = live.Tunnels.FirstOrDefault(t => t.Bridge == tunnel.Bridge);
            if (found is null && Unheld(tunnel, live, readers, state) is { } reason)
            {
                yield return new SyncItem("tunnel", tunnel.Bridge, true, null, null) { Deferred = reason };
                continue;
            }

            yield return Item("tunnel", tunnel.Bridge, found is null, () =>
            {
                var request = TunnelRequest.Create(tunnel.Bridge, tunnel.Peers, tunnel.Vni, tunnel.Port ?? TunnelRequest.DefaultPort, tunnel.Local, tunnel.HostIndex);
                if (found is null || found.Vni != request.Vni || (found.Port ?? TunnelRequest.DefaultPort) != request.Port)
                {
                    // A tunnel with another VNI or port cannot be changed in place: PlanAdd says so (TunnelExists).
                    return service.PlanAdd(request, state);
                }

                var have = found.Peers.Select(IPAddress.Parse).ToArray();
                return service.PlanPeers(tunnel.Bridge, request.Peers.Except(have).ToArray(), have.Except(request.Peers).ToArray(), state);
            });
        }
    }

    /// <summary>
    /// Why a missing tunnel cannot be planned yet: it is made on its router's uplink, in the router's
    /// namespace, and planned from what the kernel holds there (the uplink's address, MTU and
    /// routes); null when its bridge and router are in place.
    /// </summary>
    private static string? Unheld(TunnelEntry tunnel, LanDocument live, HostReaders readers, KernelState state)
    {
        var router = readers.Routers.Routers(state).FirstOrDefault(r => r.Bridge == tunnel.Bridge);
        var missing = new[]
        {
            live.Bridges.All(b => b.Name != tunnel.Bridge) ? $"the bridge {tunnel.Bridge}" : null,
            router is not null && live.Routers.All(r => r.Name != router.Name) ? $"the router {router.Name}" : null,
        }.OfType<string>().ToArray();
        return missing.Length == 0 ? null : string.Join(" and ", missing);
    }

    private IEnumerable<SyncItem> Appliances(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var service = new ApplianceService(_host, _docker, readers);
        var reserved = new HashSet<IPAddress>();
        // Appliances connected with other settings are changed in place first, as Set-VlanAppliance
        // does: the addresses they move to are then reserved for the rest (whose plans reserve
        // every address in use, the host's memory of the old ones included).
        var changed = document.Appliances
            .Where(d => live.Appliances.Any(a => a.Name == d.Name && a.Kind == d.Kind && (Differs(d.Address, a.Address) || Differs(d.Gateway, a.Gateway))))
            .ToArray();
        foreach (var appliance in changed)
        {
            yield return Item("appliance", appliance.Name, false, () => service.PlanSet(
                appliance.Name, appliance.Address, appliance.Gateway is null ? null : IPAddress.Parse(appliance.Gateway), state, reserved).Plan);
        }

        foreach (var appliance in document.Appliances.Except(changed))
        {
            yield return Item("appliance", appliance.Name, live.Appliances.All(a => a.Name != appliance.Name), () =>
            {
                var request = ApplianceRequest.Create(
                    LanDocumentRules.KindOf(appliance.Kind), appliance.Name, appliance.Bridge, appliance.Address, appliance.Gateway, appliance.InterfaceName, appliance.TapOwner, appliance.ReaddressContainers, appliance.Create, appliance.ReplaceDefaultRoute);
                var (plan, made) = service.PlanConnect(request, state, reserved);
                readers.Planned.Add(made);
                return plan;
            });
        }
    }

    private static IEnumerable<SyncItem> Forwards(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var service = new PortForwardService(readers);
        var planned = new List<PortForward>();
        foreach (var forward in document.PortForwards)
        {
            yield return Item("port forward", LanDrift.NameOf(forward), !live.PortForwards.Any(f => LanDrift.SameForward(forward, f)), () =>
            {
                var (plan, made) = service.PlanAdd(
                    forward.Router,
                    Protocol(forward.Protocol),
                    forward.ExternalPort,
                    forward.InternalPort,
                    IPAddress.Parse(forward.InternalAddress),
                    forward.ExternalAddress is null ? null : IPAddress.Parse(forward.ExternalAddress),
                    null,
                    state,
                    planned);
                planned.Add(made);
                return plan;
            });
        }
    }

    /// <summary>Tells whether the document names an address other than the live one (an address without its prefix is the same address).</summary>
    private static bool Differs(string? declared, string? live) =>
        declared is not null && (live is null || !string.Equals(declared.Split('/')[0], live.Split('/')[0], StringComparison.Ordinal));

    private IEnumerable<SyncItem> Dhcp(LanDocument document, LanDocument live, HostReaders readers, KernelState state)
    {
        var service = DhcpPlanner(readers);
        var appliances = new Lazy<IReadOnlyList<Appliance>>(() => PlannedObjects.Merge(new ApplianceService(_host, _docker).List(state), readers.Planned.Appliances, a => a.Kind + "/" + a.Name));
        foreach (var server in document.Dhcp)
        {
            yield return Item("DHCP", server.Bridge, live.Dhcp.All(d => d.Bridge != server.Bridge), () => service.PlanEnable(
                server.Bridge, server.Domain, server.LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, server.Range, server.SearchDomains, appliances.Value, state));
        }
    }

    private DhcpService DhcpPlanner(HostReaders readers) => new(readers, _locate, _exists, Dnsmasq.ReadOrNull);

    private static ForwardProtocol Protocol(string protocol) => protocol == "udp" ? ForwardProtocol.Udp : ForwardProtocol.Tcp;

    private static SyncItem Item(string kind, string name, bool missing, Func<Plan> plan)
    {
        try
        {
            return new SyncItem(kind, name, missing, plan(), null);
        }
        catch (VlanException e)
        {
            return new SyncItem(kind, name, missing, null, e) { Absent = Absent.Contains(e.ErrorId) };
        }
    }
}

/// <summary>One object of a sync: its plan, or why none could be made.</summary>
/// <param name="Kind">What it is: bridge, router, host NAT, appliance, port forward.</param>
/// <param name="Name">Its name (a forward: ROUTER/PROTO/PORTS).</param>
/// <param name="Missing">True when it does not exist yet (or, for a removal, when it exists and goes).</param>
/// <param name="Plan">The plan, or null.</param>
/// <param name="Error">Why no plan could be made, or null.</param>
public sealed record SyncItem(string Kind, string Name, bool Missing, Plan? Plan, VlanException? Error)
{
    /// <summary>Gets a value indicating whether no plan was made because the appliance's process or object is gone (a stopped container, a VM not running): reported, not an error.</summary>
    public bool Absent { get; init; }

    /// <summary>
    /// Gets why no plan was made yet, or null: what an object is planned from is neither held by the
    /// kernel nor planned ahead (a tunnel whose router is not made yet). A sync that does not apply
    /// the stages before (-WhatIf) stops there and says so.
    /// </summary>
    public string? Deferred { get; init; }

    /// <summary>Gets what the item is, as a user reads it: "appliance c1".</summary>
    public string What => $"{Kind} {Name}";
}
