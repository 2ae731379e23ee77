using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Tracing;

namespace VirtualLan.Tests.Unit;

public class TraceParserTests
{
    // The journal line of seed 000's debugging session, addresses restored from its context.
    private const string SeedLine = "aug 30 13:07:42 ceres kernel: IPTables-Dropped: IN=virtualnet0 OUT=virtualnet0 PHYSIN=veth-dv-0 PHYSOUT=qemutap0 MAC=52:54:00:12:34:56:02:42:ac:15:00:02:08:00 SRC=172.24.1.2 DST=172.24.2.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=57703 DF PROTO=ICMP TYPE=8 CODE=0 ID=40 SEQ=1 ";

    [Fact]
    public void The_seeds_journal_line_is_read_field_by_field()
    {
        var entry = TraceParsers.ParseLogLine(SeedLine, null, DateTimeOffset.UnixEpoch)!;
        Assert.Equal("IPTables-Dropped:", entry.Prefix);
        Assert.Equal(("virtualnet0", "virtualnet0", "veth-dv-0", "qemutap0"), (entry.In, entry.Out, entry.PhysIn, entry.PhysOut));
        Assert.Equal("52:54:00:12:34:56:02:42:ac:15:00:02:08:00", entry.Mac);
        Assert.Equal("172.24.1.2", entry.Source!.ToString());
        Assert.Equal("172.24.2.2", entry.Destination!.ToString());
        Assert.Equal(("ICMP", 8, 0), (entry.Protocol, entry.IcmpType, entry.IcmpCode));
        Assert.Equal((84, 64), (entry.Length, entry.Ttl));
    }

    [Theory]
    [InlineData("IN=eth0 OUT= MAC=aa SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=40000 DPT=4000 WINDOW=64240 RES=0x00 SYN URGP=0 ", "TCP", 40000, 4000)]
    [InlineData("[ 1234.5678] vlan filter:FORWARD IN=lan0 OUT=host0 SRC=172.24.4.2 DST=100.64.0.1 LEN=32 TOS=0x00 PREC=0x00 TTL=63 ID=9 PROTO=UDP SPT=53 DPT=5353 LEN=12 ", "UDP", 53, 5353)]
    public void Tcp_and_udp_lines_keep_ports_and_the_odd_repeated_keys_keep_the_first(string line, string protocol, int sport, int dport)
    {
        var entry = TraceParsers.ParseLogLine(line, "ns", DateTimeOffset.UnixEpoch)!;
        Assert.Equal((protocol, sport, dport), (entry.Protocol, entry.SourcePort, entry.DestinationPort));
        Assert.Null(entry.IcmpType);
        Assert.Equal("ns", entry.Namespace);
        Assert.True(entry.Length > 20);
    }

    [Theory]
    [InlineData("")]
    [InlineData("kernel: nothing to see")]
    public void Lines_without_a_packet_give_nothing(string line) => Assert.Null(TraceParsers.ParseLogLine(line, null, DateTimeOffset.UnixEpoch));

    [Fact]
    public void An_xtables_monitor_trace_ends_in_the_policy_verdict_with_its_path()
    {
        var follower = new TraceFollower("r", "icmp");
        var entries = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "xtables-monitor-trace.txt"))
            .Select(l => follower.Add(l, DateTimeOffset.UnixEpoch)).OfType<TraceEntry>().ToArray();
        var entry = Assert.Single(entries);
        Assert.Equal(("filter", "INPUT", "ACCEPT", "policy ACCEPT"), (entry.Table, entry.Chain, entry.Verdict, entry.Rule));
        Assert.Equal(new[] { "filter:INPUT:CONTINUE", "filter:INPUT:CONTINUE", "filter:INPUT:ACCEPT" }, entry.Path);
        Assert.Equal(("10.5.0.2", "10.5.0.1", "va", "ICMP"), (entry.Source!.ToString(), entry.Destination!.ToString(), entry.In, entry.Protocol));
        Assert.Equal("ca:72:ae:cb:bf:3a:5a:70:b6:84:17:9a:0800", entry.Mac);
    }

    [Fact]
    public void A_trace_that_ends_in_a_modules_rule_names_its_owner()
    {
        var follower = new TraceFollower("r", null);
        Assert.Null(follower.Add("PACKET: 2 11 IN=uplink0 SRC=198.51.100.1 DST=172.24.4.2 LEN=60 TTL=63 ID=1 PROTO=TCP SPT=1 DPT=4000 ", DateTimeOffset.UnixEpoch));
        Assert.Null(follower.Add(" TRACE: 2 11 nat:PREROUTING:rule:0x4:JUMP:VLAN-PREROUTING  -4 -t nat -A PREROUTING -j VLAN-PREROUTING", DateTimeOffset.UnixEpoch));
        Assert.Null(follower.Add(" TRACE: 2 11 filter:FORWARD:rule:0x9:JUMP:VLAN-FORWARD  -4 -t filter -A FORWARD -m comment --comment \"virtuallan:router/router\" -j VLAN-FORWARD", DateTimeOffset.UnixEpoch));
        var entry = follower.Add(" TRACE: 2 11 filter:VLAN-FORWARD:rule:0x1f:ACCEPT  -4 -t filter -A VLAN-FORWARD -d 172.24.4.2/32 -o lan0 -p tcp -m tcp --dport 4000 -m conntrack --ctstate DNAT -m comment --comment \"virtuallan:forward/router/tcp/4000\" -j ACCEPT", DateTimeOffset.UnixEpoch)!;
        Assert.Equal("virtuallan:forward/router/tcp/4000", entry.Owner);
        Assert.Equal("ACCEPT", entry.Verdict);
        Assert.StartsWith("-A VLAN-FORWARD -d 172.24.4.2/32", entry.Rule, StringComparison.Ordinal);
        Assert.Equal(4000, entry.DestinationPort);
    }

    // What xtables-monitor printed in a router for a LAN datagram to the internet (6.18): FORWARD accepts it, then POSTROUTING's MASQUERADE.
    private static readonly string[] MasqueradeLines =
    [
        "PACKET: 2 166489a4 IN=lan0 MACSRC=aa:9b:da:33:99:21 MACDST=9e:9f:90:82:d2:fc MACPROTO=0800 SRC=10.9.0.2 DST=203.0.113.10 LEN=30 TOS=0x0 TTL=64 ID=55988 DF SPORT=46799 DPORT=5000 ",
        " TRACE: 2 166489a4 raw:PREROUTING:rule:0x2:CONTINUE  -4 -t raw -A PREROUTING -p udp -m udp --dport 5000 -j TRACE",
        " TRACE: 2 166489a4 raw:PREROUTING:policy:ACCEPT ",
        "PACKET: 2 166489a4 IN=lan0 OUT=up0 MACSRC=aa:9b:da:33:99:21 MACDST=9e:9f:90:82:d2:fc MACPROTO=0800 SRC=10.9.0.2 DST=203.0.113.10 LEN=30 TOS=0x0 TTL=63 ID=55988 DF SPORT=46799 DPORT=5000 ",
        " TRACE: 2 166489a4 filter:FORWARD:rule:0x2:ACCEPT  -4 -t filter -A FORWARD -i lan0 -j ACCEPT",
        "PACKET: 2 166489a4 IN=lan0 OUT=up0 MACSRC=aa:9b:da:33:99:21 MACDST=9e:9f:90:82:d2:fc MACPROTO=0800 SRC=10.9.0.2 DST=203.0.113.10 LEN=30 TOS=0x0 TTL=63 ID=55988 DF SPORT=46799 DPORT=5000 ",
        " TRACE: 2 166489a4 nat:POSTROUTING:rule:0x3:JUMP:VLAN-POSTROUTING  -4 -t nat -A POSTROUTING -j VLAN-POSTROUTING",
        " TRACE: 2 166489a4 nat:VLAN-POSTROUTING:rule:0x4:ACCEPT  -4 -t nat -A VLAN-POSTROUTING -o up0 -m comment --comment \"virtuallan:router/r\" -j MASQUERADE",
    ];

    [Fact]
    public void A_packet_accepted_on_its_way_out_waits_for_POSTROUTING_and_keeps_the_MASQUERADE_rule_it_met_there()
    {
        var follower = new TraceFollower("r", "udp");
        var entries = MasqueradeLines.Select(l => follower.Add(l, DateTimeOffset.UnixEpoch)).ToArray();
        Assert.All(entries[..^1], Assert.Null);
        var entry = entries[^1]!;
        Assert.Equal(("filter", "FORWARD", "ACCEPT", "-A FORWARD -i lan0 -j ACCEPT"), (entry.Table, entry.Chain, entry.Verdict, entry.Rule));
        Assert.Equal(("nat:VLAN-POSTROUTING", "-A VLAN-POSTROUTING -o up0 -m comment --comment \"virtuallan:router/r\" -j MASQUERADE"), (entry.SourceNatChain, entry.SourceNatRule));
        Assert.Null(entry.SourceNatAddress); // MASQUERADE's is the interface's, read on the machine
        Assert.Equal((64, 63), (entry.ArrivedTtl, entry.Ttl));
        Assert.Equal("nat:VLAN-POSTROUTING:ACCEPT", entry.Path[^1]);
        Assert.Empty(follower.Flush());
    }

    [Fact]
    public void A_packet_past_the_first_of_its_connection_meets_no_nat_and_ends_after_the_wait_with_the_filter_verdict()
    {
        var follower = new TraceFollower("r", "udp");
        foreach (var line in MasqueradeLines[..5])
        {
            Assert.Null(follower.Add(line, DateTimeOffset.UnixEpoch));
        }

        Assert.Empty(follower.Expire(DateTimeOffset.UnixEpoch + TraceFollower.PostroutingWait / 2));
        var entry = Assert.Single(follower.Expire(DateTimeOffset.UnixEpoch + TraceFollower.PostroutingWait));
        Assert.Equal(("FORWARD", "ACCEPT", null), (entry.Chain, entry.Verdict, entry.SourceNatRule));
        Assert.Empty(follower.Flush());
    }

    [Fact]
    public void An_SNAT_rule_gives_its_address_and_a_nat_policy_ends_the_entry_without_one()
    {
        var follower = new TraceFollower("r", "udp");
        var snat = MasqueradeLines.Select(l => follower.Add(l.Replace("-j MASQUERADE", "-j SNAT --to-source 198.51.100.7:1024-2000", StringComparison.Ordinal), DateTimeOffset.UnixEpoch)).ToArray()[^1]!;
        Assert.Equal("198.51.100.7", snat.SourceNatAddress!.ToString());
        Assert.Equal("UDP 198.51.100.7:46799 > 203.0.113.10:5000", snat.SourceNatPacket);

        foreach (var line in MasqueradeLines[..6])
        {
            Assert.Null(follower.Add(line.Replace("166489a4", "77", StringComparison.Ordinal), DateTimeOffset.UnixEpoch));
        }

        var plain = follower.Add(" TRACE: 2 77 nat:POSTROUTING:policy:ACCEPT ", DateTimeOffset.UnixEpoch)!;
        Assert.Equal(("FORWARD", null), (plain.Chain, plain.SourceNatRule));
    }

    [Fact]
    public void A_packet_the_namespace_sends_has_no_IN_and_is_followed_all_the_same()
    {
        var follower = new TraceFollower("c1", "udp");
        Assert.Null(follower.Add("PACKET: 2 f8ae2dac OUT=eth0 SRC=10.9.0.2 DST=203.0.113.10 LEN=30 TOS=0x0 TTL=64 ID=55988 DF SPORT=46799 DPORT=5000 ", DateTimeOffset.UnixEpoch));
        Assert.Null(follower.Add(" TRACE: 2 f8ae2dac raw:OUTPUT:rule:0x4:CONTINUE  -4 -t raw -A OUTPUT -p udp -m udp --dport 5000 -j TRACE", DateTimeOffset.UnixEpoch));
        Assert.Null(follower.Add(" TRACE: 2 f8ae2dac raw:OUTPUT:policy:ACCEPT ", DateTimeOffset.UnixEpoch));
        var entry = Assert.Single(follower.Flush());
        Assert.Equal((null, "eth0", "UDP 10.9.0.2:46799 > 203.0.113.10:5000"), (entry.In, entry.Out, entry.Packet));
    }

    [Fact]
    public void The_bridge_ports_come_from_the_forwarding_table_by_the_MACs_as_xtables_monitor_prints_them()
    {
        Assert.Equal(("e6:6f:b7:06:67:7d", "52:54:00:13:ad:48"), HopDetails.Macs("e6:6f:b7:6:67:7d:52:54:0:13:ad:48:0800"));
        Assert.Equal((null, null), HopDetails.Macs("aa:bb"));
        var json = "[{\"mac\":\"33:33:00:00:00:01\",\"ifname\":\"virtualnet0\",\"flags\":[\"self\"],\"state\":\"permanent\"},"
            + "{\"mac\":\"02:df:4a:1a:e6:ce\",\"ifname\":\"virtualnet0\",\"flags\":[],\"master\":\"virtualnet0\",\"state\":\"permanent\"},"
            + "{\"mac\":\"1e:bd:cc:fd:c6:fa\",\"ifname\":\"router-br\",\"flags\":[],\"master\":\"virtualnet0\",\"state\":\"\"},"
            + "{\"mac\":\"33:33:00:00:00:01\",\"ifname\":\"router-br\",\"flags\":[\"self\"],\"state\":\"permanent\"},"
            + "{\"mac\":\"52:54:00:13:AD:48\",\"ifname\":\"vl-c1\",\"flags\":[],\"master\":\"virtualnet0\",\"state\":\"\"}]";
        var ports = HopDetails.ParseForwarding(json, "virtualnet0");
        Assert.Equal(2, ports.Count);
        Assert.Equal(("router-br", "vl-c1"), (ports["1e:bd:cc:fd:c6:fa"], ports["52:54:00:13:ad:48"]));
    }

    [Fact]
    public void The_source_NAT_is_read_from_the_reply_direction_of_the_connection()
    {
        var (address, port) = HopDetails.ReplyDestination("udp      17 29 src=172.24.4.2 dst=203.0.113.10 sport=46799 dport=5000 [UNREPLIED] src=203.0.113.10 dst=198.51.100.2 sport=5000 dport=1025 mark=0 use=1\n");
        Assert.Equal(("198.51.100.2", 1025), (address!.ToString(), port));
        Assert.Equal((null, null), HopDetails.ReplyDestination(string.Empty));
    }

    [Fact]
    public async Task An_nflog_record_from_tcpdump_is_read_with_prefix_interface_and_packet()
    {
        var records = new List<NflogRecord>();
        await using (var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "nflog-icmp.pcap")))
        {
            await TraceParsers.ReadNflogPcapAsync(stream, records.Add, CancellationToken.None);
        }

        var entry = TraceParsers.ToEntry(Assert.Single(records), "cp1", i => i == 2 ? "va" : null);
        Assert.Equal("vlan filter:INPUT", entry.Prefix);
        Assert.Equal("va", entry.In);
        Assert.Null(entry.Out);
        Assert.Equal(("10.5.0.2", "10.5.0.1", "ICMP", 8, 0, 84, 64), (entry.Source!.ToString(), entry.Destination!.ToString(), entry.Protocol, entry.IcmpType, entry.IcmpCode, entry.Length, entry.Ttl));
    }

    [Fact]
    public void Counters_are_read_per_rule_and_per_policy()
    {
        var counters = TraceParsers.ParseCounters("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [3:252]\n[4:336] -A INPUT -p icmp -m comment --comment \"virtuallan:x\" -j ACCEPT\nCOMMIT\n");
        Assert.Equal((3L, 252L), counters[("filter", "FORWARD", "policy DROP")]);
        Assert.Equal((4L, 336L), counters[("filter", "INPUT", "-A INPUT -p icmp -m comment --comment \"virtuallan:x\" -j ACCEPT")]);
        Assert.Equal("virtuallan:x", TraceParsers.OwnerOf("-A INPUT -p icmp -m comment --comment \"virtuallan:x\" -j ACCEPT"));
        Assert.Null(TraceParsers.OwnerOf("-A INPUT -m comment --comment \"someone else\" -j ACCEPT"));
        Assert.Equal("ACCEPT", TraceParsers.TargetOf("-A INPUT -p icmp -j ACCEPT"));
    }

    [Theory]
    [InlineData("-A FORWARD -p tcp -j ACCEPT", "icmp", null, false)]
    [InlineData("-A FORWARD -p icmp -j ACCEPT", "icmp", null, true)]
    [InlineData("-A FORWARD -s 10.0.0.0/8 -j ACCEPT", null, "172.24.4.2", false)]
    [InlineData("-A FORWARD -s 172.24.0.0/16 -j ACCEPT", null, "172.24.4.2", true)]
    [InlineData("-A FORWARD ! -s 172.24.0.0/16 -j DROP", null, "172.24.4.2", true)]
    [InlineData("-A FORWARD -i lan0 -o uplink0 -j ACCEPT", "icmp", "172.24.4.2", true)]
    public void A_flow_filter_keeps_the_rules_that_could_see_it(string rule, string? protocol, string? source, bool expected) =>
        Assert.Equal(expected, new TraceMatch(protocol, source, null, null).CouldMatch(rule));

    [Fact]
    public void A_saved_rule_splits_back_into_arguments_with_its_quoted_comment_whole() =>
        Assert.Equal(
            new[] { "-D", "FORWARD", "-m", "comment", "--comment", "virtuallan:trace/ab12", "-j", "NFLOG", "--nflog-prefix", "vlan filter:FORWARD" },
            TraceService.SplitRule("-D FORWARD -m comment --comment \"virtuallan:trace/ab12\" -j NFLOG --nflog-prefix \"vlan filter:FORWARD\""));
}
