using System.Globalization;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>A validated request for a bridge: what New-VlanBridge was asked to make.</summary>
public sealed class BridgeRequest
{
    /// <summary>The seed's bridge name.</summary>
    public const string DefaultName = "virtualnet0";

    /// <summary>The seed's LAN: 172.24.0.0/16 with the host at 172.24.0.1.</summary>
    public const string DefaultAddress = "172.24.0.1/16";

    private BridgeRequest(string name, Ipv4Cidr address, int? mtu, bool force)
    {
        Name = name;
        Address = address;
        Mtu = mtu;
        Force = force;
    }

    /// <summary>Gets the bridge name.</summary>
    public string Name { get; }

    /// <summary>Gets the host's address on the bridge.</summary>
    public Ipv4Cidr Address { get; }

    /// <summary>Gets the MTU, or null to keep the kernel's default.</summary>
    public int? Mtu { get; }

    /// <summary>Gets a value indicating whether an existing bridge with other settings is reconfigured.</summary>
    public bool Force { get; }

    /// <summary>Checks the parameters of New-VlanBridge.</summary>
    /// <param name="name">The bridge name; null is refused (the cmdlet passes its default when the parameter is left out).</param>
    /// <param name="address">The host address with prefix; null is refused.</param>
    /// <param name="mtu">The MTU, or null.</param>
    /// <param name="force">Whether to reconfigure a conflicting bridge.</param>
    /// <returns>The request.</returns>
    /// <exception cref="VlanException">A parameter is invalid.</exception>
    public static BridgeRequest Create(string? name, string? address, int? mtu, bool force)
    {
        var checkedName = Names.Interface(name, "Name");
        var cidr = Ipv4Cidr.Parse(address);
        RouterRequest.CheckHost(cidr, address, "Address");
        if (cidr.PrefixLength > 30 || cidr.IsNetworkAddress || cidr.IsBroadcastAddress)
        {
            throw new VlanException(
                ErrorIds.InvalidHostAddress,
                VlanErrorKind.InvalidArgument,
                address,
                cidr.PrefixLength > 30
                    ? $"-Address {cidr} leaves no room for other hosts on the LAN. Use a prefix of /30 or shorter, such as {cidr.Address}/24."
                    : $"-Address {cidr} is the {(cidr.IsNetworkAddress ? "network" : "broadcast")} address of {cidr.Network}, not a host address. Use a host address inside it, such as the seed's 172.24.0.1/16.");
        }

        if (mtu is < 68 or > 65535)
        {
            throw new VlanException(
                ErrorIds.InvalidMtu,
                VlanErrorKind.InvalidArgument,
                mtu,
                $"-Mtu {mtu.Value.ToString(CultureInfo.InvariantCulture)} is outside what the kernel accepts for a bridge. Use a value from 68 to 65535, usually 1500.");
        }

        return new BridgeRequest(checkedName, cidr, mtu, force);
    }
}
