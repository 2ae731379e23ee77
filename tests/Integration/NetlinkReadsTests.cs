using System.Diagnostics;
using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Netlink;
using Xunit.Abstractions;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// The netlink reader against the ip one on a real kernel: namespaces holding every kind of link,
/// address, route and neighbour the module meets are read both ways and must give the same values,
/// field by field, and the same errors.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class NetlinkReadsTests
{
    private readonly ITestOutputHelper _output;

    public NetlinkReadsTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [KernelFact]
    public void The_netlink_reader_gives_what_ip_json_gives_for_every_kind_of_link_route_and_neighbour()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var (a, b) = ("vlnr-" + id + "-a", "vlnr-" + id + "-b");
        Process? holder = null;
        try
        {
            Kernel.Must("ip", "netns", "add", a);
            Kernel.Must("ip", "netns", "add", b);
            var batch = string.Join('\n', new[]
            {
                "link set lo up",
                "link add br0 type bridge",
                "link set br0 up",
                "addr add 10.9.0.1/24 dev br0",
                "addr add 10.9.0.2/24 dev br0",
                "addr add 10.9.1.1/16 dev br0",
                $"link add vh0 type veth peer name eth0 netns {b}",
                "link set vh0 master br0 up",
                "link add va1 type veth peer name va2",
                "link set va1 up",
                "tuntap add dev tap0 mode tap user nobody",
                "link set tap0 master br0",
                "tuntap add dev tun0 mode tun",
                "link add vx0 type vxlan id 42 dstport 4789 remote 10.9.0.9 dev br0",
                "link add br1 type bridge",
                "link set vx0 master br1 up",
                "link add d0 type bridge",
                "link set d0 group 77 up",
                "link add d1 type bridge",
                "link set d1 mtu 9000 address 02:AB:cd:00:00:01",
                "addr add 192.168.5.5/32 dev d1",
                "route add default via 10.9.0.254 dev br0",
                "route add 10.20.0.0/16 dev br0",
                "route add 10.30.0.0/16 via 10.9.0.253 dev br0 onlink metric 50",
                "route add 10.31.0.0/16 via 10.9.0.252 dev br0 proto static src 10.9.0.2",
                "route add 10.40.0.5 via 10.9.0.251 dev br0 proto 99",
                "route add blackhole 10.50.0.0/16",
                "route add 10.60.0.0/16 via 10.9.0.250 dev br0 table 100",
                "route add 10.61.0.0/16 dev br0 scope host",
                "neigh add 10.9.0.50 lladdr 02:00:00:00:00:50 dev br0 nud permanent",
                "neigh add 10.9.0.51 lladdr 02:00:00:00:00:51 dev br0 nud stale",
                "neigh replace 10.9.0.52 lladdr 02:00:00:00:00:52 dev br0 nud reachable",
                "neigh add 10.9.0.53 lladdr 02:00:00:00:00:53 dev br0 nud noarp",
                "neigh add 10.9.0.54 lladdr 02:00:00:00:00:54 dev vh0 nud permanent",
            });
            Batch(a, batch);
            Kernel.Must("ip", "-n", a, "link", "set", "d0", "alias", "an \"alias\" with spaces and 'quotes'");
            Batch(b, "link set lo up\nlink set eth0 up\naddr add 10.9.0.20/24 dev eth0\nroute add default via 10.9.0.1\n");

            // A namespace reached by a path: a process's.
            holder = Process.Start(new ProcessStartInfo("ip", new[] { "netns", "exec", b, "sleep", "60" }) { UseShellExecute = false })!;
            var path = NetNamespace.AtPath($"/proc/{holder.Id.ToString(CultureInfo.InvariantCulture)}/ns/net");
            WaitFor(() => File.Exists(path.Text) && Kernel.Run("readlink", path.Text!).Output == Kernel.Run("ip", "netns", "exec", b, "readlink", "/proc/self/ns/net").Output);

            var ip = new CommandLineKernelReader(new ProcessRunner(new ToolLocator()));
            var netlink = new NetlinkKernelReader();
            foreach (var at in new[] { NetNamespace.Named(a), NetNamespace.Named(b), path, NetNamespace.Own })
            {
                Assert.Equal(string.Join('\n', ip.Links(at).Select(Describe)), string.Join('\n', netlink.Links(at).Select(Describe)));
                Assert.Equal(ip.Routes(at), netlink.Routes(at));
            }

            // The links are what was made, so the comparison covered them.
            var links = netlink.Links(NetNamespace.Named(a));
            Assert.Equal("nobody", links.Single(l => l.Name == "tap0").TunOwner);
            Assert.Equal("tun", links.Single(l => l.Name == "tun0").Kind);
            Assert.Null(links.Single(l => l.Name == "tun0").TunOwner);
            Assert.Contains("M-DOWN", links.Single(l => l.Name == "va1").Flags);
            Assert.Equal("77", links.Single(l => l.Name == "d0").Group);
            Assert.Equal("an \"alias\" with spaces and 'quotes'", links.Single(l => l.Name == "d0").Alias);
            Assert.Equal("02:ab:cd:00:00:01", links.Single(l => l.Name == "d1").MacAddress);
            // The kernel keeps a secondary address (10.9.0.2 in 10.9.0.0/24) after the primaries.
            Assert.Equal(["10.9.0.1/24", "10.9.1.1/16", "10.9.0.2/24"], links.Single(l => l.Name == "br0").Addresses.Select(c => c.ToString()));
            Assert.Equal("br1", links.Single(l => l.Name == "vx0").Master);
            Assert.Equal("DOWN", links.Single(l => l.Name == "va2").OperState);
            var routes = netlink.Routes(NetNamespace.Named(a));
            Assert.Contains(routes, r => r.OnLink && r.Metric == 50);
            Assert.DoesNotContain(routes, r => r.Destination == "10.60.0.0/16");
            Assert.Contains(routes, r => r.Destination == "10.40.0.5" && r.Protocol == "openr");

            foreach (var (at, link) in new[] { (a, "br0"), (a, "vh0"), (b, "eth0") })
            {
                Assert.Equal(ip.Neighbors(at, link), netlink.Neighbors(at, link));
            }

            // The permanent one is kept, the stale one and the NOARP one (ip hides it) are not; the
            // reachable one may have gone stale already.
            var seen = netlink.Neighbors(a, "br0").Select(n => n.Address.ToString()).ToArray();
            Assert.Contains("10.9.0.50", seen);
            Assert.DoesNotContain("10.9.0.51", seen);
            Assert.DoesNotContain("10.9.0.53", seen);
            Assert.Equal("02:00:00:00:00:50", netlink.Neighbors(a, "br0").Single(n => n.Address.ToString() == "10.9.0.50").MacAddress);

            Assert.Equal(ip.NamespaceNames(), netlink.NamespaceNames());
            Assert.Contains(a, netlink.NamespaceNames());
            Assert.Equal(ip.PeerNamespaces(a), netlink.PeerNamespaces(a));
            Assert.Equal(ip.PeerNamespaces(b), netlink.PeerNamespaces(b));
            Assert.Equal([b], netlink.PeerNamespaces(a));

            // The same errors: a namespace that is gone, a link that does not exist.
            Assert.Equal(Error(() => ip.Links(a + "-gone")), Error(() => netlink.Links(a + "-gone")));
            Assert.Equal(Error(() => ip.Routes(a + "-gone")), Error(() => netlink.Routes(a + "-gone")));
            Assert.Equal(Error(() => ip.Neighbors(a, "nosuch0")), Error(() => netlink.Neighbors(a, "nosuch0")));
            Assert.Equal(Error(() => ip.PeerNamespaces(a + "-gone")), Error(() => netlink.PeerNamespaces(a + "-gone")));
        }
        finally
        {
            if (holder is not null)
            {
                holder.Kill();
                holder.WaitForExit();
                holder.Dispose();
            }

            Kernel.Run("ip", "netns", "delete", a);
            Kernel.Run("ip", "netns", "delete", b);
        }
    }

    [KernelFact]
    public void A_kernel_state_on_netlink_reads_sees_a_namespace_deleted_and_made_again_after_invalidate()
    {
        var name = "vlnr-" + Guid.NewGuid().ToString("N")[..6] + "-c";
        var peer = name + "p";
        var state = new KernelState(new ProcessRunner(new ToolLocator()), new NetlinkKernelReader());
        Assert.False(state.Links(name).Exists);
        Kernel.Must("ip", "netns", "add", name);
        try
        {
            state.Invalidate();
            Kernel.Must("ip", "-n", name, "link", "add", "d9", "type", "bridge");
            Assert.Equal(["lo", "d9"], state.Links(name).Links.Select(l => l.Name));
            Kernel.Must("ip", "netns", "delete", name);
            Kernel.Must("ip", "netns", "add", name);
            state.Invalidate();
            Assert.Equal(["lo"], state.Links(name).Links.Select(l => l.Name));

            // Reading it left nothing holding it: deleted, it goes, and so does the veth it shared.
            Kernel.Must("ip", "netns", "add", peer);
            Kernel.Must("ip", "-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer);
            state.Invalidate();
            Assert.Contains("v0", state.Links(name).Links.Select(l => l.Name));
            Kernel.Must("ip", "netns", "delete", name);
            Kernel.WaitUntilGone(peer, "v1");
            Assert.NotEqual(0, Kernel.Run("ip", "-n", peer, "link", "show", "v1").ExitCode);
            state.Invalidate();
            Assert.False(state.Links(name).Exists);
            Assert.Empty(state.Routes(name));
        }
        finally
        {
            Kernel.Run("ip", "netns", "delete", name);
            Kernel.Run("ip", "netns", "delete", peer);
        }
    }

    [KernelFact]
    public void Chain_policies_read_from_nf_tables_are_the_ones_iptables_save_prints()
    {
        Assert.True(NftChains.Usable, "iptables here is expected to be iptables-nft (xtables-nft-multi), as on Debian 12");
        var id = Guid.NewGuid().ToString("N")[..6];
        var (empty, set) = ($"vlnr-{id}-e", $"vlnr-{id}-p");
        try
        {
            Kernel.Must("ip", "netns", "add", empty);
            Kernel.Must("ip", "netns", "add", set);
            Kernel.Must("ip", "netns", "exec", set, "iptables", "-P", "FORWARD", "DROP");
            Kernel.Must("ip", "netns", "exec", set, "iptables", "-P", "INPUT", "DROP");
            Kernel.Must("ip", "netns", "exec", set, "iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "MASQUERADE");
            Kernel.Must("ip", "netns", "exec", set, "iptables", "-N", "MINE");

            var runner = new ProcessRunner(new ToolLocator());
            foreach (var ns in new[] { empty, set })
            {
                // Every built-in chain of both tables, as iptables-save prints it, and no user chain.
                var saved = new KernelState(runner, new CommandLineKernelReader(runner)).Firewall(ns);
                var fromNft = new NetlinkKernelReader().ChainPolicies(ns);
                Assert.NotNull(fromNft);
                foreach (var (table, chain) in new[] { ("filter", "INPUT"), ("filter", "FORWARD"), ("filter", "OUTPUT"), ("nat", "PREROUTING"), ("nat", "POSTROUTING"), ("filter", "MINE") })
                {
                    Assert.Equal(saved.Policy(table, chain) is "-" ? null : saved.Policy(table, chain), fromNft!.GetValueOrDefault(table + "/" + chain));
                    Assert.Equal(saved.Policy(table, chain) is "-" ? null : saved.Policy(table, chain), new KernelState(runner, new NetlinkKernelReader()).Policy(ns, table, chain));
                }
            }

            Assert.Equal("DROP", new KernelState(runner, new NetlinkKernelReader()).Policy(set, "filter", "FORWARD"));
            Assert.Null(new KernelState(runner, new NetlinkKernelReader()).Policy(empty, "filter", "FORWARD"));
            Assert.Null(new KernelState(runner, new NetlinkKernelReader()).Policy(set + "-gone", "filter", "FORWARD"));
        }
        finally
        {
            Kernel.Run("ip", "netns", "delete", empty);
            Kernel.Run("ip", "netns", "delete", set);
        }
    }

    /// <summary>200 namespaces with a veth on one bridge: both readers read the links of all of them (the numbers are printed, not asserted).</summary>
    [KernelFact]
    public void Two_hundred_namespaces_read_the_same_both_ways()
    {
        const int count = 200;
        var id = Guid.NewGuid().ToString("N")[..6];
        var host = "vlnr-" + id + "-h";
        var names = Enumerable.Range(0, count).Select(i => $"vlnr-{id}-{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
        try
        {
            Kernel.Must("ip", "netns", "add", host);
            Batch(null, string.Join('\n', names.Select(n => "netns add " + n)));
            Batch(host, "link add br0 type bridge\nlink set br0 up\n" + string.Join('\n', names.Select((n, i) =>
                $"link add vh{i} master br0 up type veth peer name eth0 netns {n}")));
            var all = names.Select(NetNamespace.Named).Prepend(NetNamespace.Named(host)).ToArray();
            var runner = new ProcessRunner(new ToolLocator());
            string[] Read(IKernelReader reader, out double milliseconds)
            {
                var clock = Stopwatch.StartNew();
                var state = new KernelState(runner, reader);
                var links = all.SelectMany(at => state.Links(at).Links.Select(Describe)).ToArray();
                milliseconds = clock.Elapsed.TotalMilliseconds;
                return links;
            }

            // Links just made and set up settle their carrier a moment later: read until ip reads the same twice.
            var settled = Read(new CommandLineKernelReader(runner), out _);
            for (var again = Read(new CommandLineKernelReader(runner), out _); !again.SequenceEqual(settled); again = Read(new CommandLineKernelReader(runner), out _))
            {
                settled = again;
            }

            Read(new NetlinkKernelReader(), out _);
            var byNetlink = Read(new NetlinkKernelReader(), out var netlinkMs);
            var byIp = Read(new CommandLineKernelReader(runner), out var ipMs);
            Assert.Equal(byIp, byNetlink);
            Assert.Equal((count + 2) + (count * 2), byNetlink.Length);
            _output.WriteLine($"links of {all.Length} namespaces: netlink {netlinkMs:F0} ms, ip {ipMs:F0} ms");

            // Every namespace a veth of the host reaches is its peer, all 200: the kernel's dump of
            // ids (ip netns list-id) stops after one page (134 on 6.18), which made Exit-VlanSandbox
            // take the rest for foreign namespaces.
            var ipPeers = new CommandLineKernelReader(runner).PeerNamespaces(host);
            Assert.Equal(names.Order(StringComparer.Ordinal), ipPeers.Order(StringComparer.Ordinal));
            Assert.Equal(ipPeers, new NetlinkKernelReader().PeerNamespaces(host));
        }
        finally
        {
            Batch(null, string.Join('\n', names.Select(n => "netns delete " + n)), check: false);
            Kernel.Run("ip", "netns", "delete", host);
        }
    }

    private static string Describe(LinkState l) =>
        string.Join(
            " | ",
            l.Index,
            l.Name,
            l.Kind,
            l.Master,
            string.Join(',', l.Flags),
            l.OperState,
            l.Mtu,
            l.MacAddress,
            l.Alias,
            string.Join(',', l.Addresses),
            l.Group,
            l.TunOwner);

    private static string Error(Action read) => Assert.Throws<CommandFailedException>(read).Message;

    private static void Batch(string? ns, string lines, bool check = true)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, lines + "\n");
            var result = ns is null ? Kernel.Run("ip", "-batch", file) : Kernel.Run("ip", "-n", ns, "-batch", file);
            if (check && result.ExitCode != 0)
            {
                throw new InvalidOperationException($"ip -batch failed: {result.Error}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("The namespace holder did not start.");
            }

            Thread.Sleep(20);
        }
    }
}
