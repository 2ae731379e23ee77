using System.Buffers.Binary;

namespace VirtualLan.Netlink;

/// <summary>What the kernel answered to one request: 0, or the negative errno with the extended ack's text.</summary>
/// <param name="Error">0 for success, else the negative errno (-17: EEXIST).</param>
/// <param name="Message">The kernel's extended-ack message, or null.</param>
public readonly record struct NetlinkAck(int Error, string? Message)
{
    /// <summary>Gets a value indicating whether the request succeeded.</summary>
    public bool Succeeded => Error == 0;
}

/// <summary>
/// Sends requests and dumps to rtnetlink; <see cref="NetlinkSocket"/> is the real one, and tests can
/// give a backend a fake.
/// </summary>
public interface INetlinkChannel : IDisposable
{
    /// <summary>Sends one request with NLM_F_REQUEST|NLM_F_ACK and waits for its ack.</summary>
    /// <param name="message">The request.</param>
    /// <returns>The kernel's answer.</returns>
    NetlinkAck Request(NetlinkMessage message);

    /// <summary>Sends one get request (no dump) and returns the kernel's one answer.</summary>
    /// <param name="message">The request (RTM_GETLINK with IFLA_IFNAME, …).</param>
    /// <returns>The reply, or null with the error when the kernel answered with one.</returns>
    (NetlinkReply? Reply, NetlinkAck Ack) Get(NetlinkMessage message);

    /// <summary>Dumps: sends the request with NLM_F_DUMP and returns every reply up to NLMSG_DONE.</summary>
    /// <param name="message">The request (its type and fixed structure, and any filter attributes).</param>
    /// <returns>The replies.</returns>
    IReadOnlyList<NetlinkReply> Dump(NetlinkMessage message);
}

/// <summary>Shorthands of <see cref="INetlinkChannel"/>.</summary>
public static class NetlinkChannels
{
    /// <summary>Dumps a table: a request of the given type with the given fixed structure.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="type">The get type (<see cref="Rtnl.GetLink"/>, …).</param>
    /// <param name="payload">The fixed structure (an ifinfomsg with the family, …).</param>
    /// <returns>The replies.</returns>
    public static IReadOnlyList<NetlinkReply> Dump(this INetlinkChannel channel, ushort type, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Dump(new NetlinkMessage(type).Fixed(payload));
    }
}

/// <summary>
/// A NETLINK_ROUTE socket in the namespace of the thread that opened it (see
/// <see cref="NamespaceSockets"/> to open one in another namespace). Requests are acknowledged one
/// at a time and replies matched by sequence number and port; extended acks (NETLINK_EXT_ACK) give
/// the kernel's own message for an error, and acks are capped (NETLINK_CAP_ACK) so they stay small.
/// </summary>
public sealed class NetlinkSocket : INetlinkChannel
{
    private const int DumpRetries = 10;
    private int _fd;
    private uint _sequence;
    private byte[] _buffer = new byte[64 * 1024];

    private NetlinkSocket(int fd, uint portId)
    {
        _fd = fd;
        PortId = portId;
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>Gets the port id the kernel gave the socket.</summary>
    public uint PortId { get; }

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">The socket could not be opened or bound.</exception>
    public static NetlinkSocket Open() => Open(Native.NetlinkRoute);

    /// <summary>Opens a socket of a netlink family in the calling thread's network namespace.</summary>
    /// <param name="protocol">The family: 0 for rtnetlink, 12 for netfilter.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">The socket could not be opened or bound.</exception>
    public static NetlinkSocket Open(int protocol)
    {
        var fd = Native.Socket(Native.AfNetlink, Native.SockRaw | Native.SockCloexec, protocol);
        if (fd < 0)
        {
            throw NetlinkException.Of(Native.Errno, "Cannot open netlink socket");
        }

        try
        {
            var send = 32 * 1024;
            var receive = 1024 * 1024;
            var on = 1;
            _ = Native.SetSocketOption(fd, Native.SolSocket, Native.SoSndbuf, ref send, sizeof(int));
            _ = Native.SetSocketOption(fd, Native.SolSocket, Native.SoRcvbuf, ref receive, sizeof(int));
            _ = Native.SetSocketOption(fd, Native.SolNetlink, Native.NetlinkExtAck, ref on, sizeof(int));
            _ = Native.SetSocketOption(fd, Native.SolNetlink, Native.NetlinkCapAck, ref on, sizeof(int));
            var address = new byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(address, Native.AfNetlink);
            if (Native.Bind(fd, address, address.Length) < 0)
            {
                throw NetlinkException.Of(Native.Errno, "Cannot bind netlink socket");
            }

            var length = address.Length;
            if (Native.GetSocketName(fd, address, ref length) < 0)
            {
                throw NetlinkException.Of(Native.Errno, "Cannot getsockname");
            }

            return new NetlinkSocket(fd, BinaryPrimitives.ReadUInt32LittleEndian(address.AsSpan(4)));
        }
        catch
        {
            _ = Native.Close(fd);
            throw;
        }
    }

    /// <inheritdoc />
    public NetlinkAck Request(NetlinkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sequence = SendMessage(message, Rtnl.FlagRequest | Rtnl.FlagAck);
        while (true)
        {
            foreach (var reply in ReceiveOwn(sequence))
            {
                if (reply.Type == Rtnl.NlmsgError)
                {
                    var (error, text) = NetlinkReader.Error(reply);
                    return new NetlinkAck(error, text);
                }
            }
        }
    }

    /// <inheritdoc />
    public (NetlinkReply? Reply, NetlinkAck Ack) Get(NetlinkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sequence = SendMessage(message, Rtnl.FlagRequest);
        while (true)
        {
            foreach (var reply in ReceiveOwn(sequence))
            {
                if (reply.Type == Rtnl.NlmsgError)
                {
                    var (error, text) = NetlinkReader.Error(reply);
                    return (null, new NetlinkAck(error, text));
                }

                return (Copy(reply), new NetlinkAck(0, null));
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<NetlinkReply> Dump(NetlinkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        for (var attempt = 0; ; attempt++)
        {
            var sequence = SendMessage(message, Rtnl.FlagRequest | Rtnl.FlagDump);
            var replies = new List<NetlinkReply>();
            var interrupted = false;
            var done = false;
            while (!done)
            {
                foreach (var reply in ReceiveOwn(sequence))
                {
                    interrupted |= (reply.Flags & Rtnl.FlagDumpIntr) != 0;
                    if (reply.Type == Rtnl.NlmsgDone)
                    {
                        done = true;
                        break;
                    }

                    if (reply.Type == Rtnl.NlmsgError)
                    {
                        var (error, text) = NetlinkReader.Error(reply);
                        if (error == 0)
                        {
                            done = true;
                            break;
                        }

                        throw new NetlinkException(-error, $"Dump terminated: {text ?? Native.Describe(-error)}");
                    }

                    if (reply.Type != Rtnl.NlmsgNoop)
                    {
                        replies.Add(Copy(reply));
                    }
                }
            }

            // The table changed while it was dumped: the dump may be inconsistent; dump again.
            if (!interrupted || attempt >= DumpRetries)
            {
                return replies;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Native.Close(_fd);
            _fd = -1;
        }
    }

    private static NetlinkReply Copy(NetlinkReply reply) => reply with { Payload = reply.Payload.ToArray() };

    private uint SendMessage(NetlinkMessage message, ushort flags)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var sequence = unchecked(++_sequence);
        var bytes = message.ToBytes(sequence, flags);
        while (true)
        {
            var sent = Native.Send(_fd, bytes, bytes.Length, 0);
            if (sent >= 0)
            {
                return sequence;
            }

            var errno = Native.Errno;
            if (errno != Native.Eintr)
            {
                throw NetlinkException.Of(errno, "Cannot talk to rtnetlink");
            }
        }
    }

    /// <summary>Receives one datagram and returns its messages that answer the given sequence number (others are stale and dropped).</summary>
    private List<NetlinkReply> ReceiveOwn(uint sequence)
    {
        var length = ReceiveDatagram();
        var own = new List<NetlinkReply>();
        foreach (var reply in NetlinkReader.Messages(_buffer.AsMemory(0, length)))
        {
            if (reply.Sequence == sequence && (reply.PortId == PortId || reply.PortId == 0))
            {
                own.Add(reply);
            }
        }

        return own;
    }

    private int ReceiveDatagram()
    {
        while (true)
        {
            // Peek at the size first, so a datagram larger than the buffer is never cut.
            var size = Native.Receive(_fd, _buffer, _buffer.Length, Native.MsgPeek | Native.MsgTrunc);
            if (size >= 0 && size > _buffer.Length)
            {
                _buffer = new byte[(int)size];
            }

            if (size >= 0)
            {
                var received = Native.Receive(_fd, _buffer, _buffer.Length, 0);
                if (received >= 0)
                {
                    return (int)received;
                }
            }

            var errno = Native.Errno;
            if (errno != Native.Eintr)
            {
                throw NetlinkException.Of(errno, "Netlink receive error");
            }
        }
    }
}
