using System.Globalization;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>Creates a bridge: <c>ip link add name NAME [address MAC] [mtu N] type bridge</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Name">The bridge.</param>
/// <param name="MacAddress">Its MAC, or null for one the kernel picks.</param>
/// <param name="Mtu">Its MTU, or null for the kernel's default.</param>
public sealed record CreateBridge(NetNamespace Namespace, string Name, string? MacAddress = null, int? Mtu = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments =>
        ["link", "add", "name", Name, .. Link.Optional("address", MacAddress), .. Link.Optional("mtu", Mtu), "type", "bridge"];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteLink(Namespace, Name);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name)?.IsBridge == true;
}

/// <summary>
/// Creates a veth pair, the peer made straight in its namespace:
/// <c>ip link add NAME [address MAC] type veth peer name PEER [address MAC] [netns NS]</c>.
/// </summary>
/// <param name="Namespace">Where this end is made.</param>
/// <param name="Name">This end.</param>
/// <param name="Peer">The other end.</param>
/// <param name="PeerNamespace">The other end's namespace as <c>ip</c> names it (a name or a PID), or null for this one.</param>
/// <param name="MacAddress">This end's MAC, or null.</param>
/// <param name="PeerMacAddress">The other end's MAC, or null.</param>
/// <param name="Mtu">Both ends' MTU (a bridge stretched by a tunnel carries less than 1500), or null for the kernel's default.</param>
public sealed record CreateVeth(NetNamespace Namespace, string Name, string Peer, string? PeerNamespace = null, string? MacAddress = null, string? PeerMacAddress = null, int? Mtu = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments =>
        ["link", "add", Name, .. Link.Optional("address", MacAddress), .. Link.Optional("mtu", Mtu), "type", "veth", "peer", "name", Peer, .. Link.Optional("address", PeerMacAddress), .. Link.Optional("mtu", Mtu), .. Link.Optional("netns", PeerNamespace)];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteLink(Namespace, Name);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name) is not null;
}

/// <summary>
/// Creates a VXLAN device that sends to peers by head-end replication (all-zero FDB entries), no multicast
/// group, learning on: <c>ip link add NAME mtu N type vxlan id VNI dstport PORT local IP dev UNDERLAY</c>.
/// </summary>
/// <param name="Namespace">The underlay namespace: the device's UDP socket stays there even when the device moves.</param>
/// <param name="Name">The device.</param>
/// <param name="Vni">The VXLAN network identifier.</param>
/// <param name="Port">The UDP port.</param>
/// <param name="Local">The local underlay address.</param>
/// <param name="Underlay">The underlay link.</param>
/// <param name="Mtu">The device's MTU.</param>
/// <param name="MacAddress">Its MAC (a device made again by a rollback keeps the one it had), or null for one the kernel picks.</param>
public sealed record CreateVxlan(NetNamespace Namespace, string Name, int Vni, int Port, System.Net.IPAddress Local, string Underlay, int Mtu, string? MacAddress = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments =>
        ["link", "add", Name, .. Link.Optional("address", MacAddress), .. Link.Optional("mtu", Mtu), "type", "vxlan", "id", Vni.ToString(CultureInfo.InvariantCulture), "dstport", Port.ToString(CultureInfo.InvariantCulture), "local", Local.ToString(), "dev", Underlay];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteLink(Namespace, Name);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name) is not null;
}

/// <summary>Creates a tap for a VM: <c>ip tuntap add dev NAME mode tap [user OWNER]</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Name">The tap.</param>
/// <param name="Owner">The user allowed to open it, or null for root only.</param>
public sealed record CreateTap(NetNamespace Namespace, string Name, string? Owner = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["tuntap", "add", "dev", Name, "mode", "tap", .. Link.Optional("user", Owner)];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteTap(Namespace, Name);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name) is not null;
}

/// <summary>Deletes a tap: <c>ip tuntap del dev NAME mode tap</c>. Its undo needs the state, so the planner attaches it.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Name">The tap.</param>
public sealed record DeleteTap(NetNamespace Namespace, string Name) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["tuntap", "del", "dev", Name, "mode", "tap"];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name) is null;
}

/// <summary>
/// Deletes a link (both ends of a veth): <c>ip link del NAME</c>. What it removes is put back from
/// the state, so its undo is attached by the planner that knows what to read.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Name">The link.</param>
public sealed record DeleteLink(NetNamespace Namespace, string Name) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "del", Name];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Name) is null;
}

/// <summary>Plugs a link into a bridge: <c>ip link set dev LINK master BRIDGE</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Master">The bridge.</param>
/// <param name="PreviousMaster">The bridge it was in before, which the undo plugs it back into, or null.</param>
public sealed record SetMaster(NetNamespace Namespace, string Link, string Master, string? PreviousMaster = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "master", Master];

    /// <inheritdoc />
    public override IpOperation Undo => PreviousMaster is null ? new SetNoMaster(Namespace, Link, Master) : this with { Master = PreviousMaster, PreviousMaster = Master };

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.Master == Master;
}

/// <summary>Unplugs a link from its bridge: <c>ip link set dev LINK nomaster</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="PreviousMaster">The bridge it is in, which the undo plugs it back into, or null for no undo.</param>
public sealed record SetNoMaster(NetNamespace Namespace, string Link, string? PreviousMaster) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "nomaster"];

    /// <inheritdoc />
    public override IpOperation? Undo => PreviousMaster is null ? null : new SetMaster(Namespace, Link, PreviousMaster);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link) is { Master: null };
}

/// <summary>Brings a link up or down: <c>ip link set dev LINK up|down</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Up">True for up.</param>
/// <param name="Revert">
/// Whether the undo sets the state back; false for a link the plan made or moved in, whose deletion
/// or move back undoes this too.
/// </param>
public sealed record SetLinkState(NetNamespace Namespace, string Link, bool Up = true, bool Revert = true) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, Up ? "up" : "down"];

    /// <inheritdoc />
    public override IpOperation? Undo => Revert ? this with { Up = !Up } : null;

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.IsUp == Up;
}

/// <summary>Sets a link's MTU: <c>ip link set dev LINK mtu N</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Mtu">The MTU.</param>
/// <param name="PreviousMtu">The MTU the undo sets back, or null for no undo.</param>
public sealed record SetMtu(NetNamespace Namespace, string Link, int Mtu, int? PreviousMtu = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "mtu", Mtu.ToString(CultureInfo.InvariantCulture)];

    /// <inheritdoc />
    public override IpOperation? Undo => PreviousMtu is { } previous ? this with { Mtu = previous, PreviousMtu = Mtu } : null;

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.Mtu == Mtu;
}

/// <summary>Sets a link's alias, where the module keeps its records: <c>ip link set dev LINK alias TEXT</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Alias">The alias; empty clears it.</param>
/// <param name="PreviousAlias">The alias the undo sets back, or null for no undo.</param>
public sealed record SetAlias(NetNamespace Namespace, string Link, string Alias, string? PreviousAlias = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "alias", Alias];

    /// <inheritdoc />
    public override IpOperation? Undo => PreviousAlias is null ? null : this with { Alias = PreviousAlias, PreviousAlias = Alias };

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => (state.Links(Namespace).Link(Link)?.Alias ?? string.Empty) == Alias;
}

/// <summary>Moves a link to another namespace: <c>ip link set dev LINK netns TARGET</c>.</summary>
/// <param name="Namespace">Where the link is.</param>
/// <param name="Link">The link.</param>
/// <param name="To">The namespace it goes to.</param>
/// <param name="ToReference">How <c>ip</c> names that namespace from here: its name, or a PID in it.</param>
/// <param name="BackReference">How <c>ip</c> names this namespace from there (for the undo), or null for no undo.</param>
public sealed record MoveLink(NetNamespace Namespace, string Link, NetNamespace To, string ToReference, string? BackReference = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "netns", ToReference];

    /// <inheritdoc />
    public override IpOperation? Undo => BackReference is null ? null : new MoveLink(To, Link, Namespace, BackReference, ToReference);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link) is null && state.Links(To).Link(Link) is not null;
}

/// <summary>Helpers of the link operations.</summary>
internal static class Link
{
    /// <summary>A keyword and its value, or nothing when the value is null.</summary>
    public static string[] Optional(string keyword, string? value) => value is null ? [] : [keyword, value];

    /// <summary>A keyword and its number, or nothing when the number is null.</summary>
    public static string[] Optional(string keyword, int? value) => value is null ? [] : [keyword, value.Value.ToString(CultureInfo.InvariantCulture)];
}
