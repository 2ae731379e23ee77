using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Opens netlink sockets inside other namespaces from one long-lived thread of its own, so a read
/// of hundreds of namespaces starts no thread per namespace (starting one costs about a
/// millisecond; entering a namespace, microseconds). The thread enters the namespace, opens the
/// socket and goes back to the process's namespace at once, so it never holds a namespace alive
/// (a namespace deleted meanwhile is freed as with <c>ip netns delete</c>). Should it fail to go
/// back, it ends, and the next request starts a new one.
/// </summary>
public static class NamespaceOpener
{
    private static readonly object Gate = new();
    private static BlockingCollection<Request>? _queue;

    /// <summary>Opens a socket inside a namespace: the own one on the calling thread, another through the opener thread.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">The namespace cannot be opened or entered (<c>Cannot open network namespace "NAME": No such file or directory</c>).</exception>
    public static NetlinkSocket Open(NetNamespace at)
    {
        if (at.IsOwn)
        {
            return NetlinkSocket.Open();
        }

        NetlinkSocket? socket = null;
        Run(at, () => socket = NetlinkSocket.Open(), () => socket?.Dispose());
        return socket!;
    }

    /// <summary>
    /// Runs work on the opener thread inside a namespace (the process's own when <paramref name="at"/>
    /// is <see cref="NetNamespace.Own"/>), then brings the thread back to the process's namespace —
    /// also when the work moved it (unshare). What the work opens keeps the namespace it was opened in.
    /// </summary>
    /// <param name="at">The namespace to enter first.</param>
    /// <param name="work">What to do there.</param>
    /// <param name="discard">Undoes the work's result when the thread cannot return (the result is lost with the failure), or null.</param>
    /// <exception cref="NetlinkException">The namespace cannot be opened or entered, or the thread cannot return.</exception>
    public static void Run(NetNamespace at, Action work, Action? discard = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var fd = at.IsOwn ? -1 : NamespaceSockets.OpenNamespace(at);
        try
        {
            using var request = new Request(fd, at, work, discard);
            Post(request);

            request.Done.Wait();
            if (request.Failure is not null)
            {
                ExceptionDispatchInfo.Capture(request.Failure).Throw();
            }
        }
        finally
        {
            if (fd >= 0)
            {
                _ = Native.Close(fd);
            }
        }
    }

    private static void Post(Request request)
    {
        while (true)
        {
            try
            {
                Queue().Add(request);
                return;
            }
            catch (InvalidOperationException)
            {
                // That thread was just retired (its queue is complete); the next call makes a new one.
            }
        }
    }

    private static BlockingCollection<Request> Queue()
    {
        lock (Gate)
        {
            if (_queue is null)
            {
                var queue = new BlockingCollection<Request>();
                new Thread(() => Serve(queue), 256 * 1024) { IsBackground = true, Name = "VirtualLan netns opener" }.Start();
                _queue = queue;
            }

            return _queue;
        }
    }

    private static void Serve(BlockingCollection<Request> queue)
    {
        var own = Native.Open("/proc/self/ns/net", Native.OReadOnly | Native.OCloexec, 0);
        foreach (var request in queue.GetConsumingEnumerable())
        {
            try
            {
                if (own < 0)
                {
                    throw NetlinkException.Of(Native.Errno, "Cannot open network namespace \"/proc/self/ns/net\"");
                }

                if (request.Fd >= 0 && Native.SetNamespace(request.Fd, Native.CloneNewNet) < 0)
                {
                    throw NetlinkException.Of(Native.Errno, $"setting the network namespace \"{request.At.Text}\" failed");
                }

                try
                {
                    request.Work();
                }
                finally
                {
                    if (Native.SetNamespace(own, Native.CloneNewNet) < 0)
                    {
                        var errno = Native.Errno;
                        request.Discard?.Invoke();
                        Retire(queue);
                        request.Failure = NetlinkException.Of(errno, "returning to the process's network namespace failed");
                    }
                }
            }
            catch (Exception e)
            {
                request.Failure = e;
            }

            request.Done.Set();
            if (!ReferenceEquals(_queue, queue))
            {
                break;
            }
        }

        // Retired: the requests that were already queued fail rather than wait forever.
        while (queue.TryTake(out var left))
        {
            left.Failure = new NetlinkException(0, $"Cannot open a socket in the network namespace \"{left.At.Text}\": the opener thread could not return to the process's namespace");
            left.Done.Set();
        }

        if (own >= 0)
        {
            _ = Native.Close(own);
        }
    }

    /// <summary>Stops handing requests to this thread (it is in a namespace it cannot leave); a new thread serves the next.</summary>
    private static void Retire(BlockingCollection<Request> queue)
    {
        lock (Gate)
        {
            if (ReferenceEquals(_queue, queue))
            {
                _queue = null;
            }
        }

        queue.CompleteAdding();
    }

    private sealed class Request : IDisposable
    {
        public Request(int fd, NetNamespace at, Action work, Action? discard)
        {
            Fd = fd;
            At = at;
            Work = work;
            Discard = discard;
        }

        public Action Work { get; }

        public Action? Discard { get; }

        public int Fd { get; }

        public NetNamespace At { get; }

        public ManualResetEventSlim Done { get; } = new();

        public Exception? Failure { get; set; }

        public void Dispose() => Done.Dispose();
    }
}
