using System.Net;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// Finds the addresses in use on a LAN (links, appliance records, the router, confirmed neighbours)
/// and chooses an appliance's: the one asked for, the one it already has, or the next free one of
/// its kind's pool (<see cref="AddressPool"/>).
/// </summary>
internal sealed class AddressAllocator
{
    private readonly NetworkHost _host;

    /// <summary>Initializes a new instance of the <see cref="AddressAllocator"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public AddressAllocator(NetworkHost host)
    {
        _host = host;
    }

    /// <summary>Chooses the address of an appliance.</summary>
    /// <param name="request">The request.</param>
    /// <param name="lan">The LAN.</param>
    /// <param name="existing">The same appliance, already connected, or null.</param>
    /// <param name="used">The addresses in use.</param>
    /// <param name="hostIndex">This host's index in a LAN a tunnel stretches (its quarter of the pool), or null.</param>
    /// <returns>The address with the LAN's prefix.</returns>
    /// <exception cref="VlanException">The address asked for is outside the LAN or taken, or the pool is full.</exception>
    public static Ipv4Cidr Choose(ApplianceRequest request, Ipv4Cidr lan, Appliance? existing, ISet<IPAddress> used, int? hostIndex = null)
    {
        if (request.Address is null)
        {
            if (existing?.Cidr is { } kept && request.Kind != ApplianceKind.DockerNetwork)
            {
                return kept;
            }

            return AddressPool.Next(lan, request.Kind, used, hostIndex);
        }

        var text = request.Address.Contains('/', StringComparison.Ordinal) ? request.Address : $"{request.Address}/{lan.PrefixLength}";
        var address = Ipv4Cidr.Parse(text);
        if (address.PrefixLength != lan.PrefixLength || !lan.Contains(address.Address) || address.IsNetworkAddress || address.IsBroadcastAddress)
        {
            throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidArgument, request.Address, $"-Address {request.Address} is not a host address of the LAN {lan.Network} of '{request.Bridge}'. Give one inside it, or leave -Address out to take the next free one.");
        }

        if (used.Contains(address.Address) && existing?.Cidr != address)
        {
            throw new VlanException(ErrorIds.AddressNotFree, VlanErrorKind.ResourceExists, request.Address, $"-Address {address.Address} is already used on the LAN {lan.Network}. Leave -Address out to take the next free one, or run Get-VlanAppliance to see who has it.");
        }

        return address;
    }

    /// <summary>Returns the addresses in use on a LAN.</summary>
    /// <param name="bridge">The LAN's bridge.</param>
    /// <param name="lan">The LAN.</param>
    /// <param name="router">Its router, or null.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="ownMac">The MAC of the appliance being given an address: a neighbour seen with it is that appliance itself (an address it held before), not another holder.</param>
    /// <returns>The addresses.</returns>
    public HashSet<IPAddress> Used(string bridge, Ipv4Cidr lan, Router? router, KernelState state, string? ownMac = null)
    {
        var h = _host.Sandbox;
        var used = new HashSet<IPAddress>();
        foreach (var link in state.Links(h).Links)
        {
            foreach (var address in link.Addresses.Where(a => lan.Contains(a.Address)))
            {
                used.Add(address.Address);
            }

            var record = ApplianceRecord.Parse(link.Alias);
            if (record?.Address is { } recorded)
            {
                used.Add(recorded.Address);
            }

            used.UnionWith(record?.ContainerAddresses ?? Array.Empty<IPAddress>());
        }

        if (router is not null)
        {
            used.Add(router.GatewayAddress);
        }

        // A bridge only planned (a sync's earlier stage, not applied under -WhatIf) has no neighbours yet.
        var neighbors = state.Links(h).Link(bridge) is null ? Array.Empty<Neighbor>() : state.Neighbors(h, bridge);
        foreach (var neighbor in neighbors.Where(n => ownMac is null || !string.Equals(n.MacAddress, ownMac, StringComparison.OrdinalIgnoreCase)))
        {
            used.Add(neighbor.Address);
        }

        // An address the LAN's DHCP server leased is never handed out again, even while its guest is off.
        used.UnionWith(Dnsmasq.Leased(router?.Namespace ?? _host.Sandbox, bridge, Dnsmasq.ReadOrNull));

        return used;
    }
}
