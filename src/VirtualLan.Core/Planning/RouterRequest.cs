using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>A validated request for a router namespace: what Add-VlanRouterNamespace was asked to make.</summary>
public sealed class RouterRequest
{
    /// <summary>The seed's router name.</summary>
    public const string DefaultName = "router";

    /// <summary>The host side of the default host ↔ router link: a /30 from the shared address space (RFC 6598), which home and office LANs rarely use.</summary>
    public const string DefaultHostLink = "100.64.0.1/30";

    /// <summary>The longest router name: the host ends of its links are named NAME-br and NAME-hl, within the kernel's 15 bytes.</summary>
    public const int MaxNameBytes = 12;

    private RouterRequest()
    {
    }

    /// <summary>Gets the router name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the bridge name.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the gateway address on the LAN, or null for the default (.254 of the LAN).</summary>
    public IPAddress? GatewayAddress { get; init; }

    /// <summary>Gets the uplink.</summary>
    public required string Uplink { get; init; }

    /// <summary>Gets how the uplink is addressed.</summary>
    public required UplinkMode Mode { get; init; }

    /// <summary>Gets the static uplink address, with -UplinkAddress.</summary>
    public Ipv4Cidr? UplinkAddress { get; init; }

    /// <summary>Gets the static uplink gateway, with -UplinkGateway.</summary>
    public IPAddress? UplinkGateway { get; init; }

    /// <summary>Gets the host's address on the host ↔ router link.</summary>
    public required Ipv4Cidr HostLink { get; init; }

    /// <summary>Gets a value indicating whether -HostLink was left out: the router then takes the first free /30 from <see cref="DefaultHostLink"/> on (or keeps the one it has).</summary>
    public bool HostLinkIsDefault { get; init; }

    /// <summary>Gets a value indicating whether the host's default route goes through the router.</summary>
    public required bool RouteHostTraffic { get; init; }

    /// <summary>Gets the host end of the LAN leg.</summary>
    public string BridgePort => Name + "-br";

    /// <summary>Gets the host end of the host ↔ router link.</summary>
    public string HostInterface => Name + "-hl";

    /// <summary>Checks the parameters of Add-VlanRouterNamespace; nothing is read from the kernel yet.</summary>
    /// <param name="name">The router name; null is refused (the cmdlet passes router when the parameter is left out).</param>
    /// <param name="bridge">The bridge name.</param>
    /// <param name="gatewayAddress">The LAN gateway address, or null for the default.</param>
    /// <param name="uplink">The uplink link.</param>
    /// <param name="dhcp">Whether to use DHCP on the uplink.</param>
    /// <param name="uplinkAddress">The static uplink address, or null.</param>
    /// <param name="uplinkGateway">The static uplink gateway, or null.</param>
    /// <param name="hostLink">The host side of the host ↔ router link, or null for the default.</param>
    /// <param name="routeHostTraffic">Whether the host's default route goes through the router.</param>
    /// <returns>The request.</returns>
    /// <exception cref="VlanException">A parameter is invalid.</exception>
    public static RouterRequest Create(
        string? name,
        string? bridge,
        string? gatewayAddress,
        string? uplink,
        bool dhcp,
        string? uplinkAddress,
        string? uplinkGateway,
        string? hostLink,
        bool routeHostTraffic)
    {
        var checkedName = Names.Interface(name, "Name");
        if (System.Text.Encoding.UTF8.GetByteCount(checkedName) > MaxNameBytes)
        {
            throw new VlanException(
                ErrorIds.InvalidInterfaceName,
                VlanErrorKind.InvalidArgument,
                checkedName,
                $"-Name '{checkedName}' is longer than {MaxNameBytes} bytes; the router's links are named after it ({checkedName}-br, {checkedName}-hl) and the kernel allows 15 bytes. Use a shorter name, such as router.");
        }

        var mode = dhcp ? UplinkMode.Dhcp : uplinkAddress is not null ? UplinkMode.Static : UplinkMode.Keep;
        var link = ParseHostAddress(hostLink ?? DefaultHostLink, "HostLink");
        return new RouterRequest
        {
            Name = checkedName,
            Bridge = Names.Interface(bridge, "Bridge"),
            GatewayAddress = gatewayAddress is null ? null : ParseUnicast(gatewayAddress, "GatewayAddress"),
            Uplink = Names.Interface(uplink, "Uplink"),
            Mode = mode,
            UplinkAddress = uplinkAddress is null ? null : ParseHostAddress(uplinkAddress, "UplinkAddress"),
            UplinkGateway = uplinkGateway is null ? null : ParseUnicast(uplinkGateway, "UplinkGateway"),
            HostLink = link,
            HostLinkIsDefault = hostLink is null,
            RouteHostTraffic = routeHostTraffic,
        };
    }

    /// <summary>Parses a plain IPv4 address.</summary>
    /// <param name="text">The text.</param>
    /// <param name="parameter">The parameter, for the message.</param>
    /// <returns>The address.</returns>
    /// <exception cref="VlanException">It is not a dotted quad.</exception>
    public static IPAddress ParseAddress(string text, string parameter)
    {
        if (text is not null && text.Contains(':', StringComparison.Ordinal))
        {
            throw new VlanException(ErrorIds.IPv6NotSupported, VlanErrorKind.InvalidArgument, text, $"-{parameter} '{text}' is an IPv6 address; VirtualLan manages IPv4 only. Give a dotted-quad IPv4 address.");
        }

        return Ipv4Cidr.TryParseAddress(text, out _) && IPAddress.TryParse(text, out var address)
            ? address
            : throw new VlanException(ErrorIds.InvalidAddress, VlanErrorKind.InvalidArgument, text, $"-{parameter} '{text}' is not an IPv4 address. Give it as a.b.c.d, without a prefix.");
    }

    private static Ipv4Cidr ParseHostAddress(string text, string parameter)
    {
        var cidr = Ipv4Cidr.Parse(text);
        CheckHost(cidr, text, parameter);
        return cidr.PrefixLength > 30 || cidr.IsNetworkAddress || cidr.IsBroadcastAddress
            ? throw new VlanException(ErrorIds.InvalidHostAddress, VlanErrorKind.InvalidArgument, text, $"-{parameter} {cidr} is not a usable host address with its prefix. Give one such as 198.51.100.2/24.")
            : cidr;
    }

    /// <summary>
    /// Refuses an address with prefix that cannot be a host's on a LAN, host link or uplink: one
    /// outside unicast (0.0.0.0/8, loopback, multicast, 240.0.0.0/4) or a network wider than a /8.
    /// </summary>
    /// <param name="cidr">The address with its prefix.</param>
    /// <param name="text">What the user gave, for the error's target.</param>
    /// <param name="parameter">The parameter, for the message.</param>
    /// <exception cref="VlanException"><see cref="ErrorIds.InvalidHostAddress"/>.</exception>
    internal static void CheckHost(Ipv4Cidr cidr, string? text, string parameter)
    {
        if (Ipv4Cidr.WhyNotUnicast(cidr.Address) is { } why)
        {
            throw new VlanException(ErrorIds.InvalidHostAddress, VlanErrorKind.InvalidArgument, text, $"-{parameter} {cidr} cannot be a host's address: it is {why}. Give a unicast address, such as 172.24.0.1/16 or 100.64.0.1/30.");
        }

        if (cidr.PrefixLength < 8)
        {
            throw new VlanException(ErrorIds.InvalidHostAddress, VlanErrorKind.InvalidArgument, text, $"-{parameter} {cidr} makes a network of /{cidr.PrefixLength}, wider than any LAN (/8 at most) and taking in addresses of the internet. Give a prefix of /8 or longer, such as /16 or /24.");
        }
    }

    /// <summary>Parses an IPv4 address (without prefix) that must be a host's: not 0.0.0.0/8, loopback, multicast or reserved.</summary>
    /// <param name="text">The text.</param>
    /// <param name="parameter">The parameter, for the message.</param>
    /// <returns>The address.</returns>
    /// <exception cref="VlanException">It is not an IPv4 address, or not one a host can hold.</exception>
    public static IPAddress ParseUnicast(string text, string parameter)
    {
        var address = ParseAddress(text, parameter);
        return Ipv4Cidr.WhyNotUnicast(address) is { } why
            ? throw new VlanException(ErrorIds.InvalidAddress, VlanErrorKind.InvalidArgument, text, $"-{parameter} {address} cannot be a host's address: it is {why}. Give a unicast IPv4 address.")
            : address;
    }
}
