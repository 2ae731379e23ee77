using VirtualLan.Linux;
using VirtualLan.Planning;

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
