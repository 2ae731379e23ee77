using System.Net;

namespace VirtualLan;

/// <summary>The transport protocols a port forward can carry.</summary>
public enum ForwardProtocol
{
    /// <summary>TCP.</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,
}

/// <summary>
/// A port forward on a router: connections to the router's public address and external port go to
/// a server on the LAN, from the internet and, through NAT loopback, from the host and the LAN.
/// </summary>
public sealed class PortForward
{
    /// <summary>Gets or initializes the router.</summary>
    public required string Router { get; init; }

    /// <summary>Gets or initializes the protocol.</summary>
    public required ForwardProtocol Protocol { get; init; }

    /// <summary>Gets or initializes the router's public address the forward answers on.</summary>
    public required IPAddress ExternalAddress { get; init; }

    /// <summary>Gets or initializes the first external port.</summary>
    public required int ExternalPortFirst { get; init; }

    /// <summary>Gets or initializes the last external port; equal to the first for one port.</summary>
    public required int ExternalPortLast { get; init; }

    /// <summary>Gets or initializes the server's address on the LAN.</summary>
    public required IPAddress InternalAddress { get; init; }

    /// <summary>Gets or initializes the server's first port.</summary>
    public required int InternalPortFirst { get; init; }

    /// <summary>Gets or initializes the appliance that holds the internal address, when one does.</summary>
    public string? Appliance { get; init; }

    /// <summary>Gets or initializes a value indicating whether the host and the LAN reach the forward at the public address too.</summary>
    public required bool NatLoopback { get; init; }

    /// <summary>Gets or initializes the sandbox, or null for the machine.</summary>
    public string? Sandbox { get; init; }

    /// <summary>Gets the external port or range, such as 4000 or 4000-4010.</summary>
    public string ExternalPort => Range(ExternalPortFirst, ExternalPortLast);

    /// <summary>Gets the server's port or range, such as 4000 or 5000-5010.</summary>
    public string InternalPort => Range(InternalPortFirst, InternalPortFirst + (ExternalPortLast - ExternalPortFirst));

    /// <inheritdoc />
    public override string ToString() => $"{Protocol.ToString().ToLowerInvariant()}/{ExternalPort} → {InternalAddress}:{InternalPort}";

    private static string Range(int first, int last) =>
        first == last ? first.ToString(System.Globalization.CultureInfo.InvariantCulture) : FormattableString.Invariant($"{first}-{last}");
}
