using System.Globalization;
using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>A checked request for a VXLAN tunnel (Add-VlanTunnel): nothing is read or run before it passes.</summary>
public sealed record TunnelRequest
{
    /// <summary>The IANA port of VXLAN.</summary>
    public const int DefaultPort = 4789;

    /// <summary>The largest VXLAN network identifier (24 bits).</summary>
    public const int MaxVni = 16777215;

    /// <summary>Gets the bridge.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the peers.</summary>
    public required IReadOnlyList<IPAddress> Peers { get; init; }

    /// <summary>Gets the VNI.</summary>
    public required int Vni { get; init; }

    /// <summary>Gets the UDP port.</summary>
    public required int Port { get; init; }

    /// <summary>Gets the local underlay address, or null to choose it (auto).</summary>
    public IPAddress? Local { get; init; }

    /// <summary>Gets this host's index in the LAN (0–3).</summary>
    public int HostIndex { get; init; }

    /// <summary>Checks the parameters of Add-VlanTunnel.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <param name="peers">The peers' underlay addresses.</param>
    /// <param name="vni">The VNI.</param>
    /// <param name="port">The UDP port.</param>
    /// <param name="local">The local address, or "auto"/null.</param>
    /// <param name="hostIndex">This host's index.</param>
    /// <returns>The request.</returns>
    /// <exception cref="VlanException">A parameter is out of range.</exception>
    public static TunnelRequest Create(string bridge, IEnumerable<string> peers, long vni, int port, string? local, int hostIndex)
    {
        Names.Interface(bridge, "Bridge");
        CheckVni(vni);
        if (port is < 1 or > 65535)
        {
            throw new VlanException(ErrorIds.TunnelPortInUse, VlanErrorKind.InvalidArgument, port.ToString(CultureInfo.InvariantCulture), $"-Port {port} is not a UDP port. Give one from 1 to 65535; {DefaultPort} is VXLAN's, and both ends must use the same.");
        }

        if (hostIndex is < 0 or >= Appliances.AddressPool.HostSlices)
        {
            throw new VlanException(ErrorIds.TunnelLocalInvalid, VlanErrorKind.InvalidArgument, hostIndex.ToString(CultureInfo.InvariantCulture), $"-HostIndex {hostIndex} is not 0 to {Appliances.AddressPool.HostSlices - 1}. Give every host of the LAN its own index: each hands out its own quarter of every address pool.");
        }

        IPAddress? localAddress = null;
        if (local is not null && !local.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            localAddress = Unicast(local, "-Local", ErrorIds.TunnelLocalInvalid);
        }

        var list = peers.Select(p => Unicast(p, "-Peer", ErrorIds.TunnelPeerInvalid)).Distinct().ToArray();
        if (list.Length == 0)
        {
            throw new VlanException(ErrorIds.TunnelPeerInvalid, VlanErrorKind.InvalidArgument, bridge, "Give at least one -Peer: the underlay address of another host.");
        }

        return new TunnelRequest { Bridge = bridge, Peers = list, Vni = (int)vni, Port = port, Local = localAddress, HostIndex = hostIndex };
    }

    /// <summary>Checks a VNI.</summary>
    /// <param name="vni">The VNI.</param>
    /// <exception cref="VlanException">It is outside 1–16777215.</exception>
    public static void CheckVni(long vni)
    {
        if (vni is < 1 or > MaxVni)
        {
            throw new VlanException(ErrorIds.TunnelVniInvalid, VlanErrorKind.InvalidArgument, vni.ToString(CultureInfo.InvariantCulture), $"-Vni {vni} is outside 1–{MaxVni} (24 bits). Give every host of the LAN the same VNI in that range, such as 4242.");
        }
    }

    /// <summary>Parses a unicast IPv4 address.</summary>
    /// <param name="text">The text.</param>
    /// <param name="parameter">The parameter, for the message.</param>
    /// <param name="id">The error id.</param>
    /// <returns>The address.</returns>
    public static IPAddress Unicast(string text, string parameter, string id)
    {
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Contains('/', StringComparison.Ordinal))
        {
            throw new VlanException(id, VlanErrorKind.InvalidArgument, text, $"{parameter} '{text}' is not an IPv4 address. Give the other host's underlay address, such as 198.51.100.3.");
        }

        var why = Ipv4Cidr.WhyNotUnicast(address);
        if (why is not null || address.Equals(IPAddress.Broadcast))
        {
            throw new VlanException(id, VlanErrorKind.InvalidArgument, text, $"{parameter} {text} is not a unicast address: it is {why ?? "the limited broadcast"}. VirtualLan's tunnels replicate to each peer by unicast and use no multicast group: give each host's own underlay address.");
        }

        return address;
    }
}
