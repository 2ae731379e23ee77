using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Netlink sockets inside namespaces, one per namespace, opened on first use and closed together.
/// A socket keeps the namespace it was opened in; the opener thread (<see cref="NamespaceOpener"/>)
/// enters another namespace to open it, so no process is started, whatever the number of namespaces.
/// </summary>
public sealed class NamespaceSockets : IDisposable
{
    private readonly Dictionary<NetNamespace, INetlinkChannel> _sockets = new();
    private readonly Func<NetNamespace, INetlinkChannel> _open;

    /// <summary>Initializes a new instance of the <see cref="NamespaceSockets"/> class that opens real sockets.</summary>
    public NamespaceSockets()
        : this(OpenIn)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NamespaceSockets"/> class with a way to open channels (tests give fakes).</summary>
    /// <param name="open">Opens the channel of a namespace.</param>
    public NamespaceSockets(Func<NetNamespace, INetlinkChannel> open)
    {
        _open = open;
    }

    /// <summary>Returns the socket of a namespace, opening it on first use.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">The namespace cannot be opened (<c>Cannot open network namespace "NAME": No such file or directory</c>).</exception>
    public INetlinkChannel For(NetNamespace at)
    {
        if (!_sockets.TryGetValue(at, out var socket))
        {
            socket = _open(at);
            _sockets[at] = socket;
        }

        return socket;
    }

    /// <summary>Closes the socket of a namespace (one that was deleted), if one is open.</summary>
    /// <param name="at">The namespace.</param>
    public void Forget(NetNamespace at)
    {
        if (_sockets.Remove(at, out var socket))
        {
            socket.Dispose();
        }
    }

    /// <summary>Opens a socket inside a namespace: the own one directly, a name through /run/netns/NAME, a path as it is.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">The namespace cannot be opened or entered.</exception>
    public static NetlinkSocket OpenIn(NetNamespace at) => NamespaceOpener.Open(at);

    /// <summary>Opens a namespace's file (read-only, close-on-exec), as <c>ip -n</c> does.</summary>
    /// <param name="at">A named namespace or a path.</param>
    /// <returns>The file descriptor; the caller closes it.</returns>
    /// <exception cref="NetlinkException">It cannot be opened.</exception>
    public static int OpenNamespace(NetNamespace at)
    {
        var path = at.IsPath ? at.Text! : NetnsFiles.PathOf(at.Name!);
        var fd = Native.Open(path, Native.OReadOnly | Native.OCloexec, 0);
        return fd >= 0 ? fd : throw NetlinkException.Of(Native.Errno, $"Cannot open network namespace \"{at.Text}\"");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }
}
