namespace VirtualLan;

/// <summary>The host as the gateway of a LAN (seed 004's way): IPv4 forwarding and MASQUERADE out of the host's own uplink.</summary>
public sealed class HostNat
{
    /// <summary>Gets or initializes the bridge whose LAN is masqueraded.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the LAN's subnet.</summary>
    public required Ipv4Cidr Subnet { get; init; }

    /// <summary>Gets or initializes the host's link to the outside (seed 004's wlan0).</summary>
    public required string Uplink { get; init; }

    /// <summary>Gets or initializes the host's current net.ipv4.ip_forward.</summary>
    public required string IpForward { get; init; }

    /// <summary>Gets or initializes the value of net.ipv4.ip_forward before host NAT was enabled, restored when it is disabled.</summary>
    public required string PreviousIpForward { get; init; }

    /// <summary>Gets or initializes the sandbox, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Bridge} → {Uplink}";
}
