using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// A TCP/UDP probe for the kernel tests, run inside a namespace with 'ip netns exec':
//   serve tcp|udp PORT [COUNT [BIND]]  answer COUNT exchanges (default 1) with the peer address the
//                                      server saw, print each, exit; prints "listening" once bound.
//                                      A UDP server on a host with several addresses should BIND to
//                                      the one clients use, so its answers come from that address.
//   send tcp|udp HOST PORT MESSAGE [SOURCEPORT [SOURCEADDRESS]]
//                                      send MESSAGE (from SOURCEPORT and SOURCEADDRESS when given),
//                                      print the answer, exit 0; exit 1 without one. HOST may be IPv6.
//   advertise INTERFACE [COUNT]        send COUNT (default 3) IPv6 router advertisements to ff02::1
//                                      on INTERFACE, one a second, offering this host as default
//                                      router for 30 minutes; exit 0 once all were sent
// Both give up after 15 seconds, so a dropped packet fails a test instead of hanging it.
var timeout = TimeSpan.FromSeconds(15);
using var cancel = new CancellationTokenSource(timeout);
try
{
    return args switch
    {
        ["serve", var protocol, var port, .. var rest] => await Serve(
            protocol,
            int.Parse(port, CultureInfo.InvariantCulture),
            rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 1,
            rest.Length > 1 ? IPAddress.Parse(rest[1]) : IPAddress.Any,
            cancel.Token),
        ["send", var protocol, var host, var port, var message, .. var source] => await Send(
            protocol,
            IPAddress.Parse(host),
            int.Parse(port, CultureInfo.InvariantCulture),
            message,
            source.Length > 0 ? int.Parse(source[0], CultureInfo.InvariantCulture) : 0,
            source.Length > 1 ? IPAddress.Parse(source[1]) : null,
            cancel.Token),
        ["advertise", var name, .. var times] => await Advertise(name, times.Length > 0 ? int.Parse(times[0], CultureInfo.InvariantCulture) : 3, cancel.Token),
        _ => Usage(),
    };
}
catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
{
    Console.Error.WriteLine("netprobe: " + e.Message);
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: serve tcp|udp PORT [COUNT] | send tcp|udp HOST PORT MESSAGE");
    return 2;
}

static async Task<int> Serve(string protocol, int port, int count, IPAddress bind, CancellationToken token)
{
    if (protocol == "tcp")
    {
        var listener = new TcpListener(bind, port);
        listener.Start();
        Console.WriteLine("listening");
        for (var i = 0; i < count; i++)
        {
            using var client = await listener.AcceptTcpClientAsync(token);
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var message = await reader.ReadLineAsync(token);
            var answer = $"peer={client.Client.RemoteEndPoint} local={client.Client.LocalEndPoint} message={message}";
            Console.WriteLine(answer);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), token);
        }

        listener.Stop();
        return 0;
    }

    using var udp = new UdpClient(new IPEndPoint(bind, port));
    Console.WriteLine("listening");
    for (var i = 0; i < count; i++)
    {
        var received = await udp.ReceiveAsync(token);
        var answer = $"peer={received.RemoteEndPoint} message={Encoding.UTF8.GetString(received.Buffer)}";
        Console.WriteLine(answer);
        await udp.SendAsync(Encoding.UTF8.GetBytes(answer), received.RemoteEndPoint, token);
    }

    return 0;
}

static async Task<int> Send(string protocol, IPAddress host, int port, string message, int sourcePort, IPAddress? sourceAddress, CancellationToken token)
{
    using var shortly = CancellationTokenSource.CreateLinkedTokenSource(token);
    shortly.CancelAfter(TimeSpan.FromSeconds(5));
    var local = new IPEndPoint(sourceAddress ?? (host.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), sourcePort);
    if (protocol == "tcp")
    {
        using var client = new TcpClient(local);
        await client.ConnectAsync(host, port, shortly.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(message + "\n"), shortly.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadLineAsync(shortly.Token);
        Console.WriteLine(answer);
        return answer is null ? 1 : 0;
    }

    using var udp = new UdpClient(local);
    await udp.SendAsync(Encoding.UTF8.GetBytes(message), new IPEndPoint(host, port), shortly.Token);
    var reply = await udp.ReceiveAsync(shortly.Token);
    Console.WriteLine(Encoding.UTF8.GetString(reply.Buffer));
    return 0;
}

static async Task<int> Advertise(string name, int count, CancellationToken token)
{
    // ICMPv6 type 134: hop limit 64, no flags, router lifetime 1800 s, no options. The kernel fills
    // in the checksum of a raw ICMPv6 socket; receivers require hop limit 255 and a link-local source.
    var index = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == name).GetIPProperties().GetIPv6Properties().Index;
    using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
    var advertisement = new byte[] { 134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0 };
    var allNodes = new IPEndPoint(new IPAddress(IPAddress.Parse("ff02::1").GetAddressBytes(), index), 0);
    for (var i = 0; i < count; i++)
    {
        await socket.SendToAsync(advertisement, SocketFlags.None, allNodes, token);
        await Task.Delay(TimeSpan.FromSeconds(1), token);
    }

    Console.WriteLine("advertised");
    return 0;
}
