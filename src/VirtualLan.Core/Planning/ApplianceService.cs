using System.Net;
using VirtualLan.Appliances;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans plugging appliances into a LAN and unplugging them, and reads them back. What is common to
/// every kind (the bridge, the gateway, the address, the bridge's firewall rule) is worked out here;
/// the rest is the kind's own class under <c>Appliances/</c>, found in <see cref="ApplianceKinds"/>.
/// What an appliance needs to be found and undone is kept in the alias of its bridge port (<see cref="ApplianceRecord"/>).
/// </summary>
public sealed class ApplianceService
{
    private readonly NetworkHost _host;
    private readonly IReadOnlyDictionary<ApplianceKind, IApplianceKind> _kinds;
    private readonly AddressAllocator _addresses;

    /// <summary>Initializes a new instance of the <see cref="ApplianceService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public ApplianceService(NetworkHost host, Docker docker)
    {
        _host = host;
        _kinds = ApplianceKinds.For(host, docker);
        _addresses = new AddressAllocator(host);
    }

    /// <summary>The comment that names the appliance owning a rule.</summary>
    /// <param name="name">The appliance.</param>
    /// <returns>The comment.</returns>
    public static string ApplianceOwner(string name) => DockerNetworkAppliance.Owner(name);

    /// <summary>Plans plugging an appliance in.</summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="reserved">
    /// Addresses that plans made from the same state, for the same pipeline, have taken already;
    /// the address this plan takes is added. Null when the plan stands alone.
    /// </param>
    /// <returns>The plan and the appliance as it will be.</returns>
    /// <exception cref="VlanException">The bridge, the appliance or the address do not fit.</exception>
    public (Plan Plan, Appliance Appliance) PlanConnect(ApplianceRequest request, KernelState state, ISet<IPAddress>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var bridge = new BridgeService(_host).Read(request.Bridge, state);
        var lan = bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, request.Bridge, $"The bridge '{request.Bridge}' has no address, so its LAN has no subnet. Give it one with New-VlanBridge -Force.");
        var routers = new Readers.RouterReader(_host).Routers(state);
        var router = routers.FirstOrDefault(r => r.Bridge == request.Bridge);
        var gateway = request.Gateway ?? router?.GatewayAddress ?? bridge.Address!;
        var existing = List(state, live: false).FirstOrDefault(a => a.Kind == request.Kind && a.Name == request.Name);
        if (existing is not null && existing.Bridge != request.Bridge)
        {
            throw new VlanException(ErrorIds.ApplianceConflict, VlanErrorKind.ResourceExists, request.Name, $"'{request.Name}' is already connected to the bridge '{existing.Bridge}'. Disconnect it first with Disconnect-VlanAppliance -Name {request.Name}.");
        }

        var used = _addresses.Used(request.Bridge, lan, router, state);
        used.UnionWith(reserved ?? new HashSet<IPAddress>());
        var address = AddressAllocator.Choose(request, lan, existing, used);
        var kind = _kinds[request.Kind];
        if (kind.ReservesAddress(request))
        {
            used.Add(address.Address);
        }

        var steps = new List<Step>();
        steps.AddRange(BridgeFirewall.PlanAccept(_host.Sandbox, request.Bridge, state));
        var recorded = state.Links(_host.Sandbox).Links
            .Select(l => ApplianceRecord.Parse(l.Alias))
            .FirstOrDefault(r => r is not null && r.Name == request.Name && r.Kind == request.Kind);
        var warnings = new List<string>();
        var appliance = kind.PlanConnect(new Connection(request, recorded, address, gateway, lan, used, routers, state, warnings), steps);
        reserved?.UnionWith(used);
        return (new Plan($"Connect {request.Kind} {request.Name} to {request.Bridge}", $"{request.Name} on {request.Bridge} in {_host.DisplayName}", steps) { Warnings = warnings }, appliance);
    }

    /// <summary>Lists the appliances plugged into the host's bridges.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="live">
    /// True to read each appliance's address inside its namespace (one read per appliance, for
    /// Get-VlanAppliance); false to take it from the records on the host's links, which one read gives.
    /// </param>
    /// <returns>The appliances, in port order.</returns>
    public IReadOnlyList<Appliance> List(KernelState state, bool live = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        return live ? ReadAppliances(state, live: true) : state.Derived("appliances/" + _host.DisplayName, () => ReadAppliances(state, live: false));
    }

    /// <summary>Plans unplugging an appliance, removing exactly what was added.</summary>
    /// <param name="name">The appliance's name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="leaving">
    /// The appliances disconnected together with this one (one pipeline), or null: what they share,
    /// such as the module's jump to DOCKER-USER, goes when the last of them that needs it goes.
    /// </param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">No appliance has that name.</exception>
    public Plan PlanDisconnect(string name, KernelState state, IReadOnlyCollection<string>? leaving = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (port, record) = state.Links(_host.Sandbox).Links
            .Select(l => (Port: l, Record: ApplianceRecord.Parse(l.Alias)))
            .FirstOrDefault(p => p.Record?.Name == name);
        if (record is null)
        {
            throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, name, $"No appliance named '{name}' is connected in {_host.DisplayName}. Run Get-VlanAppliance to see them.");
        }

        var steps = _kinds[record.Kind].PlanDisconnect(port, record, state, leaving ?? Array.Empty<string>()).ToList();
        return new Plan($"Disconnect {record.Kind} {name}", $"{name} from {record.Bridge} in {_host.DisplayName}", steps);
    }

    /// <summary>Reads one appliance, with its live address.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The appliance, or null when it is not connected.</returns>
    public Appliance? Read(ApplianceKind kind, string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var port in state.Links(_host.Sandbox).Links)
        {
            var record = ApplianceRecord.Parse(port.Alias);
            if (record is not null && record.Kind == kind && record.Name == name && port.Master == record.Bridge)
            {
                return _kinds[kind].Describe(port, record, state, readLive: true);
            }
        }

        return null;
    }

    /// <summary>
    /// Turns an appended rule (<c>-A CHAIN …</c>) into its deletion. Kept for the planners that still
    /// write rules as argv (routers, forwards, host NAT, the tracer); planners on operations use
    /// <see cref="Operations.DeleteRule"/>.
    /// </summary>
    /// <param name="rule">The rule as appended.</param>
    /// <returns>The deletion.</returns>
    internal static string[] Delete(string[] rule)
    {
        var delete = (string[])rule.Clone();
        delete[0] = "-D";
        return delete;
    }

    private IReadOnlyList<Appliance> ReadAppliances(KernelState state, bool live)
    {
        var appliances = new List<Appliance>();
        foreach (var port in state.Links(_host.Sandbox).Links)
        {
            // A port whose record names a bridge it is no longer plugged into was unplugged and waits
            // to be deleted (a tap QEMU still held); it is no longer on a LAN.
            var record = ApplianceRecord.Parse(port.Alias);
            if (record is not null && port.Master == record.Bridge)
            {
                appliances.Add(_kinds[record.Kind].Describe(port, record, state, live));
            }
        }

        return appliances;
    }
}
