using System.Net;

namespace VirtualLan;

/// <summary>How a router's uplink got its address.</summary>
public enum UplinkMode
{
    /// <summary>The addresses and default route the uplink had in the host were moved with it.</summary>
    Keep,

    /// <summary>An address and gateway given by the user.</summary>
    Static,

    /// <summary>A DHCP client running in the router namespace.</summary>
    Dhcp,
}

/// <summary>
/// A PAT router: a network namespace that owns the uplink, forwards the LAN's traffic out of it
/// with MASQUERADE and a default-deny FORWARD policy, and is the LAN's gateway.
/// </summary>
public sealed class Router
{
    /// <summary>Gets or initializes the router's name, such as router.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or initializes the network namespace under /run/netns (the sandbox name is prefixed inside a sandbox).</summary>
    public required string Namespace { get; init; }

    /// <summary>Gets or initializes the bridge whose gateway the router is.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the router's address on the LAN, which appliances use as their default gateway.</summary>
    public required IPAddress GatewayAddress { get; init; }

    /// <summary>Gets or initializes the prefix length of the LAN.</summary>
    public required int PrefixLength { get; init; }

    /// <summary>Gets or initializes the uplink: the link moved into the router namespace.</summary>
    public required string Uplink { get; init; }

    /// <summary>Gets or initializes the uplink's address in the router with its prefix, such as 198.51.100.2/24, or null while it has none.</summary>
    public Ipv4Cidr? UplinkCidr { get; init; }

    /// <summary>Gets the uplink's address in the router, such as 198.51.100.2: the public address of port forwards; null while it has none.</summary>
    public IPAddress? UplinkAddress => UplinkCidr?.Address;

    /// <summary>Gets or initializes the router's default gateway on the uplink side, or null.</summary>
    public IPAddress? UplinkGateway { get; init; }

    /// <summary>Gets or initializes how the uplink got its address.</summary>
    public required UplinkMode UplinkMode { get; init; }

    /// <summary>Gets or initializes the DHCP client used, or null.</summary>
    public string? DhcpClient { get; init; }

    /// <summary>Gets or initializes the router's leg on the LAN, inside the router namespace (lan0).</summary>
    public required string LanInterface { get; init; }

    /// <summary>Gets or initializes the host end of the router's LAN leg, a port of the bridge.</summary>
    public required string BridgePort { get; init; }

    /// <summary>Gets or initializes the host end of the host ↔ router link.</summary>
    public required string HostInterface { get; init; }

    /// <summary>Gets or initializes the host's address on the host ↔ router link with its prefix, such as 100.64.0.1/30.</summary>
    public required Ipv4Cidr HostLinkCidr { get; init; }

    /// <summary>Gets the host's address on the host ↔ router link, such as 100.64.0.1.</summary>
    public IPAddress HostLinkAddress => HostLinkCidr.Address;

    /// <summary>Gets or initializes the router's address on the host ↔ router link, such as 100.64.0.2.</summary>
    public required IPAddress HostLinkPeer { get; init; }

    /// <summary>Gets or initializes a value indicating whether the host's default route goes through the router.</summary>
    public required bool RoutesHostTraffic { get; init; }

    /// <summary>Gets or initializes the policy of the router's FORWARD chain (DROP when healthy).</summary>
    public required string ForwardPolicy { get; init; }

    /// <summary>Gets or initializes the policy of the router's INPUT chain (DROP: only what the module or your USER-INPUT chain accepts reaches the router itself).</summary>
    public string InputPolicy { get; init; } = "ACCEPT";

    /// <summary>Gets or initializes the sandbox the router belongs to, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
