using System.Buffers.Binary;
using System.Text;

namespace VirtualLan.Netlink;

/// <summary>
/// Builds one netlink message: the header, a fixed structure (ifinfomsg, ifaddrmsg, rtmsg, …) and
/// attributes, nested ones included, each padded to 4 bytes. The sequence number is left 0 for the
/// socket to set; <see cref="NetlinkSocket"/> adds <c>NLM_F_REQUEST</c> (and <c>NLM_F_ACK</c> or
/// <c>NLM_F_DUMP</c>) to the flags given here.
/// </summary>
public sealed class NetlinkMessage
{
    private readonly List<byte> _bytes = new(128);
    private readonly Stack<int> _nests = new();

    /// <summary>Initializes a new instance of the <see cref="NetlinkMessage"/> class.</summary>
    /// <param name="type">The message type (<see cref="Rtnl.NewLink"/>, …).</param>
    /// <param name="flags">Flags besides request/ack (<see cref="Rtnl.FlagCreate"/>, <see cref="Rtnl.FlagExcl"/>, …).</param>
    public NetlinkMessage(ushort type, ushort flags = 0)
    {
        Type = type;
        Flags = flags;
        _bytes.AddRange(new byte[Rtnl.HeaderSize]);
    }

    /// <summary>Gets the message type.</summary>
    public ushort Type { get; }

    /// <summary>Gets the flags given at construction.</summary>
    public ushort Flags { get; }

    /// <summary>Builds a message with an ifinfomsg.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="flags">Extra flags.</param>
    /// <param name="index">The link's ifindex, or 0.</param>
    /// <param name="ifFlags">Link flags to set (IFF_UP).</param>
    /// <param name="change">The mask of link flags to change.</param>
    /// <param name="family">The address family.</param>
    /// <returns>The message.</returns>
    public static NetlinkMessage Link(ushort type, ushort flags, int index, uint ifFlags = 0, uint change = 0, byte family = Rtnl.AfUnspec)
    {
        var message = new NetlinkMessage(type, flags);
        message.IfInfo(family, index, ifFlags, change);
        return message;
    }

    /// <summary>Appends an ifinfomsg (16 bytes).</summary>
    /// <param name="family">The family.</param>
    /// <param name="index">The ifindex.</param>
    /// <param name="ifFlags">The flags.</param>
    /// <param name="change">The change mask.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage IfInfo(byte family, int index, uint ifFlags, uint change)
    {
        Span<byte> s = stackalloc byte[Rtnl.IfInfoSize];
        s.Clear();
        s[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], ifFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
        return Fixed(s);
    }

    /// <summary>Appends an ifaddrmsg (8 bytes).</summary>
    /// <param name="family">The family.</param>
    /// <param name="prefixLength">The prefix length.</param>
    /// <param name="flags">IFA_F_* flags.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="index">The ifindex.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage IfAddr(byte family, byte prefixLength, byte flags, byte scope, int index)
    {
        Span<byte> s = stackalloc byte[Rtnl.IfAddrSize];
        s[0] = family;
        s[1] = prefixLength;
        s[2] = flags;
        s[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        return Fixed(s);
    }

    /// <summary>Appends an rtmsg (12 bytes).</summary>
    /// <param name="family">The family.</param>
    /// <param name="destinationLength">The destination prefix length.</param>
    /// <param name="table">The table (254: main).</param>
    /// <param name="protocol">Who made the route (RTPROT_*).</param>
    /// <param name="scope">The scope.</param>
    /// <param name="routeType">RTN_* (1: unicast).</param>
    /// <param name="flags">RTNH_F_* / RTM_F_* flags.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage RtMsg(byte family, byte destinationLength, byte table, byte protocol, byte scope, byte routeType, uint flags = 0)
    {
        Span<byte> s = stackalloc byte[Rtnl.RtMsgSize];
        s.Clear();
        s[0] = family;
        s[1] = destinationLength;
        s[4] = table;
        s[5] = protocol;
        s[6] = scope;
        s[7] = routeType;
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        return Fixed(s);
    }

    /// <summary>Appends a fixed structure as it is, padded to 4 bytes.</summary>
    /// <param name="bytes">The structure.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage Fixed(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes.ToArray());
        Pad();
        return this;
    }

    /// <summary>Appends an attribute with raw bytes.</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">Its value.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage Bytes(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, checked((ushort)(4 + value.Length)));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        _bytes.AddRange(header.ToArray());
        _bytes.AddRange(value.ToArray());
        Pad();
        return this;
    }

    /// <summary>Appends an 8-bit attribute.</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage U8(ushort type, byte value) => Bytes(type, [value]);

    /// <summary>Appends a 16-bit attribute in host order.</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage U16(ushort type, ushort value)
    {
        Span<byte> s = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(s, value);
        return Bytes(type, s);
    }

    /// <summary>Appends a 16-bit attribute in network order (a UDP port).</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage Be16(ushort type, ushort value)
    {
        Span<byte> s = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(s, value);
        return Bytes(type, s);
    }

    /// <summary>Appends a 32-bit attribute in host order.</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage U32(ushort type, uint value)
    {
        Span<byte> s = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(s, value);
        return Bytes(type, s);
    }

    /// <summary>Appends a string attribute.</summary>
    /// <param name="type">The attribute type.</param>
    /// <param name="value">The string.</param>
    /// <param name="terminated">Whether a NUL ends it (names, aliases); iproute2 sends a link kind without one.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage Text(ushort type, string value, bool terminated = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + (terminated ? 1 : 0)];
        Encoding.UTF8.GetBytes(value, bytes);
        return Bytes(type, bytes);
    }

    /// <summary>Opens a nested attribute; the attributes up to <see cref="EndNested"/> go inside it.</summary>
    /// <param name="type">The attribute type.</param>
    /// <returns>This message.</returns>
    public NetlinkMessage BeginNested(ushort type)
    {
        _nests.Push(_bytes.Count);
        return Bytes(type, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>Closes the innermost nested attribute, setting its length.</summary>
    /// <returns>This message.</returns>
    public NetlinkMessage EndNested()
    {
        var start = _nests.Pop();
        var length = checked((ushort)(_bytes.Count - start));
        _bytes[start] = (byte)length;
        _bytes[start + 1] = (byte)(length >> 8);
        return this;
    }

    /// <summary>Returns the message's bytes with the given sequence number and extra flags.</summary>
    /// <param name="sequence">The sequence number.</param>
    /// <param name="extraFlags">Flags to add (NLM_F_REQUEST, NLM_F_ACK, …).</param>
    /// <returns>The bytes.</returns>
    public byte[] ToBytes(uint sequence, ushort extraFlags = 0)
    {
        if (_nests.Count > 0)
        {
            throw new InvalidOperationException("A nested attribute was not closed.");
        }

        var bytes = _bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), Type);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)(Flags | extraFlags));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), sequence);
        return bytes;
    }

    private void Pad()
    {
        while (_bytes.Count % 4 != 0)
        {
            _bytes.Add(0);
        }
    }
}
