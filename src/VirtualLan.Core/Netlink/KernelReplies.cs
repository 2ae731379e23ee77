using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Turns rtnetlink dumps into the values the <c>ip -json</c> parsers make of iproute2's output
/// (<see cref="IpJson.ParseLinks"/>, <see cref="RouteState.ParseAll"/>,
/// <see cref="RouteState.ParseNeighbors"/>), field by field as iproute2 6.1 prints them
/// (ip/ipaddress.c, ip/iproute.c, ip/ipneigh.c, lib/ll_addr.c).
/// </summary>
public static class KernelReplies
{
    private const ushort IflaTunOwner = 1;
    private const ushort IflaExtMaskSkipStats = 1 << 3;
    private const uint RtmFCloned = 0x200;
    private const byte NtfProxy = 0x08;
    private const byte NtfExtLearned = 0x10;
    private const ushort NudNoarp = 0x40;
    private const ushort ArphrdTunnel = 768;
    private const ushort ArphrdTunnel6 = 769;
    private const ushort ArphrdSit = 776;
    private const ushort ArphrdIpgre = 778;
    private const ushort ArphrdIp6gre = 823;
    private const uint IffUp = 0x1;
    private const uint IffRunning = 0x40;

    /// <summary>The link flags in the order ip prints them (print_link_flags).</summary>
    private static readonly (uint Bit, string Name)[] LinkFlags =
    {
        (0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"),
        (0x80, "NOARP"), (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x400, "MASTER"), (0x800, "SLAVE"),
        (0x4, "DEBUG"), (0x8000, "DYNAMIC"), (0x4000, "AUTOMEDIA"), (0x2000, "PORTSEL"), (0x20, "NOTRAILERS"),
        (0x1, "UP"), (0x10000, "LOWER_UP"), (0x20000, "DORMANT"), (0x40000, "ECHO"),
    };

    private static readonly string[] OperStates = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP" };

    /// <summary>Builds the request that dumps every link (RTM_GETLINK, AF_UNSPEC), without statistics.</summary>
    /// <returns>The request.</returns>
    public static NetlinkMessage LinkDump() =>
        NetlinkMessage.Link(Rtnl.GetLink, 0, 0).U32(Rtnl.IflaExtMask, IflaExtMaskSkipStats);

    /// <summary>Builds the request that dumps every IPv4 address (RTM_GETADDR, AF_INET).</summary>
    /// <returns>The request.</returns>
    public static NetlinkMessage AddressDump() => new NetlinkMessage(Rtnl.GetAddr).IfAddr(Rtnl.AfInet, 0, 0, 0, 0);

    /// <summary>Builds the request that dumps every IPv4 route (RTM_GETROUTE, AF_INET).</summary>
    /// <returns>The request.</returns>
    public static NetlinkMessage RouteDump() => new NetlinkMessage(Rtnl.GetRoute).RtMsg(Rtnl.AfInet, 0, 0, 0, 0, 0);

    /// <summary>Builds the request that dumps every IPv4 neighbour (RTM_GETNEIGH, AF_INET).</summary>
    /// <returns>The request.</returns>
    public static NetlinkMessage NeighborDump()
    {
        Span<byte> ndmsg = stackalloc byte[Rtnl.NdMsgSize];
        ndmsg.Clear();
        ndmsg[0] = Rtnl.AfInet;
        return new NetlinkMessage(Rtnl.GetNeigh).Fixed(ndmsg);
    }

    /// <summary>Makes the links of a namespace as <c>ip -details -json addr show</c> shows them, with their IPv4 addresses.</summary>
    /// <param name="links">The RTM_NEWLINK replies of a link dump.</param>
    /// <param name="addresses">The RTM_NEWADDR replies of an IPv4 address dump.</param>
    /// <param name="names">Group and user names.</param>
    /// <returns>The links, in dump order.</returns>
    public static IReadOnlyList<LinkState> Links(IReadOnlyList<NetlinkReply> links, IReadOnlyList<NetlinkReply> addresses, IpNames names)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(names);
        var parsed = links.Where(l => l.Type == Rtnl.NewLink && l.Payload.Length >= Rtnl.IfInfoSize).Select(ParseLink).ToList();
        var byIndex = new Dictionary<int, ParsedLink>();
        foreach (var link in parsed)
        {
            byIndex.TryAdd(link.Index, link);
        }

        var addressesOf = new Dictionary<int, List<Ipv4Cidr>>();
        foreach (var reply in addresses)
        {
            if (reply.Type != Rtnl.NewAddr || reply.Payload.Length < Rtnl.IfAddrSize || reply.Payload.Span[0] != Rtnl.AfInet)
            {
                continue;
            }

            var span = reply.Payload.Span;
            var prefix = span[1];
            var index = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
            var attributes = reply.Attributes(Rtnl.IfAddrSize).ToList();
            var local = attributes.Find(Rtnl.IfaLocal) ?? attributes.Find(Rtnl.IfaAddress);
            if (local is { } a && Ipv4Cidr.TryParse($"{Ipv4(a.Value.Span)}/{prefix.ToString(CultureInfo.InvariantCulture)}", out var cidr, out _))
            {
                if (!addressesOf.TryGetValue(index, out var list))
                {
                    addressesOf[index] = list = new List<Ipv4Cidr>();
                }

                list.Add(cidr);
            }
        }

        return parsed.Select(l => new LinkState(
                l.Index,
                l.Name ?? IndexName(l.Index),
                l.Kind,
                l.Master is { } master ? byIndex.TryGetValue(master, out var m) ? m.Name : IndexName(master) : null,
                Flags(l.Flags, LowerDown(l, byIndex)),
                l.OperState is { } state && state < OperStates.Length ? OperStates[state] : "UNKNOWN",
                l.Mtu,
                l.Address is { } address ? LinkAddress(address, l.LinkType) : null,
                l.Alias,
                addressesOf.TryGetValue(l.Index, out var list) ? list : Array.Empty<Ipv4Cidr>(),
                l.Group is { } group ? names.Group(group) : "default")
            {
                TunOwner = l.Kind == "tun" && l.TunOwner is { } owner ? names.User(owner) : null,
            })
            .ToArray();
    }

    /// <summary>Makes the routes <c>ip -4 -json route show</c> shows: IPv4, table main, not cloned.</summary>
    /// <param name="routes">The RTM_NEWROUTE replies of an IPv4 route dump.</param>
    /// <param name="linkNames">The link names by index in the same namespace.</param>
    /// <param name="names">Protocol and scope names.</param>
    /// <returns>The routes, in dump order.</returns>
    public static IReadOnlyList<RouteState> Routes(IReadOnlyList<NetlinkReply> routes, IReadOnlyDictionary<int, string> linkNames, IpNames names)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(linkNames);
        ArgumentNullException.ThrowIfNull(names);
        var result = new List<RouteState>();
        foreach (var reply in routes)
        {
            if (reply.Type != Rtnl.NewRoute || reply.Payload.Length < Rtnl.RtMsgSize)
            {
                continue;
            }

            var span = reply.Payload.Span;
            var (family, destinationLength, rtmTable, protocol, scope) = (span[0], span[1], span[4], span[5], span[6]);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            var attributes = reply.Attributes(Rtnl.RtMsgSize).ToList();
            var table = attributes.Find(Rtnl.RtaTable) is { Value.Length: >= 4 } t ? t.U32 : rtmTable;
            if (family != Rtnl.AfInet || table != Rtnl.RtTableMain || (flags & RtmFCloned) != 0)
            {
                continue;
            }

            string destination;
            if (attributes.Find(Rtnl.RtaDst) is { } dst)
            {
                var address = Ipv4(dst.Value.Span);
                destination = destinationLength != 32 ? address + "/" + destinationLength.ToString(CultureInfo.InvariantCulture) : address;
            }
            else
            {
                destination = destinationLength != 0 ? $"0/{destinationLength.ToString(CultureInfo.InvariantCulture)} " : "default";
            }

            var gateway = attributes.Find(Rtnl.RtaGateway) is { Value.Length: 4 } gw ? new IPAddress(gw.Value.Span) : null;
            var device = attributes.Find(Rtnl.RtaOif) is { Value.Length: >= 4 } oif ? NameOf(oif.I32, linkNames) : null;
            var metric = attributes.Find(Rtnl.RtaPriority) is { Value.Length: >= 4 } priority ? Metric(priority.U32) : (int?)null;
            var source = attributes.Find(Rtnl.RtaPrefsrc) is { } prefsrc ? Ipv4(prefsrc.Value.Span) : null;
            var protocolName = names.Protocol(protocol);
            var scopeName = names.Scope(scope);
            result.Add(new RouteState(
                destination,
                gateway,
                device,
                protocol != Rtnl.RtprotBoot && protocolName != "boot" ? protocolName : null,
                scope != Rtnl.RtScopeUniverse && scopeName is not "global" and not "universe" ? scopeName : null,
                metric,
                source,
                (flags & Rtnl.RtnhFOnlink) != 0));
        }

        return result;
    }

    /// <summary>
    /// Makes the neighbours of a link <c>ip -4 -json neigh show dev LINK</c> shows and
    /// <see cref="RouteState.ParseNeighbors"/> keeps: those ip shows (any state but NOARP, or a proxy
    /// or externally learned entry) in a confirmed state (REACHABLE, DELAY, PROBE, PERMANENT, NOARP).
    /// </summary>
    /// <param name="neighbors">The RTM_NEWNEIGH replies of an IPv4 neighbour dump.</param>
    /// <param name="index">The link's index.</param>
    /// <param name="linkType">The link's type (ARPHRD_*), for the MAC's form.</param>
    /// <returns>The neighbours, in dump order.</returns>
    public static IReadOnlyList<Neighbor> Neighbors(IReadOnlyList<NetlinkReply> neighbors, int index, ushort linkType)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        const ushort shown = 0xFF & ~NudNoarp;
        const ushort confirmed = 0x02 | 0x08 | 0x10 | 0x80 | NudNoarp;
        var result = new List<Neighbor>();
        foreach (var reply in neighbors)
        {
            if (reply.Type != Rtnl.NewNeigh || reply.Payload.Length < Rtnl.NdMsgSize)
            {
                continue;
            }

            var span = reply.Payload.Span;
            var state = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
            var flags = span[10];
            if (span[0] != Rtnl.AfInet || BinaryPrimitives.ReadInt32LittleEndian(span[4..]) != index
                || ((state & shown) == 0 && (flags & (NtfProxy | NtfExtLearned)) == 0)
                || (state & confirmed) == 0)
            {
                continue;
            }

            var attributes = reply.Attributes(Rtnl.NdMsgSize).ToList();
            if (attributes.Find(Rtnl.NdaDst) is { Value.Length: 4 } dst)
            {
                var mac = attributes.Find(Rtnl.NdaLladdr) is { Value.Length: > 0 } lladdr ? LinkAddress(lladdr.Value.ToArray(), linkType) : null;
                result.Add(new Neighbor(new IPAddress(dst.Value.Span), mac));
            }
        }

        return result;
    }

    /// <summary>Reads the index, name and type of the link an RTM_NEWLINK reply describes.</summary>
    /// <param name="reply">The reply.</param>
    /// <returns>The index, the name (ifN when it has none) and the ARPHRD type.</returns>
    public static (int Index, string Name, ushort Type) LinkIdentity(NetlinkReply reply)
    {
        var span = reply.Payload.Span;
        var index = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        var name = reply.Attributes(Rtnl.IfInfoSize).Find(Rtnl.IflaIfname)?.Text ?? IndexName(index);
        return (index, name, BinaryPrimitives.ReadUInt16LittleEndian(span[2..]));
    }

    /// <summary>Writes a link-layer address as ip does (ll_addr_n2a): an IP address for tunnels, else lowercase hex bytes joined by colons.</summary>
    /// <param name="address">The bytes.</param>
    /// <param name="type">The link's ARPHRD type.</param>
    /// <returns>The text.</returns>
    public static string LinkAddress(byte[] address, ushort type)
    {
        ArgumentNullException.ThrowIfNull(address);
        if ((address.Length == 4 && type is ArphrdTunnel or ArphrdSit or ArphrdIpgre)
            || (address.Length == 16 && type is ArphrdTunnel6 or ArphrdIp6gre))
        {
            return new IPAddress(address).ToString();
        }

        var text = new StringBuilder(address.Length * 3);
        for (var i = 0; i < address.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ":").Append(address[i].ToString("x2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Lists link flags as ip does: NO-CARRIER for a link up without carrier, the names in ip's order, unknown bits in hex, M-DOWN when the lower link is down.</summary>
    /// <param name="flags">ifi_flags.</param>
    /// <param name="lowerDown">Whether the link's lower link (same namespace) is down.</param>
    /// <returns>The flags.</returns>
    public static IReadOnlyList<string> Flags(uint flags, bool lowerDown)
    {
        var result = new List<string>();
        if ((flags & IffUp) != 0 && (flags & IffRunning) == 0)
        {
            result.Add("NO-CARRIER");
        }

        flags &= ~IffRunning;
        foreach (var (bit, name) in LinkFlags)
        {
            if ((flags & bit) != 0)
            {
                flags &= ~bit;
                result.Add(name);
            }
        }

        if (flags != 0)
        {
            result.Add(flags.ToString("x", CultureInfo.InvariantCulture));
        }

        if (lowerDown)
        {
            result.Add("M-DOWN");
        }

        return result;
    }

    private static bool LowerDown(ParsedLink link, Dictionary<int, ParsedLink> byIndex) =>
        link.Lower is { } lower && lower != 0 && !link.LowerInOtherNamespace
        && byIndex.TryGetValue(lower, out var l) && (l.Flags & IffUp) == 0;

    private static int Metric(uint metric) =>
        metric <= int.MaxValue ? (int)metric : throw new FormatException($"The route metric {metric} is larger than the module reads.");

    private static string NameOf(int index, IReadOnlyDictionary<int, string> names) =>
        index == 0 ? "*" : names.TryGetValue(index, out var name) ? name : IndexName(index);

    private static string IndexName(int index) => "if" + unchecked((uint)index).ToString(CultureInfo.InvariantCulture);

    private static string Ipv4(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 4 ? new IPAddress(bytes).ToString() : "???";

    private static ParsedLink ParseLink(NetlinkReply reply)
    {
        var span = reply.Payload.Span;
        var link = new ParsedLink
        {
            LinkType = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]),
            Index = BinaryPrimitives.ReadInt32LittleEndian(span[4..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
        };
        foreach (var attribute in reply.Attributes(Rtnl.IfInfoSize))
        {
            switch (attribute.Type)
            {
                case Rtnl.IflaIfname: link.Name = attribute.Text; break;
                case Rtnl.IflaMtu when attribute.Value.Length >= 4: link.Mtu = attribute.I32; break;
                case Rtnl.IflaMaster when attribute.Value.Length >= 4: link.Master = attribute.I32; break;
                case Rtnl.IflaOperstate when attribute.Value.Length >= 1: link.OperState = attribute.U8; break;
                case Rtnl.IflaAddress: link.Address = attribute.Bytes; break;
                case Rtnl.IflaIfalias: link.Alias = attribute.Text; break;
                case Rtnl.IflaGroup when attribute.Value.Length >= 4: link.Group = attribute.U32; break;
                case Rtnl.IflaLink when attribute.Value.Length >= 4: link.Lower = attribute.I32; break;
                case Rtnl.IflaLinkNetnsid: link.LowerInOtherNamespace = true; break;
                case Rtnl.IflaLinkinfo: ParseLinkInfo(attribute, link); break;
            }
        }

        link.Name ??= IndexName(link.Index);
        return link;
    }

    private static void ParseLinkInfo(NetlinkAttr linkInfo, ParsedLink link)
    {
        foreach (var attribute in linkInfo.Nested)
        {
            if (attribute.Type == Rtnl.IflaInfoKind)
            {
                link.Kind = attribute.Text;
            }
            else if (attribute.Type == Rtnl.IflaInfoData)
            {
                link.TunOwner = attribute.Nested.Find(IflaTunOwner) is { Value.Length: >= 4 } owner ? owner.U32 : null;
            }
        }
    }

    private sealed class ParsedLink
    {
        public int Index { get; init; }

        public ushort LinkType { get; init; }

        public uint Flags { get; init; }

        public string? Name { get; set; }

        public int Mtu { get; set; }

        public int? Master { get; set; }

        public byte? OperState { get; set; }

        public byte[]? Address { get; set; }

        public string? Alias { get; set; }

        public uint? Group { get; set; }

        public int? Lower { get; set; }

        public bool LowerInOtherNamespace { get; set; }

        public string? Kind { get; set; }

        public uint? TunOwner { get; set; }
    }
}
