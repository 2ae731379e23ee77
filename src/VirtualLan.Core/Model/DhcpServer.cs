using System.Net;

namespace VirtualLan;

/// <summary>One range of addresses the LAN's DHCP server hands out, and to which clients.</summary>
/// <param name="Vendor">Who gets it: QEMU (MACs 52:54:00), VirtualBox (08:00:27 and 0a:00:27) or Other (any other MAC).</param>
/// <param name="First">The first address.</param>
/// <param name="Last">The last address.</param>
public sealed record DhcpRange(string Vendor, IPAddress First, IPAddress Last)
{
    /// <inheritdoc />
    public override string ToString() => $"{Vendor} {First}-{Last}";
}

/// <summary>
/// A LAN's DHCP and DNS server: a dnsmasq in the router's namespace bound to its LAN leg, or, with
/// no router, in the host's namespace bound to the bridge.
/// </summary>
public sealed class DhcpServer
{
    /// <summary>Gets or initializes the bridge of the LAN served.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the router whose namespace dnsmasq runs in, or null when it runs in the host's.</summary>
    public string? Router { get; init; }

    /// <summary>Gets or initializes the namespace dnsmasq runs in (null: the host's own).</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the link dnsmasq is bound to: the router's lan0, or the bridge.</summary>
    public required string Interface { get; init; }

    /// <summary>Gets or initializes the address clients get as their DNS server (the router's gateway or the bridge's address).</summary>
    public required IPAddress ServerAddress { get; init; }

    /// <summary>Gets or initializes the gateway clients are given, or null when the LAN has no way out.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets or initializes the DNS domain of the LAN's names, such as lan.</summary>
    public required string Domain { get; init; }

    /// <summary>Gets or initializes the DNS search domains given to clients.</summary>
    public required IReadOnlyList<string> SearchDomains { get; init; }

    /// <summary>Gets or initializes how long a lease lasts.</summary>
    public required TimeSpan LeaseTime { get; init; }

    /// <summary>Gets or initializes the MTU given to clients (DHCP option 26), or null when the LAN's MTU is the usual 1500.</summary>
    public int? Mtu { get; init; }

    /// <summary>Gets or initializes the ranges handed out, by MAC vendor.</summary>
    public required IReadOnlyList<DhcpRange> Ranges { get; init; }

    /// <summary>Gets or initializes the DNS servers queries for other names go to (the router's or host's, loopback ones left out).</summary>
    public required IReadOnlyList<IPAddress> Upstreams { get; init; }

    /// <summary>Gets or initializes the process id of dnsmasq, or null when it is not running.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Gets a value indicating whether dnsmasq is running.</summary>
    public bool Running => ProcessId is not null;

    /// <summary>Gets or initializes the root-only folder holding its configuration, hosts, leases and pid file.</summary>
    public required string Folder { get; init; }

    /// <summary>Gets or initializes the sandbox, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Bridge} ({Domain})";
}

/// <summary>A lease of a LAN's DHCP server: dynamic (from dnsmasq's lease file) or static (an appliance of the module).</summary>
public sealed class DhcpLease
{
    /// <summary>Gets or initializes the bridge of the LAN.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the client's MAC address.</summary>
    public required string MacAddress { get; init; }

    /// <summary>Gets or initializes the leased address.</summary>
    public required IPAddress Address { get; init; }

    /// <summary>Gets or initializes the client's host name, or null when it sent none.</summary>
    public string? HostName { get; init; }

    /// <summary>Gets or initializes when the lease ends, or null for a static lease.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>Gets or initializes a value indicating whether the lease is a static one the module keeps for an appliance.</summary>
    public bool IsStatic { get; init; }

    /// <summary>Gets or initializes the sandbox, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Address} {MacAddress}";
}
