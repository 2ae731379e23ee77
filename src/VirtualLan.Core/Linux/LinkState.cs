namespace VirtualLan.Linux;

/// <summary>One network link as the kernel reports it in <c>ip -details -json addr show</c>.</summary>
public sealed class LinkState
{
    /// <summary>Initializes a new instance of the <see cref="LinkState"/> class.</summary>
    /// <param name="index">The interface index.</param>
    /// <param name="name">The interface name.</param>
    /// <param name="kind">The link kind (bridge, veth, tun …), or null for a physical or loopback link.</param>
    /// <param name="master">The name of the bridge this link is enslaved to, or null.</param>
    /// <param name="flags">The interface flags, such as UP.</param>
    /// <param name="operState">The operational state, such as UP, DOWN or UNKNOWN.</param>
    /// <param name="mtu">The MTU.</param>
    /// <param name="macAddress">The link-layer address, or null.</param>
    /// <param name="alias">The interface alias (ifalias), which VirtualLan uses to mark what it made.</param>
    /// <param name="addresses">The IPv4 addresses on the link.</param>
    /// <param name="group">The link group, "default" unless set.</param>
    public LinkState(
        int index,
        string name,
        string? kind,
        string? master,
        IReadOnlyList<string> flags,
        string operState,
        int mtu,
        string? macAddress,
        string? alias,
        IReadOnlyList<Ipv4Cidr> addresses,
        string group = "default")
    {
        Group = group;
        Index = index;
        Name = name;
        Kind = kind;
        Master = master;
        Flags = flags;
        OperState = operState;
        Mtu = mtu;
        MacAddress = macAddress;
        Alias = alias;
        Addresses = addresses;
    }

    /// <summary>Gets the interface index.</summary>
    public int Index { get; }

    /// <summary>Gets the interface name.</summary>
    public string Name { get; }

    /// <summary>Gets the link kind, or null for a physical or loopback link.</summary>
    public string? Kind { get; }

    /// <summary>Gets the bridge this link is enslaved to, or null.</summary>
    public string? Master { get; }

    /// <summary>Gets the interface flags.</summary>
    public IReadOnlyList<string> Flags { get; }

    /// <summary>Gets the operational state.</summary>
    public string OperState { get; }

    /// <summary>Gets the MTU.</summary>
    public int Mtu { get; }

    /// <summary>Gets the link-layer address.</summary>
    public string? MacAddress { get; }

    /// <summary>Gets the interface alias.</summary>
    public string? Alias { get; }

    /// <summary>Gets the IPv4 addresses.</summary>
    public IReadOnlyList<Ipv4Cidr> Addresses { get; }

    /// <summary>Gets the link's group: "default" (0) unless someone put it in another, as a number or a name of /etc/iproute2/group.</summary>
    public string Group { get; }

    /// <summary>Gets the user that owns a tap or tun device, as iproute2 prints it; null when none is set.</summary>
    public string? TunOwner { get; init; }

    /// <summary>Gets a value indicating whether the link is administratively up.</summary>
    public bool IsUp => Flags.Contains("UP");

    /// <summary>Gets a value indicating whether the link is a bridge.</summary>
    public bool IsBridge => Kind == "bridge";
}
