using System.Text.Json.Serialization;

namespace VirtualLan.Configuration;

/// <summary>
/// The whole LAN as a user declares it: bridges, routers, appliances, port forwards and host NAT,
/// without what the kernel chose (ifindexes, MACs, PIDs). Written by Export-VlanConfiguration,
/// checked by Test-VlanConfiguration and applied by Sync-VlanConfiguration; its JSON Schema is
/// <see cref="LanDocumentJson.SchemaFileName"/> in the module's folder.
/// </summary>
public sealed class LanDocument
{
    /// <summary>The document version this module reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Gets the schema the document names, for editors; not compared.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>Gets the document's format version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Gets the bridges.</summary>
    public IReadOnlyList<BridgeEntry> Bridges { get; init; } = Array.Empty<BridgeEntry>();

    /// <summary>Gets the router namespaces.</summary>
    public IReadOnlyList<RouterEntry> Routers { get; init; } = Array.Empty<RouterEntry>();

    /// <summary>Gets host NAT, one entry per bridge that uses it.</summary>
    public IReadOnlyList<HostNatEntry> HostNat { get; init; } = Array.Empty<HostNatEntry>();

    /// <summary>Gets or initializes the LANs' DHCP and DNS servers.</summary>
    public IReadOnlyList<DhcpEntry> Dhcp { get; init; } = Array.Empty<DhcpEntry>();

    /// <summary>Gets the appliances.</summary>
    public IReadOnlyList<ApplianceEntry> Appliances { get; init; } = Array.Empty<ApplianceEntry>();

    /// <summary>Gets the port forwards.</summary>
    public IReadOnlyList<PortForwardEntry> PortForwards { get; init; } = Array.Empty<PortForwardEntry>();

    /// <summary>Gets the VXLAN tunnels that stretch bridges to other hosts.</summary>
    public IReadOnlyList<TunnelEntry> Tunnels { get; init; } = Array.Empty<TunnelEntry>();
}

/// <summary>A bridge: New-VlanBridge's parameters.</summary>
public sealed record BridgeEntry
{
    /// <summary>Gets the bridge's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the host's address on the bridge with the LAN's prefix, such as 172.24.0.1/16.</summary>
    public required string Address { get; init; }

    /// <summary>Gets the bridge's MTU, or null for the kernel's default.</summary>
    public int? Mtu { get; init; }
}

/// <summary>A router namespace: Add-VlanRouterNamespace's parameters.</summary>
public sealed record RouterEntry
{
    /// <summary>Gets the router's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the bridge of its LAN.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the router's address on the LAN (the appliances' gateway), or null for .254 of the LAN.</summary>
    public string? Gateway { get; init; }

    /// <summary>Gets the uplink the router takes.</summary>
    public required string Uplink { get; init; }

    /// <summary>Gets how the uplink is addressed: keep, static or dhcp.</summary>
    public string UplinkMode { get; init; } = "keep";

    /// <summary>Gets the static uplink address with prefix (uplinkMode static).</summary>
    public string? UplinkAddress { get; init; }

    /// <summary>Gets the static uplink gateway (uplinkMode static).</summary>
    public string? UplinkGateway { get; init; }

    /// <summary>Gets the host's end of the host link with prefix, or null for the first free /30 from 100.64.0.1/30.</summary>
    public string? HostLink { get; init; }

    /// <summary>Gets a value indicating whether the host's default route goes through the router.</summary>
    public bool RouteHostTraffic { get; init; }
}

/// <summary>The DHCP and DNS server of one LAN: Enable-VlanDhcp's parameters; null ones take their defaults.</summary>
public sealed record DhcpEntry
{
    /// <summary>Gets or initializes the bridge.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the DNS domain, or null for lan.</summary>
    public string? Domain { get; init; }

    /// <summary>Gets or initializes the general range as FIRST-LAST, or null for the default.</summary>
    public string? Range { get; init; }

    /// <summary>Gets or initializes the lease time in seconds, or null for an hour.</summary>
    public int? LeaseSeconds { get; init; }

    /// <summary>Gets or initializes the DNS search domains, or null for the domain alone.</summary>
    public IReadOnlyList<string>? SearchDomains { get; init; }

    /// <inheritdoc />
    public bool Equals(DhcpEntry? other) =>
        other is not null && Bridge == other.Bridge && Domain == other.Domain && Range == other.Range && LeaseSeconds == other.LeaseSeconds
        && (SearchDomains ?? Array.Empty<string>()).SequenceEqual(other.SearchDomains ?? Array.Empty<string>());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Bridge, Domain, Range, LeaseSeconds);
}

/// <summary>Host NAT for one bridge: Enable-VlanHostNat's parameters.</summary>
public sealed record HostNatEntry
{
    /// <summary>Gets the bridge whose LAN the host masquerades.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the host's uplink.</summary>
    public required string Uplink { get; init; }
}

/// <summary>An appliance: Connect-VlanAppliance's parameters.</summary>
public sealed record ApplianceEntry
{
    /// <summary>Gets the kind: namespace, container, dockerNetwork, tap or interface.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the appliance's name: the namespace, container, Docker network, tap or link.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the bridge it is plugged into.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets its address with prefix, or null for the next free one of its kind's pool (a Docker network has none).</summary>
    public string? Address { get; init; }

    /// <summary>Gets its gateway, or null for the router's (or the bridge's address).</summary>
    public string? Gateway { get; init; }

    /// <summary>Gets the name of its interface inside its namespace (namespaces and containers), or null for the default.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Gets a value indicating whether a missing namespace is made (-Create).</summary>
    public bool Create { get; init; }

    /// <summary>Gets the user who owns a tap the module makes (-TapOwner).</summary>
    public string? TapOwner { get; init; }

    /// <summary>Gets a value indicating whether a Docker network's containers get LAN addresses (-ReaddressContainers).</summary>
    public bool ReaddressContainers { get; init; }

    /// <summary>Gets a value indicating whether a container's working default route is replaced too (-ReplaceDefaultRoute).</summary>
    public bool ReplaceDefaultRoute { get; init; }
}

/// <summary>A port forward on a router: Add-VlanPortForward's parameters.</summary>
public sealed record PortForwardEntry
{
    /// <summary>Gets the router.</summary>
    public required string Router { get; init; }

    /// <summary>Gets the protocol: tcp or udp.</summary>
    public required string Protocol { get; init; }

    /// <summary>Gets the external port or range, such as 8080 or 8000-8010.</summary>
    public required string ExternalPort { get; init; }

    /// <summary>Gets the server's address on the LAN.</summary>
    public required string InternalAddress { get; init; }

    /// <summary>Gets the server's port or first port, or null for the external one.</summary>
    public string? InternalPort { get; init; }

    /// <summary>Gets the public address, or null for the router's uplink address.</summary>
    public string? ExternalAddress { get; init; }
}

/// <summary>A VXLAN tunnel of one bridge: Add-VlanTunnel's parameters.</summary>
public sealed record TunnelEntry
{
    /// <summary>Gets the bridge.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the VNI, the same on every host.</summary>
    public required int Vni { get; init; }

    /// <summary>Gets the UDP port, or null for 4789.</summary>
    public int? Port { get; init; }

    /// <summary>Gets the other hosts' underlay addresses.</summary>
    public required IReadOnlyList<string> Peers { get; init; }

    /// <summary>Gets the local underlay address, or null for auto.</summary>
    public string? Local { get; init; }

    /// <summary>Gets this host's index in the LAN (0–3).</summary>
    public int HostIndex { get; init; }
}
