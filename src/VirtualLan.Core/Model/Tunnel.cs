using System.Net;

namespace VirtualLan;

/// <summary>
/// A VXLAN tunnel that stretches a bridge's LAN to other hosts: one VXLAN device, a port of the
/// bridge, sending every broadcast and unknown frame to each peer (head-end replication, no
/// multicast). Its MTU is the underlay's minus 50, as are the bridge's and its ports'.
/// </summary>
public sealed class Tunnel
{
    /// <summary>Gets or initializes the bridge the tunnel is a port of.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the VXLAN network identifier (1–16777215); both ends use the same.</summary>
    public required int Vni { get; init; }

    /// <summary>Gets or initializes the UDP port (4789 by default); both ends use the same.</summary>
    public required int Port { get; init; }

    /// <summary>Gets or initializes the local underlay address the tunnel sends from.</summary>
    public required IPAddress Local { get; init; }

    /// <summary>Gets or initializes the other hosts' underlay addresses.</summary>
    public required IReadOnlyList<IPAddress> Peers { get; init; }

    /// <summary>Gets or initializes the tunnel's MTU: the underlay's minus the 50 bytes of VXLAN over IPv4.</summary>
    public required int Mtu { get; init; }

    /// <summary>Gets or initializes the VXLAN device, vx followed by the VNI.</summary>
    public required string Device { get; init; }

    /// <summary>Gets or initializes the router whose namespace holds the tunnel's socket (its uplink), or null when the host holds it.</summary>
    public string? Router { get; init; }

    /// <summary>Gets or initializes the underlay link the tunnel's packets leave by.</summary>
    public string? Underlay { get; init; }

    /// <summary>Gets or initializes this host's index in the LAN (0–3): the quarter of every address pool its appliances get addresses from.</summary>
    public int HostIndex { get; init; }

    /// <summary>Gets or initializes the sandbox, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => Device;
}
