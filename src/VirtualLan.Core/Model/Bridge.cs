using System.Net;

namespace VirtualLan;

/// <summary>A Linux bridge: the switch of a virtual LAN, as the kernel reports it.</summary>
public sealed class Bridge
{
    /// <summary>Initializes a new instance of the <see cref="Bridge"/> class.</summary>
    /// <param name="name">The interface name.</param>
    /// <param name="address">The host's IPv4 address on the bridge, with its prefix, or null.</param>
    /// <param name="macAddress">The bridge's MAC address.</param>
    /// <param name="mtu">The MTU.</param>
    /// <param name="state">The operational state.</param>
    /// <param name="namespaceName">The sandbox namespace it lives in, or null for the machine's own.</param>
    /// <param name="ports">The links enslaved to it.</param>
    /// <param name="isManaged">Whether VirtualLan made or adopted it.</param>
    public Bridge(
        string name,
        Ipv4Cidr? address,
        string? macAddress,
        int mtu,
        string state,
        string? namespaceName,
        IReadOnlyList<string> ports,
        bool isManaged)
    {
        Name = name;
        Cidr = address;
        MacAddress = macAddress;
        Mtu = mtu;
        State = state;
        Namespace = namespaceName;
        Ports = ports;
        IsManaged = isManaged;
    }

    /// <summary>Gets the interface name, such as virtualnet0.</summary>
    public string Name { get; }

    /// <summary>Gets the host's address on the LAN, such as 172.24.0.1, or null when it has none.</summary>
    public IPAddress? Address => Cidr?.Address;

    /// <summary>Gets the prefix length of the host's address, such as 16, or null.</summary>
    public int? PrefixLength => Cidr?.PrefixLength;

    /// <summary>Gets the LAN's subnet, such as 172.24.0.0/16, or null.</summary>
    public Ipv4Cidr? Subnet => Cidr?.Network;

    /// <summary>Gets the host's address with its prefix, such as 172.24.0.1/16, or null.</summary>
    public Ipv4Cidr? Cidr { get; }

    /// <summary>Gets the bridge's MAC address.</summary>
    public string? MacAddress { get; }

    /// <summary>Gets the MTU.</summary>
    public int Mtu { get; }

    /// <summary>Gets the operational state as the kernel names it: UP, DOWN or UNKNOWN (a bridge without ports).</summary>
    public string State { get; }

    /// <summary>Gets the sandbox namespace the bridge lives in, or null for the machine's own namespace.</summary>
    public string? Namespace { get; }

    /// <summary>Gets the names of the links plugged into the bridge.</summary>
    public IReadOnlyList<string> Ports { get; }

    /// <summary>Gets a value indicating whether VirtualLan made or adopted the bridge (its alias marks it).</summary>
    public bool IsManaged { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
