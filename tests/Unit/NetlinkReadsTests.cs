using VirtualLan.Linux;
using VirtualLan.Netlink;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// The netlink reader's parsers on dumps captured once from a kernel (Fixtures/netlink-dump.*.hex:
/// a bridge with three addresses, a veth pair with one end down, a tap owned by nobody, routes with
/// onlink, metric, proto static and src, one in table 100, and a permanent and a stale neighbour),
/// against what the ip-json parsers make of ip's output captured at the same moment.
/// </summary>
public sealed class NetlinkReadsTests : IDisposable
{
    private readonly string _etc = Path.Combine(Path.GetTempPath(), "vlan-iproute2-" + Guid.NewGuid().ToString("N"));

    public NetlinkReadsTests()
    {
        Directory.CreateDirectory(_etc);
        File.WriteAllText(Path.Combine(_etc, "group"), "# device group names\n0\tdefault\n");
    }

    public void Dispose() => Directory.Delete(_etc, recursive: true);

    [Fact]
    public void Links_from_a_dump_are_what_IpJson_makes_of_ip_details_json_addr_show()
    {
        var expected = IpJson.ParseLinks(FakeRunner.Fixture("netlink-dump.ip-d-j-addr-show.json"));
        var actual = KernelReplies.Links(Dump("links"), Dump("addrs"), new IpNames(_etc));
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
        Assert.Contains("M-DOWN", actual.Single(l => l.Name == "va1").Flags);
        Assert.Equal("nobody", actual.Single(l => l.Name == "tap0").TunOwner);
        Assert.Equal("77", actual.Single(l => l.Name == "va1").Group);
    }

    [Fact]
    public void Routes_from_a_dump_are_what_RouteState_makes_of_ip_4_json_route_show()
    {
        var names = Dump("links").Select(KernelReplies.LinkIdentity).ToDictionary(l => l.Index, l => l.Name);
        var actual = KernelReplies.Routes(Dump("routes"), names, new IpNames(_etc));
        Assert.Equal(RouteState.ParseAll(FakeRunner.Fixture("netlink-dump.ip-4-j-route-show.json")), actual);
        Assert.DoesNotContain(actual, r => r.Destination == "10.60.0.0/16");
    }

    [Fact]
    public void Neighbours_from_a_dump_are_what_ParseNeighbors_makes_of_ip_4_json_neigh_show()
    {
        var bridge = Dump("links").Select(KernelReplies.LinkIdentity).Single(l => l.Name == "br0");
        var actual = KernelReplies.Neighbors(Dump("neigh"), bridge.Index, bridge.Type);
        Assert.Equal(RouteState.ParseNeighbors(FakeRunner.Fixture("netlink-dump.ip-4-j-neigh-show-dev-br0.json")), actual);
        Assert.Equal("10.9.0.50", Assert.Single(actual).Address.ToString());
    }

    [Fact]
    public void Link_flags_are_listed_in_ips_order_with_no_carrier_unknown_bits_and_m_down()
    {
        // UP|BROADCAST|MULTICAST without RUNNING, plus an unknown bit.
        Assert.Equal(["NO-CARRIER", "BROADCAST", "MULTICAST", "UP", "80000"], KernelReplies.Flags(0x1 | 0x2 | 0x1000 | 0x80000, lowerDown: false));
        Assert.Equal(["LOOPBACK", "UP", "LOWER_UP"], KernelReplies.Flags(0x8 | 0x1 | 0x40 | 0x10000, lowerDown: false));
        Assert.Equal(["BROADCAST", "M-DOWN"], KernelReplies.Flags(0x2, lowerDown: true));
    }

    [Fact]
    public void Link_addresses_are_written_as_ip_writes_them()
    {
        Assert.Equal("02:ab:00:00:00:0f", KernelReplies.LinkAddress([0x02, 0xAB, 0, 0, 0, 0x0F], 1));
        Assert.Equal("192.0.2.1", KernelReplies.LinkAddress([192, 0, 2, 1], 778));
        Assert.Equal("c0:00:02:01", KernelReplies.LinkAddress([192, 0, 2, 1], 1));
    }

    [Fact]
    public void Names_follow_iproute2s_tables()
    {
        File.WriteAllText(Path.Combine(_etc, "group"), "0 default\n  # comment\n\n7 seven\n0x10 sixteen # hex\n7 later\n-3 negative\nnot a line\n9 nine\n");
        File.WriteAllText(Path.Combine(_etc, "rt_protos"), "99 openr\n4 mine\n");
        Directory.CreateDirectory(Path.Combine(_etc, "rt_protos.d"));
        File.WriteAllText(Path.Combine(_etc, "rt_protos.d", "extra.conf"), "100 extra\n");
        File.WriteAllText(Path.Combine(_etc, "rt_protos.d", "ignored.txt"), "101 ignored\n");
        var names = new IpNames(_etc);
        Assert.Equal("default", names.Group(0));
        Assert.Equal("later", names.Group(7));
        Assert.Equal("sixteen", names.Group(16));
        Assert.Equal("9", names.Group(9));
        Assert.Equal("-1", names.Group(uint.MaxValue));

        // A built-in protocol is named without reading the files; once they are read, theirs win.
        Assert.Equal("static", names.Protocol(4));
        Assert.Equal("openr", names.Protocol(99));
        Assert.Equal("mine", names.Protocol(4));
        Assert.Equal("extra", names.Protocol(100));
        Assert.Equal("101", names.Protocol(101));
        Assert.Equal("link", names.Scope(253));
        Assert.Equal("7", names.Scope(7));
        Assert.Equal("0", new IpNames(Path.Combine(_etc, "missing")).Group(0));
        Assert.Equal("root", names.User(0));
    }

    private static List<NetlinkReply> Dump(string name) =>
        FakeRunner.Fixture($"netlink-dump.{name}.hex")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Select(f => new NetlinkReply(ushort.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), 0, 0, 0, Convert.FromHexString(f[1])))
            .ToList();

    private static string Describe(LinkState l) =>
        string.Join(" | ", l.Index, l.Name, l.Kind, l.Master, string.Join(',', l.Flags), l.OperState, l.Mtu, l.MacAddress, l.Alias, string.Join(',', l.Addresses), l.Group, l.TunOwner);
}

/// <summary>Which iptables the module runs decides where chain policies are read from.</summary>
public sealed class NftChainsTests
{
    [Theory]
    [InlineData("xtables-nft-multi", true)]
    [InlineData("xtables-legacy-multi", false)]
    public void The_iptables_the_module_runs_is_followed_through_its_links(string program, bool nft)
    {
        var root = Directory.CreateTempSubdirectory("vlan-nft-");
        try
        {
            var bin = Directory.CreateDirectory(Path.Combine(root.FullName, "bin")).FullName;
            var alternatives = Directory.CreateDirectory(Path.Combine(root.FullName, "alternatives")).FullName;
            File.WriteAllText(Path.Combine(bin, program), string.Empty);
            File.CreateSymbolicLink(Path.Combine(alternatives, "iptables"), Path.Combine(bin, program));
            File.CreateSymbolicLink(Path.Combine(bin, "iptables"), Path.Combine(alternatives, "iptables"));
            var found = new VirtualLan.Execution.ToolLocator(bin, File.Exists).Find("iptables");

            Assert.Equal(nft, NftChains.IsNft(found));
            Assert.False(NftChains.IsNft(null));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}

/// <summary>A namespace that another process deletes while the module reads the machine.</summary>
public sealed class VanishingNamespaceTests
{
    [Fact]
    public void A_namespace_deleted_between_the_listing_and_its_read_is_gone_and_another_failure_is_not_hidden()
    {
        var reader = new Vanishing();
        var state = new KernelState(new FakeRunner(), reader);
        Assert.Contains("gone", state.NamespaceNames);

        // Listed, then deleted before its links are read: it no longer exists, and nothing fails.
        reader.Listed = ["kept"];
        Assert.False(state.Links("gone").Exists);

        // Still listed, yet unreadable: that is a real failure and is not taken for a deletion.
        var fresh = new KernelState(new FakeRunner(), reader);
        Assert.Throws<CommandFailedException>(() => fresh.Links("kept"));
    }

    private sealed class Vanishing : IKernelReader
    {
        public IReadOnlyList<string> Listed { get; set; } = ["gone", "kept"];

        public IReadOnlyList<string> NamespaceNames() => Listed;

        public IReadOnlyList<LinkState> Links(NetNamespace at) =>
            throw new CommandFailedException(at.Ip(["-details", "-json", "addr", "show"]), 1, $"Cannot open network namespace \"{at.Text}\": No such file or directory\n", [], []);

        public IReadOnlyList<RouteState> Routes(NetNamespace at) => [];

        public IReadOnlyList<Neighbor> Neighbors(NetNamespace at, string link) => [];

        public IReadOnlyList<string> PeerNamespaces(NetNamespace at) => [];

        public string Sysctls(NetNamespace at, IReadOnlyList<string> keys) => string.Empty;

        public IReadOnlyDictionary<string, string>? ChainPolicies(NetNamespace at) => null;
    }
}
