using System.Buffers.Binary;
using System.Text;

namespace VirtualLan.Netlink;

/// <summary>One message read from a netlink socket: its header fields and what follows the header.</summary>
/// <param name="Type">The message type.</param>
/// <param name="Flags">The flags.</param>
/// <param name="Sequence">The sequence number.</param>
/// <param name="PortId">The sender's port id (0: the kernel).</param>
/// <param name="Payload">The bytes after the header: the fixed structure, then the attributes.</param>
public readonly record struct NetlinkReply(ushort Type, ushort Flags, uint Sequence, uint PortId, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Walks the attributes after a fixed structure of the given size.</summary>
    /// <param name="fixedSize">The size of the structure before them (<see cref="Rtnl.IfInfoSize"/>, …).</param>
    /// <returns>The attributes.</returns>
    public IEnumerable<NetlinkAttr> Attributes(int fixedSize) =>
        Payload.Length <= NetlinkReader.Align(fixedSize) ? Array.Empty<NetlinkAttr>() : NetlinkReader.Attributes(Payload[NetlinkReader.Align(fixedSize)..]);
}

/// <summary>One attribute: its type (without the nested and byte-order bits) and value.</summary>
/// <param name="RawType">The type as sent, with NLA_F_NESTED and NLA_F_NET_BYTEORDER.</param>
/// <param name="Value">The value, without padding.</param>
public readonly record struct NetlinkAttr(ushort RawType, ReadOnlyMemory<byte> Value)
{
    /// <summary>Gets the type without the flag bits.</summary>
    public ushort Type => (ushort)(RawType & 0x3FFF);

    /// <summary>Gets the first byte.</summary>
    public byte U8 => Value.Span[0];

    /// <summary>Gets a 16-bit value in host order.</summary>
    public ushort U16 => BinaryPrimitives.ReadUInt16LittleEndian(Value.Span);

    /// <summary>Gets a 16-bit value in network order.</summary>
    public ushort Be16 => BinaryPrimitives.ReadUInt16BigEndian(Value.Span);

    /// <summary>Gets a 32-bit value in host order.</summary>
    public uint U32 => BinaryPrimitives.ReadUInt32LittleEndian(Value.Span);

    /// <summary>Gets a signed 32-bit value in host order.</summary>
    public int I32 => BinaryPrimitives.ReadInt32LittleEndian(Value.Span);

    /// <summary>Gets a string, up to its NUL.</summary>
    public string Text
    {
        get
        {
            var span = Value.Span;
            var end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
    }

    /// <summary>Gets a copy of the value.</summary>
    public byte[] Bytes => Value.ToArray();

    /// <summary>Gets the attributes nested in this one.</summary>
    public IEnumerable<NetlinkAttr> Nested => NetlinkReader.Attributes(Value);
}

/// <summary>Walks netlink messages and attributes in received bytes.</summary>
public static class NetlinkReader
{
    /// <summary>Rounds a length up to netlink's 4-byte alignment.</summary>
    /// <param name="length">The length.</param>
    /// <returns>The aligned length.</returns>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Walks the messages of one datagram.</summary>
    /// <param name="data">The bytes received.</param>
    /// <returns>The messages; a truncated tail is ignored.</returns>
    public static IEnumerable<NetlinkReply> Messages(ReadOnlyMemory<byte> data)
    {
        var offset = 0;
        while (data.Length - offset >= Rtnl.HeaderSize)
        {
            var span = data.Span[offset..];
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
            if (length < Rtnl.HeaderSize || length > data.Length - offset)
            {
                yield break;
            }

            yield return new NetlinkReply(
                BinaryPrimitives.ReadUInt16LittleEndian(span[4..]),
                BinaryPrimitives.ReadUInt16LittleEndian(span[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[12..]),
                data.Slice(offset + Rtnl.HeaderSize, length - Rtnl.HeaderSize));
            offset += Align(length);
        }
    }

    /// <summary>Walks attributes.</summary>
    /// <param name="data">The bytes holding them, from the first one's header.</param>
    /// <returns>The attributes; a truncated tail is ignored.</returns>
    public static IEnumerable<NetlinkAttr> Attributes(ReadOnlyMemory<byte> data)
    {
        var offset = 0;
        while (data.Length - offset >= 4)
        {
            var span = data.Span[offset..];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(span);
            if (length < 4 || length > data.Length - offset)
            {
                yield break;
            }

            yield return new NetlinkAttr(BinaryPrimitives.ReadUInt16LittleEndian(span[2..]), data.Slice(offset + 4, length - 4));
            offset += Align(length);
        }
    }

    /// <summary>Finds the first attribute of a type.</summary>
    /// <param name="attributes">The attributes.</param>
    /// <param name="type">The type.</param>
    /// <returns>The attribute, or null.</returns>
    public static NetlinkAttr? Find(this IEnumerable<NetlinkAttr> attributes, ushort type)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        foreach (var attribute in attributes)
        {
            if (attribute.Type == type)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>Reads the error code of an NLMSG_ERROR message and the extended ack's text, if any.</summary>
    /// <param name="reply">The NLMSG_ERROR message.</param>
    /// <returns>0 for an ack, else the negative errno; and the kernel's message or null.</returns>
    public static (int Error, string? Message) Error(NetlinkReply reply)
    {
        var span = reply.Payload.Span;
        var error = BinaryPrimitives.ReadInt32LittleEndian(span);
        if ((reply.Flags & Rtnl.FlagAckTlvs) == 0 || span.Length < 4 + Rtnl.HeaderSize)
        {
            return (error, null);
        }

        // After the error: the request's header, and its payload unless the ack is capped.
        var originalLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var tlvStart = 4 + ((reply.Flags & Rtnl.FlagCapped) != 0 ? Rtnl.HeaderSize : Align(originalLength));
        if (tlvStart >= span.Length)
        {
            return (error, null);
        }

        var text = Attributes(reply.Payload[tlvStart..]).Find(Rtnl.NlmsgerrAttrMsg)?.Text;
        return (error, string.IsNullOrEmpty(text) ? null : text);
    }
}
