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
    private readonly Docker _docker;
    private readonly Readers.HostReaders _readers;

    /// <summary>Initializes a new instance of the <see cref="ApplianceService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    /// <param name="readers">The readers an appliance's bridge and router are asked of (a sync's, which know the objects its earlier stages make), or null for the host's own.</param>
    public ApplianceService(NetworkHost host, Docker docker, Readers.HostReaders? readers = null)
    {
        _host = host;
        _kinds = ApplianceKinds.For(host, docker);
        _addresses = new AddressAllocator(host);
        _docker = docker;
        _readers = readers ?? new Readers.HostReaders(host);
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
        var bridge = _readers.Bridge(request.Bridge, state);
        var lan = bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, request.Bridge, $"The bridge '{request.Bridge}' has no address, so its LAN has no subnet. Give it one with New-VlanBridge -Force.");
        var routers = _readers.Routers.Routers(state);
        var router = routers.FirstOrDefault(r => r.Bridge == request.Bridge);
        var gateway = request.Gateway ?? router?.GatewayAddress ?? bridge.Address!;
        var existing = List(state, live: false).FirstOrDefault(a => a.Kind == request.Kind && a.Name == request.Name);
        if (existing is not null && existing.Bridge != request.Bridge)
        {
            throw new VlanException(ErrorIds.ApplianceConflict, VlanErrorKind.ResourceExists, request.Name, $"'{request.Name}' is already connected to the bridge '{existing.Bridge}'. Disconnect it first with Disconnect-VlanAppliance -Name {request.Name}.");
        }

        if (existing is not null && OtherSettings(request, existing, lan) is { } differences)
        {
            throw new VlanException(
                ErrorIds.ApplianceConnected,
                VlanErrorKind.ResourceExists,
                request.Name,
                $"'{request.Name}' is connected to '{existing.Bridge}' already, with {differences}. Nothing was changed. Change it with Set-VlanAppliance -Name {request.Name}{SetArguments(request)}, or leave those parameters out to check that it is in place.");
        }

        var used = _addresses.Used(request.Bridge, lan, router, state);
        used.Add(lan.Address); // the host's own address on the bridge (a bridge only planned holds none yet)
        used.UnionWith(reserved ?? new HashSet<IPAddress>());
        var address = AddressAllocator.Choose(request, lan, existing, used, TunnelService.HostIndexOf(_host, request.Bridge, state));
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

    /// <summary>
    /// Plans unplugging an appliance, removing exactly what was added, with the port forwards that
    /// lead to it and, unless kept, the namespace the module made for it (-Create).
    /// </summary>
    /// <param name="name">The appliance's name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="leaving">
    /// The appliances disconnected together with this one (one pipeline), or null: what they share,
    /// such as the module's jump to DOCKER-USER, goes when the last of them that needs it goes.
    /// </param>
    /// <param name="keepNamespace">True to keep a namespace the module made for the appliance.</param>
    /// <param name="withForwards">False when the forwards go otherwise (their router is removed in the same plan).</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">No appliance has that name.</exception>
    public Plan PlanDisconnect(string name, KernelState state, IReadOnlyCollection<string>? leaving = null, bool keepNamespace = false, bool withForwards = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (port, record) = Find(name, state);
        var steps = new List<Step>();
        var title = $"Disconnect {record.Kind} {name}";
        if (withForwards)
        {
            // The forwards go first, so nothing is forwarded to an address that is leaving the LAN.
            var follower = new ApplianceForwards(_host, _docker);
            var forwards = follower.To(record.Bridge, AddressesOf(record), state);
            steps.AddRange(follower.PlanRemove(forwards, state));
            title += forwards.Count == 0 ? string.Empty : $" with its port forward(s) {ApplianceForwards.Describe(forwards)}";
        }

        steps.AddRange(_kinds[record.Kind].PlanDisconnect(port, record, state, leaving ?? Array.Empty<string>(), keepNamespace));
        return new Plan(title, $"{name} from {record.Bridge} in {_host.DisplayName}", steps);
    }

    /// <summary>
    /// Plans changing a connected appliance's address and gateway: inside it where the module
    /// configures it, in its record, and in the port forwards that lead to it.
    /// </summary>
    /// <param name="name">The appliance's name.</param>
    /// <param name="address">The new address (with or without the LAN's prefix), or null to keep it.</param>
    /// <param name="gateway">The new gateway, or null to keep it.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="reserved">Addresses that earlier inputs of the same pipeline took; the new one is added. Null when the plan stands alone.</param>
    /// <returns>The plan, the appliance as it will be, and what the user must do besides (a VM configures itself), or null.</returns>
    /// <exception cref="VlanException">No such appliance, the address or gateway do not fit, or the kind cannot change them.</exception>
    public (Plan Plan, Appliance Appliance, string? Notice) PlanSet(string name, string? address, IPAddress? gateway, KernelState state, ISet<IPAddress>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (port, record) = Find(name, state);
        var kind = _kinds[record.Kind];
        var bridge = new BridgeService(_host).Read(record.Bridge, state);
        var lan = bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, record.Bridge, $"The bridge '{record.Bridge}' has no address, so its LAN has no subnet. Give it one with Set-VlanBridge -Address.");
        var existing = kind.Describe(port, record, state, readLive: false);
        var newAddress = record.Address;
        if (address is not null)
        {
            var routers = new Readers.RouterReader(_host).Routers(state);
            // The host may still remember the appliance at an address it held before: that is no other holder.
            var ownMac = kind.Describe(port, record, state, readLive: true).MacAddress;
            var used = _addresses.Used(record.Bridge, lan, routers.FirstOrDefault(r => r.Bridge == record.Bridge), state, ownMac);
            used.UnionWith(reserved ?? new HashSet<IPAddress>());
            var request = ApplianceRequest.Create(record.Kind, record.Name, record.Bridge, address, null, null, null, false);
            newAddress = AddressAllocator.Choose(request, lan, existing, used, TunnelService.HostIndexOf(_host, request.Bridge, state));
            reserved?.Add(newAddress.Value.Address);
        }

        var newGateway = gateway ?? record.Gateway;
        if (gateway is not null && (!lan.Contains(gateway) || gateway.Equals(lan.Network.Address) || gateway.Equals(lan.Broadcast) || gateway.Equals(newAddress?.Address)))
        {
            throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidArgument, gateway.ToString(), $"-Gateway {gateway} is not another host of the LAN {lan.Network} of '{record.Bridge}'. Give the router's or the bridge's address (Get-VlanRouterNamespace, Get-VlanBridge).");
        }

        var changed = record with { Address = newAddress, Gateway = newGateway };
        var title = $"Set {record.Kind} {name}";
        if (changed == record)
        {
            return (new Plan(title, $"{name} on {record.Bridge} in {_host.DisplayName}", Array.Empty<Step>()), existing, null);
        }

        var (steps, notice) = kind.PlanSet(port, record, changed, state);
        var all = steps.ToList();
        if (record.Address is { } old && newAddress is { } fresh && old.Address != fresh.Address)
        {
            var follower = new ApplianceForwards(_host, _docker);
            var forwards = follower.To(record.Bridge, new[] { old.Address }, state);
            all.AddRange(follower.PlanFollow(forwards, fresh.Address, name, state));
            title += forwards.Count == 0 ? string.Empty : $" and its port forward(s) {ApplianceForwards.Describe(forwards)}";
        }

        title += $" to {string.Join(", ", new[] { newAddress != record.Address ? "address " + newAddress : null, !Equals(newGateway, record.Gateway) ? "gateway " + newGateway : null }.OfType<string>())}";
        var appliance = kind.Describe(port, changed, state, readLive: false);
        return (new Plan(title, $"{name} on {record.Bridge} in {_host.DisplayName}", all), appliance, notice);
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

    private static IReadOnlyCollection<IPAddress> AddressesOf(ApplianceRecord record) =>
        (record.Address is { } address ? new[] { address.Address } : Array.Empty<IPAddress>()).Concat(record.ContainerAddresses ?? Array.Empty<IPAddress>()).ToArray();

    private (LinkState Port, ApplianceRecord Record) Find(string name, KernelState state)
    {
        // Parsed once per state: a teardown finds each of hundreds of appliances in the same links.
        var records = state.Derived("appliance-ports/" + _host.DisplayName, () =>
        {
            var byName = new Dictionary<string, (LinkState Port, ApplianceRecord Record)>(StringComparer.Ordinal);
            foreach (var link in state.Links(_host.Sandbox).Links)
            {
                if (ApplianceRecord.Parse(link.Alias) is { } parsed)
                {
                    byName.TryAdd(parsed.Name, (link, parsed));
                }
            }

            return byName;
        });
        if (!records.TryGetValue(name, out var found))
        {
            throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, name, $"No appliance named '{name}' is connected in {_host.DisplayName}. Run Get-VlanAppliance to see them.");
        }

        return found;
    }

    private static string? OtherSettings(ApplianceRequest request, Appliance existing, Ipv4Cidr lan)
    {
        var differences = new List<string>();
        if (request.Address is { } asked && request.Kind != ApplianceKind.DockerNetwork)
        {
            var wanted = Ipv4Cidr.Parse(asked.Contains('/', StringComparison.Ordinal) ? asked : $"{asked}/{lan.PrefixLength}");
            if (existing.Cidr != wanted)
            {
                differences.Add($"the address {existing.Cidr?.ToString() ?? "(none)"}, not {wanted}");
            }
        }

        if (request.Gateway is { } gateway && !gateway.Equals(existing.Gateway))
        {
            differences.Add($"the gateway {existing.Gateway?.ToString() ?? "(none)"}, not {gateway}");
        }

        if (request.InterfaceName is { } inside && existing.Interface is { } had && inside != had)
        {
            differences.Add($"the interface {had}, not {inside} (Disconnect-VlanAppliance and connect it again to rename it)");
        }

        return differences.Count == 0 ? null : string.Join(" and ", differences);
    }

    private static string SetArguments(ApplianceRequest request) =>
        (request.Address is null ? string.Empty : " -Address " + request.Address) + (request.Gateway is null ? string.Empty : " -Gateway " + request.Gateway);

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
