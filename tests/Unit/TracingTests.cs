using System.Net;
using VirtualLan.Linux;
using VirtualLan.Tracing;

namespace VirtualLan.Tests.Unit;

/// <summary>The pure parts of Get-VlanIptablesTrace across the LAN: paths, drop reasons, kernel symbols, owners and advice.</summary>
public class TracingTests
{
    private const string DockerBridge = "br-0123456789ab";

    private static readonly TracedNamespace Host = new("host", "host", NetNamespace.Own);
    private static readonly TracedNamespace Router = new("router", "router", "vlan.router");
    private static readonly TracedNamespace C1 = new("c1", "namespace", "vlan.c1", "veth-c1");

    private static readonly RuleOwners Owners = new(new Dictionary<string, string> { [DockerBridge] = "docker_custom" });

    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static TraceEntry Tcp(double seconds, string? @in, string? @out, string source, int sourcePort, string destination, int port, string verdict, string chain, string? rule = null, string? arrivedDestination = null) => new()
    {
        Time = T0.AddSeconds(seconds), In = @in, Out = @out, Protocol = "TCP",
        Source = IPAddress.Parse(source), SourcePort = sourcePort, Destination = IPAddress.Parse(destination), DestinationPort = port,
        ArrivedDestination = arrivedDestination is null ? null : IPAddress.Parse(arrivedDestination),
        Verdict = verdict, Table = "filter", Chain = chain, Rule = rule,
    };

    [Fact]
    public void A_forwarded_connection_is_one_path_in_the_order_the_packet_took_whatever_order_the_readers_reported_it_with_the_DNAT_shown()
    {
        // The readers report the appliance first and the router last; the packet went router, host bridge, c1.
        var c1 = Tcp(0.001, "eth0", null, "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "INPUT", "policy ACCEPT");
        var host = Tcp(0.002, "virtualnet0", "virtualnet0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "FORWARD", "-A FORWARD -i virtualnet0 -o virtualnet0 -m comment --comment \"virtuallan:bridge/virtualnet0\" -j ACCEPT");
        var router = Tcp(0.003, "uplink0", "lan0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "VLAN-FORWARD", "-A VLAN-FORWARD -d 172.24.4.2/32 -p tcp -m tcp --dport 4000 -m comment --comment \"virtuallan:forward/router/tcp/4000\" -j ACCEPT", arrivedDestination: "198.51.100.2");

        var path = Assert.Single(PathJoiner.Join([(C1, c1), (Host, host), (Router, router)], Owners));

        Assert.Equal(new[] { "router", "host", "c1" }, path.Hops.Select(h => h.Namespace));
        Assert.Equal("TCP 198.51.100.1:40000 > 198.51.100.2:4000", path.Packet);
        Assert.Equal("TCP 198.51.100.1:40000 > 172.24.4.2:4000", path.Hops[0].Rewritten);
        Assert.Null(path.Hops[1].Rewritten);
        Assert.Equal(("virtuallan:forward/router/tcp/4000", "virtuallan:bridge/virtualnet0"), (path.Hops[0].Owner, path.Hops[1].Owner));
        Assert.Equal(("ACCEPT", "c1"), (path.Verdict, path.Where));
        Assert.Null(path.Advice);
    }

    [Fact]
    public void A_datagram_to_the_internet_goes_appliance_host_bridge_router_and_its_MASQUERADE_in_the_order_the_time_to_live_tells()
    {
        // The router's reader reports first; the host bridged the frame before the router took one from its time to live.
        var router = Udp(0.001, "lan0", "uplink0", 64, 63) with
        {
            Chain = "VLAN-FORWARD", Rule = "-A VLAN-FORWARD -i lan0 -o uplink0 -m comment --comment \"virtuallan:router/router\" -j ACCEPT",
            SourceNatChain = "nat:VLAN-POSTROUTING", SourceNatRule = "-A VLAN-POSTROUTING -o uplink0 -m comment --comment \"virtuallan:router/router\" -j MASQUERADE",
            SourceNatAddress = IPAddress.Parse("198.51.100.2"),
        };
        var host = Udp(0.002, "virtualnet0", "virtualnet0", null, 64) with { PhysIn = "veth-c1", PhysOut = "router-br", Rule = "-A VLAN-BRIDGES -i virtualnet0 -o virtualnet0 -m comment --comment \"virtuallan:bridge/virtualnet0\" -j ACCEPT" };
        var c1 = Udp(0.003, null, "eth0", null, 64) with { Table = "raw", Chain = "OUTPUT" };

        var path = Assert.Single(PathJoiner.Join([(Router, router), (Host, host), (C1, c1)], Owners));

        Assert.Equal(new[] { "c1", "host", "router", "router" }, path.Hops.Select(h => h.Namespace));
        Assert.Equal(("veth-c1", "router-br"), (path.Hops[1].PhysIn, path.Hops[1].PhysOut));
        Assert.Equal(("filter:VLAN-FORWARD", null), (path.Hops[2].Chain, path.Hops[2].Rewritten));
        var masquerade = path.Hops[3];
        Assert.Equal(("nat:VLAN-POSTROUTING", "ACCEPT", "virtuallan:router/router"), (masquerade.Chain, masquerade.Verdict, masquerade.Owner));
        Assert.Equal(("UDP 172.24.4.2:40000 > 203.0.113.10:5000", "UDP 198.51.100.2:40000 > 203.0.113.10:5000"), (masquerade.Arrived, masquerade.Rewritten));
        Assert.Equal(("ACCEPT", "virtuallan:router/router", "router"), (path.Verdict, path.Owner, path.Where));
        Assert.Equal("c1(local>eth0) > host(veth-c1>router-br) > router(lan0>uplink0) > router(lan0>uplink0) NAT UDP 172.24.4.2:40000 > 203.0.113.10:5000 => UDP 198.51.100.2:40000 > 203.0.113.10:5000", path.Route);
    }

    private static TraceEntry Udp(double seconds, string? @in, string? @out, int? arrivedTtl, int ttl) => new()
    {
        Time = T0.AddSeconds(seconds), In = @in, Out = @out, Protocol = "UDP", Ttl = ttl, ArrivedTtl = arrivedTtl,
        Source = IPAddress.Parse("172.24.4.2"), SourcePort = 40000, Destination = IPAddress.Parse("203.0.113.10"), DestinationPort = 5000,
        Verdict = "ACCEPT", Table = "filter", Chain = "FORWARD",
    };

    [Fact]
    public void The_packets_of_one_connection_are_one_path_each_when_one_reader_lags_the_others()
    {
        // The router's reader reports the SYN and the ACK before the host's reader reports either.
        const string Forward = "-A VLAN-FORWARD -d 172.24.4.2/32 -p tcp -m tcp --dport 4000 -m comment --comment \"virtuallan:forward/router/tcp/4000\" -j ACCEPT";
        const string Established = "-A VLAN-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"virtuallan:router/router\" -j ACCEPT";
        var syn = Tcp(0.001, "uplink0", "lan0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "VLAN-FORWARD", Forward, arrivedDestination: "198.51.100.2");
        var ack = Tcp(0.002, "uplink0", "lan0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "VLAN-FORWARD", Established, arrivedDestination: "198.51.100.2");
        var hostSyn = Tcp(0.8, "virtualnet0", "virtualnet0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "FORWARD", "-A FORWARD -i virtualnet0 -o virtualnet0 -m comment --comment \"virtuallan:bridge/virtualnet0\" -j ACCEPT");
        var hostAck = Tcp(0.81, "virtualnet0", "virtualnet0", "198.51.100.1", 40000, "172.24.4.2", 4000, "ACCEPT", "FORWARD");

        var paths = PathJoiner.Join([(Router, syn), (Router, ack), (Host, hostSyn), (Host, hostAck)], Owners);

        Assert.Equal(2, paths.Count);
        Assert.All(paths, p => Assert.Equal(new[] { "router", "host" }, p.Hops.Select(h => h.Namespace)));
        Assert.Equal(("virtuallan:forward/router/tcp/4000", "virtuallan:router/router"), (paths[0].Hops[0].Owner, paths[1].Hops[0].Owner));
        Assert.Equal("virtuallan:bridge/virtualnet0", paths[0].Hops[1].Owner);
        Assert.NotEqual("virtuallan:bridge/virtualnet0", paths[1].Hops[1].Owner);
    }

    [Fact]
    public void Two_packets_of_other_flows_are_two_paths_and_a_drop_ends_its_path()
    {
        var dropped = Tcp(0.0, "lan0", "host0", "172.24.4.2", 50000, "100.64.0.1", 22, "DROP", "FORWARD", "policy DROP");
        var other = Tcp(0.1, "eth0", null, "172.24.4.3", 50001, "172.24.4.2", 80, "ACCEPT", "INPUT", "policy ACCEPT");
        var paths = PathJoiner.Join([(Router, dropped), (C1, other)], Owners);

        Assert.Equal(2, paths.Count);
        Assert.Equal(("router", "DROP", "virtuallan:router/router"), (paths[0].Where, paths[0].Verdict, paths[0].Owner));
        Assert.StartsWith("FORWARD policy DROP in router router: add a port forward", paths[0].Advice, StringComparison.Ordinal);
        Assert.False(PathJoiner.SamePacket(dropped, other));
    }

    [Fact]
    public void The_reason_names_are_read_from_this_kernels_format_file()
    {
        var reasons = DropWatch.ParseReasons(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kfree_skb.format.6.18.txt")));

        Assert.Equal(127, reasons.Count);
        Assert.Equal(("NOT_SPECIFIED", "NO_SOCKET", "NETFILTER_DROP", "IP_RPFILTER"), (reasons[2], reasons[3], reasons[12], reasons[16]));
        Assert.Equal("MAX", reasons[128]);
        Assert.Empty(DropWatch.ParseReasons("name: kfree_skb\nprint fmt: \"skbaddr=%p reason: %d\", REC->reason"));
    }

    [Fact]
    public void A_trace_pipe_line_is_split_into_its_event_and_fields()
    {
        var line = "          <idle>-0       [001] ..s1.  8312.551207: kfree_skb: skbaddr=00000000a1b2c3d4 rx_sk=0000000000000000 protocol=2048 location=udp_queue_rcv_one_skb+0x2d8/0x4f0 reason: NO_SOCKET";

        var parsed = DropWatch.ParseLine(line);

        Assert.Equal("kfree_skb", parsed?.Event);
        Assert.StartsWith("skbaddr=00000000a1b2c3d4 ", parsed?.Fields, StringComparison.Ordinal);
        Assert.EndsWith("reason: NO_SOCKET", parsed?.Fields, StringComparison.Ordinal);
        Assert.Null(DropWatch.ParseLine("# tracer: nop"));
    }

    [Fact]
    public void A_kernel_address_is_named_by_the_nearest_text_symbol_at_or_below_it()
    {
        string[] kallsyms =
        [
            "ffffffff81a00000 T ip_rcv_core",
            "ffffffff81a00400 t ip_rcv_finish",
            "ffffffff81a00800 D some_data",
            "ffffffff81a01000 T udp_queue_rcv_one_skb\t[udp]",
        ];

        Assert.Equal("ip_rcv_finish+0x10", DropWatch.Symbolize(0xffffffff81a00410, kallsyms));
        Assert.Equal("ip_rcv_finish+0x500", DropWatch.Symbolize(0xffffffff81a00900, kallsyms));
        Assert.Equal("udp_queue_rcv_one_skb+0x0", DropWatch.Symbolize(0xffffffff81a01000, kallsyms));
        Assert.Null(DropWatch.Symbolize(0xffffffff80000000, kallsyms));
        Assert.Null(DropWatch.Symbolize(0xffffffff81a00410, ["0000000000000000 T hidden_by_kptr_restrict"]));
    }

    [Fact]
    public void An_owner_is_the_modules_object_of_the_comment_the_Docker_network_of_the_bridge_or_not_VirtualLans()
    {
        Assert.Equal("virtuallan:forward/router/tcp/4000", Owners.Of(Router, "filter:VLAN-FORWARD", "-A VLAN-FORWARD -m comment --comment \"virtuallan:forward/router/tcp/4000\" -j ACCEPT", []));
        Assert.Equal("virtuallan:router/router", Owners.Of(Router, "filter:FORWARD", "policy DROP", []));
        Assert.Equal("docker:docker_custom", Owners.Of(Host, "filter:DOCKER-ISOLATION-STAGE-1", $"-A DOCKER-ISOLATION-STAGE-1 ! -s 172.18.0.0/16 -o {DockerBridge} -j DROP", []));
        Assert.Equal("docker:docker_custom", Owners.Of(Host, "filter:DOCKER-ISOLATION-STAGE-2", "-A DOCKER-ISOLATION-STAGE-2 -j DROP", ["virtualnet0", DockerBridge]));
        Assert.Equal("docker", Owners.Of(Host, "filter:DOCKER-ISOLATION-STAGE-2", "-A DOCKER-ISOLATION-STAGE-2 -o br-ffffffffffff -j DROP", ["virtualnet0"]));
        Assert.Equal("docker", Owners.Of(Host, "filter:FORWARD", "policy DROP", ["virtualnet0"]));
        Assert.Equal(RuleOwners.Foreign, new RuleOwners(new Dictionary<string, string>()).Of(Host, "filter:FORWARD", "policy DROP", ["virtualnet0"]));
        Assert.Equal(RuleOwners.Foreign, Owners.Of(C1, "filter:INPUT", "-A INPUT -p udp -m udp --dport 9 -j DROP", ["eth0"]));
    }

    [Fact]
    public void The_advice_says_what_to_do_where_the_module_knows_and_nothing_for_what_passed()
    {
        Assert.Equal(
            $"DOCKER-ISOLATION-STAGE-1 drops traffic between {DockerBridge} (Docker network docker_custom) and the LAN's bridge: Connect-VlanAppliance -DockerNetwork docker_custom adds the DOCKER-USER exception.",
            Owners.Advice(Host, "DROP", "filter:DOCKER-ISOLATION-STAGE-1", "-A DOCKER-ISOLATION-STAGE-1 -j DROP", "docker:docker_custom", DockerBridge));
        Assert.Contains("between " + DockerBridge + " (Docker network docker_custom) and virtualnet0:", Owners.Advice(Host, "DROP", "filter:DOCKER-ISOLATION-STAGE-2", "-A DOCKER-ISOLATION-STAGE-2 -j DROP", "docker:docker_custom", "virtualnet0"), StringComparison.Ordinal);
        Assert.StartsWith("FORWARD policy DROP in router router: add a port forward (Add-VlanPortForward)", Owners.Advice(Router, "DROP", "filter:FORWARD", "policy DROP", "virtuallan:router/router", "lan0"), StringComparison.Ordinal);
        Assert.StartsWith("Docker's FORWARD policy DROP in the host drops frames bridged on virtualnet0: New-VlanBridge", Owners.Advice(Host, "DROP", "filter:FORWARD", "policy DROP", "docker", "virtualnet0"), StringComparison.Ordinal);
        Assert.Equal("The rule is not VirtualLan's (filter:INPUT): whoever added it to c1 decides about this traffic.", Owners.Advice(C1, "REJECT", "filter:INPUT", "-A INPUT -j REJECT", RuleOwners.Foreign, "eth0"));
        Assert.Null(Owners.Advice(Router, "ACCEPT", "filter:VLAN-FORWARD", "-A VLAN-FORWARD -j ACCEPT", "virtuallan:router/router", "uplink0"));
        Assert.Null(Owners.Advice(Router, "DROP", "filter:VLAN-FORWARD", "-A VLAN-FORWARD -m comment --comment \"virtuallan:trace/abc123\" -j DROP", "virtuallan:trace/abc123", "uplink0"));
    }

    [Fact]
    public void A_kernel_drop_gets_its_advice_and_a_netfilter_drop_the_rule_whose_counter_moved()
    {
        var scope = new[] { Host, Router, C1 };
        PacketDrop[] drops =
        [
            new() { Reason = "NO_SOCKET", Namespace = "c1", Interface = "eth0" },
            new() { Reason = "IP_RPFILTER", Namespace = "c1", Interface = "eth0" },
            new() { Reason = "NETFILTER_DROP", Namespace = "router", Interface = "lan0", Devices = ["in:lan0"] },
            new() { Reason = "NO_SOCKET", Namespace = "elsewhere" },
        ];
        RuleCounter[] counters =
        [
            new() { Namespace = "vlan.router", Table = "filter", Chain = "FORWARD", Rule = "-A FORWARD -m comment --comment \"virtuallan:router/router\" -j VLAN-FORWARD", Packets = 1, Bytes = 84 },
            new() { Namespace = "vlan.router", Table = "filter", Chain = "FORWARD", Rule = "policy DROP", Packets = 1, Bytes = 84, Verdict = "DROP" },
        ];

        var named = DropRules.Name(drops, scope, counters, Owners);

        Assert.StartsWith("Nothing listens on the port", named[0].Advice, StringComparison.Ordinal);
        Assert.Contains("net.ipv4.conf.eth0.rp_filter=2", named[1].Advice, StringComparison.Ordinal);
        Assert.Equal(("filter:FORWARD", "policy DROP", "virtuallan:router/router"), (named[2].Chain, named[2].Rule, named[2].Owner));
        Assert.StartsWith("FORWARD policy DROP in router router", named[2].Advice, StringComparison.Ordinal);
        Assert.Null(named[3].Advice);
    }
}
