using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// What namespaces and containers share: a veth whose inside end is made straight in the
/// appliance's namespace, given the address, brought up with lo, and routed via the gateway.
/// Deleting the host's end deletes both; the namespace or container itself stays.
/// </summary>
internal abstract class VethAppliance : IApplianceKind
{
    /// <summary>Initializes a new instance of the <see cref="VethAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers.</param>
    protected VethAppliance(NetworkHost host, Docker docker)
    {
        Host = host;
        Docker = docker;
    }

    /// <inheritdoc />
    public abstract ApplianceKind Kind { get; }

    /// <summary>Gets the namespace that plays the host.</summary>
    protected NetworkHost Host { get; }

    /// <summary>Gets the Docker reader.</summary>
    protected Docker Docker { get; }

    /// <inheritdoc />
    public bool ReservesAddress(ApplianceRequest request) => true;

    /// <inheritdoc />
    public abstract Appliance PlanConnect(Connection connection, List<Step> steps);

    /// <inheritdoc />
    public virtual IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace)
    {
        var h = Host.Namespace;
        var inside = record.Interface ?? "eth0";
        var ns = NamespaceOf(record, readLive: true);
        if (record.OldGateway is { } oldGateway && ns is not null && state.Exists(ns))
        {
            // The default route the container had before it was joined comes back before its LAN leg goes.
            var at = ns;
            var current = state.Routes(ns).FirstOrDefault(r => r.IsDefault);
            yield return new ReplaceRoute(at, "default", oldGateway, record.OldDevice, current)
                .Testing($"Give {record.Name} back its default route via {oldGateway}", s => s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, oldGateway)));
        }

        // The inside is read only if the undo may be needed (not when this deletion is the plan's
        // last, atomic, operation): a read per appliance is what a bulk teardown avoids. The undo
        // makes both ends again as they are.
        yield return new DeleteLink(h, port.Name).ToStep($"Unplug {record.Name}")
            .WithUndo(() =>
            {
                var peer = ns is not null && state.Exists(ns) ? state.Links(ns).Link(inside) : null;
                return peer is null
                    ? (Array.Empty<CommandLine>(), $"the veth {port.Name} of {record.Name}, whose other end was not found, is not made again")
                    : (Restore.Veth(state, h, port, ns, peer, inside), null);
            });
    }

    /// <inheritdoc />
    public (IReadOnlyList<Step> Steps, string? Notice) PlanSet(LinkState port, ApplianceRecord record, ApplianceRecord changed, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(state);
        var ns = NamespaceOf(record, readLive: true);
        if (ns is null || !state.Exists(ns))
        {
            throw new VlanException(ErrorIds.ApplianceNotSettable, VlanErrorKind.InvalidOperation, record.Name, $"The network namespace of '{record.Name}' is gone (a container that is not running?), so its address cannot be changed. Start it, or disconnect it with Disconnect-VlanAppliance {record.Name}.");
        }

        var h = Host.Namespace;
        var at = ns;
        var inside = record.Interface ?? "eth0";
        var steps = new List<Step> { new SetAlias(h, port.Name, changed.Write(), port.Alias ?? string.Empty).ToStep($"Record {record.Name}'s new settings on {port.Name}") };

        // The default route is the module's when it leaves by the appliance's interface (a container
        // may keep Docker's, which stays as it is), or when there is none.
        var route = state.Routes(ns).FirstOrDefault(r => r.IsDefault);
        var ours = route is null || route.Device == inside;
        var readdress = record.Address is { } old && changed.Address is { } fresh && old != fresh;
        if (readdress)
        {
            // The old address goes first: deleting a primary address may take the secondaries of its
            // subnet with it. With the last address the kernel drops the routes via the interface,
            // so the undo puts the default route back too.
            var oldAddress = record.Address!.Value;
            var undo = new List<CommandLine> { new AddAddress(at, inside, oldAddress).Command };
            undo.AddRange(Restore.Routes(state, ns, inside));
            steps.Add(new DeleteAddress(at, inside, oldAddress).ToStep($"Take {oldAddress} off {inside} of {record.Name}").WithUndo(undo));
            steps.Add(new AddAddress(at, inside, changed.Address!.Value).ToStep($"Give {inside} of {record.Name} the address {changed.Address}"));

            // The other routes through the interface (the user's) went with the old address: they come back.
            foreach (var other in state.Routes(ns).Where(r => r.Device == inside && !r.IsDefault && r.AddArguments is not null && r.Source != oldAddress.Address.ToString()))
            {
                var add = other.AddArguments!.ToArray();
                var delete = (string[])add.Clone();
                delete[1] = "del";
                steps.Add(Step.Link($"Route {other.Destination} through {inside} of {record.Name} again", at, add, delete, null));
            }
        }

        if (ours && changed.Gateway is { } gateway && (readdress || route is null || !Equals(route.Gateway, gateway)))
        {
            // After a new address the route is made again even via the same gateway (the old one went with the address).
            var replace = new ReplaceRoute(at, "default", gateway, inside, route);
            steps.Add(readdress
                ? replace.Shaped($"Route {record.Name}'s traffic via {gateway}", replace.Undo.Arguments, null)
                : replace.ToStep($"Route {record.Name}'s traffic via {gateway}"));
        }

        return (steps, null);
    }

    /// <inheritdoc />
    public Appliance Describe(LinkState port, ApplianceRecord record, KernelState state, bool readLive)
    {
        var ns = NamespaceOf(record, readLive);
        var inside = record.Interface;
        var live = readLive && ns is not null && inside is not null && state.Exists(ns) ? state.Links(ns).Link(inside) : null;
        return new Appliance
        {
            Name = record.Name,
            Kind = Kind,
            Bridge = record.Bridge,
            HostInterface = port.Name,
            Interface = inside,
            Cidr = live is { Addresses.Count: > 0 } ? live.Addresses[0] : record.Address,
            Gateway = record.Gateway,
            MacAddress = live?.MacAddress,
            Namespace = ns,
            ContainerId = Kind == ApplianceKind.Container ? record.ContainerId : null,
            DockerBridge = record.DockerBridge,
            Sandbox = Host.Sandbox,
        };
    }

    /// <summary>The appliance's namespace from its record (a container's is asked of Docker, only when read live).</summary>
    /// <param name="record">The record.</param>
    /// <param name="readLive">Whether it may be asked of Docker.</param>
    /// <returns>The namespace's name or path, or null.</returns>
    protected abstract string? NamespaceOf(ApplianceRecord record, bool readLive);

    /// <summary>Plans the veth, its record, the address, lo and the default route.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="port">The host's end.</param>
    /// <param name="ns">The appliance's namespace.</param>
    /// <param name="inside">The inside end's name.</param>
    /// <param name="created">Whether the module made the namespace.</param>
    /// <param name="steps">The steps, added to.</param>
    /// <param name="onlyIfNoDefault">Whether an existing default route, whatever its gateway, is left (a container's from Docker).</param>
    /// <param name="containerId">The container's id, or null for a namespace.</param>
    /// <param name="replacing">A default route replaced by the one via the gateway (recorded, and given back on Disconnect), or null.</param>
    protected void PlugVeth(Connection connection, string port, string ns, string inside, bool created, List<Step> steps, bool onlyIfNoDefault, string? containerId = null, RouteState? replacing = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        var request = connection.Request;
        var h = Host.Namespace;
        var at = ns;
        var address = connection.Address;
        var gateway = connection.Gateway;
        var record = new ApplianceRecord
        {
            Name = request.Name,
            Kind = request.Kind,
            Bridge = request.Bridge,
            Address = address,
            Gateway = gateway,
            Interface = inside,
            Created = created,
            Namespace = containerId is null ? ns : null,
            ContainerId = containerId?[..12],
            OldGateway = replacing?.Gateway,
            OldDevice = replacing?.Device,
        }.Write();

        // The appliance's MAC address is derived from its bridge and name, so it is known without
        // reading the namespace and stays the same across rebuilds (ARP caches and DHCP leases agree).
        var bridgeMtu = connection.State.Links(h).Link(request.Bridge)?.Mtu;
        steps.Add(new CreateVeth(h, port, inside, ns, PeerMacAddress: ApplianceNaming.ApplianceMac(request), Mtu: bridgeMtu is < 1500 ? bridgeMtu : null).ToStep($"Create the veth {port} ↔ {inside} for {request.Name}"));
        steps.Add(new SetAlias(h, port, record).ToStep($"Record {request.Name} on {port}"));
        steps.Add(new PlugLink(h, port, request.Bridge).ToStep($"Plug {port} into {request.Bridge}"));
        steps.Add(new AddAddress(at, inside, address).WithoutUndo($"Give {inside} the address {address}"));
        steps.Add(new SetLinkState(at, inside).WithoutUndo($"Bring {inside} up"));
        steps.Add(new SetLinkState(at, "lo").WithoutUndo("Bring lo up"));

        if (replacing is not null)
        {
            // A default route that leads nowhere (or one the user asked to replace) gives way; the record keeps it for Disconnect.
            steps.Add(new ReplaceRoute(at, "default", gateway, inside, replacing)
                .Testing($"Route {request.Name}'s traffic via {gateway} instead of {replacing.Gateway}", s => s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway) && r.Device == inside)));
            return;
        }

        // A container that already has a working default route (from a Docker network) keeps it.
        steps.Add(new AddRoute(at, "default", gateway, inside).Shaped(
            $"Route {request.Name}'s traffic via {gateway}",
            null,
            s => onlyIfNoDefault ? s.Routes(ns).Any(r => r.IsDefault) : s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway))));
    }

    /// <summary>The MAC of the inside end: derived for a new one, read for one already connected.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="ns">The appliance's namespace.</param>
    /// <param name="inside">The inside end.</param>
    /// <returns>The MAC.</returns>
    protected static string InsideMac(Connection connection, string ns, string inside)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var derived = ApplianceNaming.ApplianceMac(connection.Request);
        return connection.Recorded is null ? derived : connection.State.Links(ns).Link(inside)?.MacAddress ?? derived;
    }
}
