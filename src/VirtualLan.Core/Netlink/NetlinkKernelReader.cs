using System.IO.Enumeration;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Reads links, addresses, routes, neighbours and namespaces over rtnetlink, giving what the
/// <c>ip -json</c> parsers give (<see cref="KernelReplies"/>), with no process: a socket is opened
/// inside the namespace for one read (a link and an address dump, a route dump, …) and closed
/// after it, so a namespace deleted and made again is never read through a stale socket. Names come
/// from /run/netns as <c>ip netns list</c> reads them. A failure throws
/// <see cref="CommandFailedException"/> naming the equivalent <c>ip</c> command and the message ip
/// prints for it.
/// </summary>
public sealed class NetlinkKernelReader : IKernelReader
{
    private const ushort GetNsid = 90;
    private const ushort NewNsid = 88;
    private const ushort NetnsaNsid = 1;
    private const ushort NetnsaFd = 3;
    private const int RtGenMsgSize = 4;

    private readonly Func<NetNamespace, INetlinkChannel> _open;
    private readonly string _folder;
    private readonly IpNames _names;

    /// <summary>Initializes a new instance of the <see cref="NetlinkKernelReader"/> class that reads the kernel.</summary>
    public NetlinkKernelReader()
        : this(NamespaceOpener.Open, NetnsFiles.Folder, new IpNames())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NetlinkKernelReader"/> class.</summary>
    /// <param name="open">Opens a channel inside a namespace; the reader disposes it after each read.</param>
    /// <param name="folder">The folder of named namespaces.</param>
    /// <param name="names">The iproute2 names of groups, protocols, scopes and users.</param>
    public NetlinkKernelReader(Func<NetNamespace, INetlinkChannel> open, string folder, IpNames names)
    {
        _open = open;
        _folder = folder;
        _names = names;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> NamespaceNames()
    {
        // ip netns list: readdir order, everything but . and ..; nothing when the folder cannot be read.
        try
        {
            return new FileSystemEnumerable<string>(_folder, (ref FileSystemEntry e) => e.FileName.ToString(), new EnumerationOptions { AttributesToSkip = 0 }).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<LinkState> Links(NetNamespace at) =>
        In(at, new[] { "-details", "-json", "addr", "show" }, channel =>
            KernelReplies.Links(channel.Dump(KernelReplies.LinkDump()), channel.Dump(KernelReplies.AddressDump()), _names));

    /// <inheritdoc />
    public IReadOnlyList<RouteState> Routes(NetNamespace at) =>
        In(at, new[] { "-4", "-json", "route", "show" }, channel =>
        {
            var routes = channel.Dump(KernelReplies.RouteDump());
            var names = new Dictionary<int, string>();
            if (routes.Count > 0)
            {
                foreach (var link in channel.Dump(KernelReplies.LinkDump()))
                {
                    var (index, name, _) = KernelReplies.LinkIdentity(link);
                    names.TryAdd(index, name);
                }
            }

            return KernelReplies.Routes(routes, names, _names);
        });

    /// <inheritdoc />
    public IReadOnlyList<Neighbor> Neighbors(NetNamespace at, string link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var arguments = new[] { "-4", "-json", "neigh", "show", "dev", link };
        return In(at, arguments, channel =>
        {
            var (reply, _) = channel.Get(NetlinkMessage.Link(Rtnl.GetLink, 0, 0).Text(Rtnl.IflaIfname, link));
            if (reply is not { } found || found.Type != Rtnl.NewLink)
            {
                throw Failed(at, arguments, $"Cannot find device \"{link}\"", exitCode: 1);
            }

            var (index, _, type) = KernelReplies.LinkIdentity(found);
            return KernelReplies.Neighbors(channel.Dump(KernelReplies.NeighborDump()), index, type);
        });
    }

    /// <inheritdoc />
    public IReadOnlyList<string> PeerNamespaces(NetNamespace at) =>
        In(at, new[] { "-json", "netns", "list" }, channel =>
        {
            // As ip netns list does in the namespace: the id of each name's namespace, asked one by
            // one (the kernel's dump of ids stops after one page).
            return (IReadOnlyList<string>)NamespaceNames().Where(name => IdOf(channel, name) >= 0).ToArray();
        });

    /// <inheritdoc />
    /// <remarks>
    /// From nf_tables (<see cref="NftChains"/>) when iptables is iptables-nft; otherwise, or when the
    /// read fails, null, and iptables-save reads them (and says what is wrong).
    /// </remarks>
    public IReadOnlyDictionary<string, string>? ChainPolicies(NetNamespace at)
    {
        if (!NftChains.Usable)
        {
            return null;
        }

        try
        {
            return NftChains.Policies(at);
        }
        catch (NetlinkException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public string Sysctls(NetNamespace at, IReadOnlyList<string> keys) => ProcSys.Read(at, keys);

    private static CommandFailedException Failed(NetNamespace at, IEnumerable<string> arguments, string message, int exitCode = 255) =>
        new(at.Ip(arguments), exitCode, message + "\n", Array.Empty<CommandLine>(), Array.Empty<string>());

    private int IdOf(INetlinkChannel channel, string name)
    {
        var fd = Native.Open(Path.Combine(_folder, name), Native.OReadOnly | Native.OCloexec, 0);
        if (fd < 0)
        {
            return -1;
        }

        try
        {
            var (reply, _) = channel.Get(new NetlinkMessage(GetNsid).Fixed(new byte[RtGenMsgSize]).U32(NetnsaFd, (uint)fd));
            return reply is { Type: NewNsid } r && r.Attributes(RtGenMsgSize).Find(NetnsaNsid) is { Value.Length: >= 4 } id ? id.I32 : -1;
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    /// <summary>Opens a channel in a namespace, reads through it and closes it; a failure becomes the error the ip command would give.</summary>
    private T In<T>(NetNamespace at, string[] arguments, Func<INetlinkChannel, T> read)
    {
        INetlinkChannel channel;
        try
        {
            channel = _open(at);
        }
        catch (NetlinkException e)
        {
            // What nsenter says for a path, and ip -n for a name.
            throw at.IsPath
                ? new CommandFailedException(at.Ip(arguments), 1, $"nsenter: cannot open {at.Text}: {Native.Describe(e.Errno)}\n", Array.Empty<CommandLine>(), Array.Empty<string>())
                : Failed(at, arguments, e.Message);
        }

        try
        {
            return read(channel);
        }
        catch (NetlinkException e)
        {
            throw Failed(at, arguments, e.Message);
        }
        finally
        {
            channel.Dispose();
        }
    }
}
