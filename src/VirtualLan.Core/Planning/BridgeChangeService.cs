using System.Globalization;
using System.Net;
using VirtualLan.Appliances;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;

namespace VirtualLan.Planning;

/// <summary>
/// Plans changing a bridge (Set-VlanBridge): the host's address on the LAN and the bridge's MTU.
/// A new address inside the same subnet is free to take, and the appliances that use the old one as
/// their gateway follow it in the same plan; the router keeps its own gateway address, and host NAT
/// and forwards match on the subnet, so none of them changes. Moving a LAN in use to another subnet
/// would need every appliance, the router and host NAT rebuilt, and is refused
/// (<see cref="ErrorIds.SubnetInUse"/>).
/// </summary>
public sealed class BridgeChangeService
{
    private readonly NetworkHost _host;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="BridgeChangeService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers (the appliances that follow a new gateway).</param>
    public BridgeChangeService(NetworkHost host, Docker docker)
    {
        _host = host;
        _docker = docker;
    }

    /// <summary>Plans changing a bridge's address and MTU.</summary>
    /// <param name="name">The bridge.</param>
    /// <param name="address">The host's new address on the LAN with its prefix, or null to keep it.</param>
    /// <param name="mtu">The new MTU, or null to keep it.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan, and what users of the LAN must do besides (VMs that configure themselves), one line each.</returns>
    /// <exception cref="VlanException">The bridge is not found or not VirtualLan's, the values are invalid, the address is taken, or the LAN is in use and the subnet would change.</exception>
    public (Plan Plan, IReadOnlyList<string> Notices) PlanSet(string? name, string? address, int? mtu, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);

        // The request checks the name, the address (a host address, /30 or shorter) and the MTU.
        var request = BridgeRequest.Create(name, address ?? BridgeRequest.DefaultAddress, mtu, force: false);
        var ns = _host.Namespace;
        var at = ns;
        var links = state.Links(ns);
        var bridge = new BridgeService(_host).Read(request.Name, state);
        var link = links.Link(request.Name)!;
        if (link.Alias != BridgeService.Marker)
        {
            throw new VlanException(ErrorIds.BridgeNotManaged, VlanErrorKind.InvalidOperation, request.Name, $"The bridge '{request.Name}' in {_host.DisplayName} was not made by VirtualLan (another tool, such as Docker, may own it), so VirtualLan does not change it.");
        }

        var steps = new List<Step>();
        var notices = new List<string>();
        var title = new List<string>();
        if (address is not null && bridge.Cidr != request.Address)
        {
            steps.AddRange(PlanAddress(request, bridge, link, state, notices));
            title.Add("address " + request.Address);
        }

        if (mtu is { } wanted && wanted != link.Mtu)
        {
            // The bridge's own MTU: the host's interface on the LAN. Its ports (the appliances' links) keep theirs.
            steps.Add(new SetMtu(at, request.Name, wanted, link.Mtu).ToStep($"Set the MTU of {request.Name} to {wanted.ToString(CultureInfo.InvariantCulture)}"));
            title.Add("MTU " + wanted.ToString(CultureInfo.InvariantCulture));
        }

        var text = title.Count == 0 ? $"Set bridge {request.Name}" : $"Set bridge {request.Name} to {string.Join(", ", title)}";
        return (new Plan(text, $"{request.Name} in {_host.DisplayName}", steps), notices);
    }

    private IEnumerable<Step> PlanAddress(BridgeRequest request, Bridge bridge, LinkState link, KernelState state, List<string> notices)
    {
        var ns = _host.Namespace;
        var at = ns;
        var name = request.Name;
        var wanted = request.Address;
        var links = state.Links(ns);
        if (links.HolderOf(wanted.Address) is { } holder && holder.Name != name)
        {
            throw new VlanException(ErrorIds.AddressInUse, VlanErrorKind.ResourceExists, wanted.ToString(), $"The address {wanted.Address} is already on the link '{holder.Name}' in {_host.DisplayName}. Choose another -Address.");
        }

        var overlap = links.Links
            .Where(l => l.Name != name && l.Name != "lo")
            .SelectMany(l => l.Addresses.Select(a => (Link: l.Name, Address: a)))
            .FirstOrDefault(x => x.Address.Overlaps(wanted));
        if (overlap.Link is not null)
        {
            throw new VlanException(ErrorIds.SubnetOverlap, VlanErrorKind.InvalidArgument, wanted.ToString(), $"The LAN {wanted.Network} overlaps {overlap.Address.Network} of the link '{overlap.Link}' in {_host.DisplayName}. Choose an -Address on a subnet of its own.");
        }

        var appliances = new ApplianceService(_host, _docker);
        var readers = HostReaders.For(_host, _docker);
        var routers = readers.Routers.Routers(state).Where(r => r.Bridge == name).ToArray();
        var onLan = appliances.List(state, live: false).Where(a => a.Bridge == name).ToArray();
        var hostNat = readers.HostNat.Read(name, state);
        var old = bridge.Cidr;
        if (old is { } before && before.Network != wanted.Network && (routers.Length > 0 || onLan.Length > 0 || hostNat is not null))
        {
            var users = routers.Select(r => "the router " + r.Name)
                .Concat(onLan.Select(a => "the appliance " + a.Name))
                .Concat(hostNat is null ? Array.Empty<string>() : new[] { "host NAT" });
            throw new VlanException(
                ErrorIds.SubnetInUse,
                VlanErrorKind.InvalidOperation,
                wanted.ToString(),
                $"-Address {wanted} moves the LAN of '{name}' from {before.Network} to {wanted.Network}, and {string.Join(", ", users)} use(s) {before.Network}. Nothing was changed. Give an address inside {before.Network}, or take the LAN down (Remove-VlanBridge {name} -Recurse) and build it again on the new subnet.");
        }

        var used = new AddressAllocator(_host).Used(name, wanted.Network, routers.FirstOrDefault(), state);
        var forwarded = readers.Forwards.List(state).Where(f => routers.Any(r => r.Name == f.Router)).Select(f => f.InternalAddress);
        if ((used.Contains(wanted.Address) && !link.Addresses.Any(a => a.Address.Equals(wanted.Address))) || forwarded.Contains(wanted.Address))
        {
            throw new VlanException(ErrorIds.AddressNotFree, VlanErrorKind.ResourceExists, wanted.ToString(), $"-Address {wanted.Address} is used on the LAN of '{name}' (by an appliance, the router, a neighbour, or as a port forward's target). Choose a free one; Get-VlanAppliance and Get-VlanPortForward show who has what.");
        }

        // The old address goes first: deleting a primary address may take the secondaries of its
        // subnet with it. With the last address the kernel drops the routes via the bridge, so the
        // undo puts them back too.
        foreach (var address in link.Addresses.Where(a => old is { } o && a.Network == o.Network))
        {
            yield return new DeleteAddress(at, name, address).ToStep($"Take the host's {address} off {name}")
                .WithUndo(() => ([new AddAddress(at, name, address).Command, .. Restore.Routes(state, ns, name)], null));
        }

        yield return new AddAddress(at, name, wanted).ToStep($"Give the host {wanted} on {name}");

        // Appliances whose gateway is the host's old address (no router: the host routes or NATs the LAN) follow it.
        if (old is { } previous)
        {
            foreach (var appliance in onLan.Where(a => previous.Address.Equals(a.Gateway)))
            {
                var (plan, _, notice) = appliances.PlanSet(appliance.Name, null, wanted.Address, state);
                if (notice is not null)
                {
                    notices.Add(notice);
                }

                foreach (var step in plan.Steps)
                {
                    yield return step;
                }
            }
        }
    }
}
