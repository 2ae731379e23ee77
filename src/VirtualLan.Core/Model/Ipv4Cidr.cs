using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtualLan;

/// <summary>
/// An IPv4 address together with its prefix length, such as 172.24.0.1/16: the form in which
/// interface addresses are given to and read from the kernel.
/// </summary>
public readonly record struct Ipv4Cidr
{
    private readonly uint _address;

    private Ipv4Cidr(uint address, int prefixLength)
    {
        _address = address;
        PrefixLength = prefixLength;
    }

    /// <summary>Gets the address part, for example 172.24.0.1.</summary>
    public IPAddress Address => ToAddress(_address);

    /// <summary>Gets the prefix length, from 0 to 32.</summary>
    public int PrefixLength { get; }

    /// <summary>Gets the network this address lies in, for example 172.24.0.0/16.</summary>
    public Ipv4Cidr Network => new(_address & Mask, PrefixLength);

    /// <summary>Gets the broadcast address of the network.</summary>
    public IPAddress Broadcast => ToAddress((_address & Mask) | ~Mask);

    /// <summary>Gets a value indicating whether the address is the network's own address (all host bits zero).</summary>
    public bool IsNetworkAddress => PrefixLength < 31 && (_address & ~Mask) == 0;

    /// <summary>Gets a value indicating whether the address is the network's broadcast address (all host bits one).</summary>
    public bool IsBroadcastAddress => PrefixLength < 31 && (_address & ~Mask) == ~Mask;

    private uint Mask => PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);

    /// <summary>
    /// Parses text of the form a.b.c.d/n. Dotted quads must have exactly four decimal parts;
    /// shorthand forms that <see cref="IPAddress.Parse(string)"/> would accept (such as "10.1") are refused.
    /// </summary>
    /// <param name="text">The text to parse.</param>
    /// <returns>The parsed value.</returns>
    /// <exception cref="VlanException">The text is not an IPv4 CIDR; the exception says why.</exception>
    public static Ipv4Cidr Parse(string? text)
    {
        if (TryParse(text, out var value, out var reason))
        {
            return value;
        }

        var isIpv6 = text is not null && text.Contains(':', StringComparison.Ordinal);
        throw new VlanException(
            isIpv6 ? ErrorIds.IPv6NotSupported : ErrorIds.InvalidCidr,
            VlanErrorKind.InvalidArgument,
            text,
            isIpv6
                ? $"'{text}' is an IPv6 address; VirtualLan manages IPv4 LANs only. Give an IPv4 address with a prefix length, such as 172.24.0.1/16."
                : $"'{text}' is not an IPv4 address with a prefix length: {reason}. Give it as a.b.c.d/n, such as 172.24.0.1/16.");
    }

    /// <summary>Tries to parse text of the form a.b.c.d/n.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="value">The parsed value when the method returns true.</param>
    /// <param name="reason">Why the text was refused when the method returns false.</param>
    /// <returns>True when the text is a valid IPv4 CIDR.</returns>
    public static bool TryParse(string? text, out Ipv4Cidr value, out string reason)
    {
        value = default;
        if (text is null)
        {
            reason = "it is $null (leave the parameter out to use its default)";
            return false;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "it is empty";
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            reason = "the prefix length (/n) is missing";
            return false;
        }

        if (!TryParseAddress(text[..slash], out var address))
        {
            reason = $"'{text[..slash]}' is not a dotted-quad IPv4 address";
            return false;
        }

        var prefixText = text[(slash + 1)..];
        if (prefixText.Length is 0 or > 2 || !prefixText.All(char.IsAsciiDigit)
            || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            reason = $"the prefix length '{prefixText}' is not a number from 0 to 32";
            return false;
        }

        value = new Ipv4Cidr(address, prefix);
        reason = string.Empty;
        return true;
    }

    /// <summary>Parses a plain dotted-quad IPv4 address with exactly four decimal parts.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="address">The address as a host-order integer.</param>
    /// <returns>True when the text is a dotted quad.</returns>
    internal static bool TryParseAddress(string? text, out uint address)
    {
        address = 0;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit)
                || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet) || octet > 255)
            {
                return false;
            }

            address = (address << 8) | (uint)octet;
        }

        return true;
    }

    /// <summary>
    /// Says why an address cannot be a host's own address on a LAN, a host link or an uplink: it
    /// is in 0.0.0.0/8 ("this network"), loopback, multicast or the reserved 240.0.0.0/4 (with the
    /// limited broadcast 255.255.255.255). Null when it can.
    /// </summary>
    /// <param name="address">The IPv4 address.</param>
    /// <returns>The reason, for a message ("it is …"), or null.</returns>
    public static string? WhyNotUnicast(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var first = address.GetAddressBytes()[0];
        return first switch
        {
            0 => "in 0.0.0.0/8, which means 'this network', not a host",
            127 => "in 127.0.0.0/8, the loopback range",
            >= 224 and <= 239 => "in 224.0.0.0/4, the multicast range",
            >= 240 => "in 240.0.0.0/4, which is reserved (255.255.255.255 is the limited broadcast)",
            _ => null,
        };
    }

    /// <summary>Tells whether an address lies inside this network.</summary>
    /// <param name="address">An IPv4 address.</param>
    /// <returns>True when the address is in the network.</returns>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        return (FromAddress(address) & Mask) == (_address & Mask);
    }

    /// <summary>Tells whether two networks share any address.</summary>
    /// <param name="other">The other network.</param>
    /// <returns>True when they overlap.</returns>
    public bool Overlaps(Ipv4Cidr other)
    {
        var shorter = Math.Min(PrefixLength, other.PrefixLength);
        var mask = shorter == 0 ? 0u : uint.MaxValue << (32 - shorter);
        return (_address & mask) == (other._address & mask);
    }

    /// <summary>Returns the address that is <paramref name="offset"/> away from this one, with the same prefix.</summary>
    /// <param name="offset">How far, negative for down.</param>
    /// <returns>The other address.</returns>
    public Ipv4Cidr Offset(int offset) => new((uint)(_address + offset), PrefixLength);

    /// <summary>Returns the host address at a position inside this network, such as .254.</summary>
    /// <param name="host">The host number inside the network.</param>
    /// <returns>The address with this prefix.</returns>
    public Ipv4Cidr Host(uint host) => new((_address & Mask) | (host & ~Mask), PrefixLength);

    /// <inheritdoc />
    public override string ToString() => $"{Address}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    private static IPAddress ToAddress(uint value) =>
        new(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });

    private static uint FromAddress(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }
}
