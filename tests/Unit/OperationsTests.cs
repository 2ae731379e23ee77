using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Tests.Unit;

public class OperationsTests
{
    private static readonly NetNamespace Lab = NetNamespace.Named("lab");

    public static TheoryData<IpOperation, string, string?> IpOperations() => new()
    {
        { new CreateBridge(NetNamespace.Own, "br0", "02:00:00:00:00:01", 9000), "ip link add name br0 address 02:00:00:00:00:01 mtu 9000 type bridge", "ip link del br0" },
        { new CreateBridge(Lab, "br0"), "ip -n lab link add name br0 type bridge", "ip -n lab link del br0" },
        { new CreateVeth(Lab, "vl-c1", "eth0", "lab.c1", PeerMacAddress: "52:54:00:00:00:02"), "ip -n lab link add vl-c1 type veth peer name eth0 address 52:54:00:00:00:02 netns lab.c1", "ip -n lab link del vl-c1" },
        { new CreateTap(Lab, "qemutap0", "alice"), "ip -n lab tuntap add dev qemutap0 mode tap user alice", "ip -n lab tuntap del dev qemutap0 mode tap" },
        { new DeleteLink(Lab, "vl-c1"), "ip -n lab link del vl-c1", null },
        { new SetMaster(Lab, "vl-c1", "br0"), "ip -n lab link set dev vl-c1 master br0", "ip -n lab link set dev vl-c1 nomaster" },
        { new SetMaster(Lab, "vl-c1", "br1", "br0"), "ip -n lab link set dev vl-c1 master br1", "ip -n lab link set dev vl-c1 master br0" },
        { new SetNoMaster(Lab, "vboxnet0", "br0"), "ip -n lab link set dev vboxnet0 nomaster", "ip -n lab link set dev vboxnet0 master br0" },
        { new SetLinkState(Lab, "br0"), "ip -n lab link set dev br0 up", "ip -n lab link set dev br0 down" },
        { new SetMtu(Lab, "br0", 1450, 1500), "ip -n lab link set dev br0 mtu 1450", "ip -n lab link set dev br0 mtu 1500" },
        { new SetAlias(Lab, "br0", "virtuallan:bridge", string.Empty), "ip -n lab link set dev br0 alias virtuallan:bridge", "ip -n lab link set dev br0 alias ''" },
        { new SetAlias(Lab, "br0", "virtuallan:bridge"), "ip -n lab link set dev br0 alias virtuallan:bridge", null },
        { new AddAddress(Lab, "br0", Ipv4Cidr.Parse("172.24.0.1/16")), "ip -n lab addr add 172.24.0.1/16 dev br0", "ip -n lab addr del 172.24.0.1/16 dev br0" },
        { new AddRoute(Lab, "default", IPAddress.Parse("198.51.100.1"), "uplink0"), "ip -n lab route add default via 198.51.100.1 dev uplink0", "ip -n lab route del default via 198.51.100.1 dev uplink0" },
        { new ReplaceRoute(Lab, "default", IPAddress.Parse("100.64.0.2"), null, new RouteState("default", IPAddress.Parse("198.51.100.1"), "uplink0")), "ip -n lab route replace default via 100.64.0.2", "ip -n lab route replace default via 198.51.100.1 dev uplink0" },
        { new AddNamespace("lab.c1"), "ip netns add lab.c1", "ip netns delete lab.c1" },
        { new DeleteNamespace("lab.c1"), "ip netns delete lab.c1", null },
    };

    [Theory]
    [MemberData(nameof(IpOperations))]
    public void An_ip_operation_renders_the_exact_command_and_its_undo(IpOperation operation, string command, string? undo)
    {
        var step = operation.ToStep("test");
        Assert.Equal(command, step.Command.ToString());
        Assert.Equal(undo, step.UndoCommand?.ToString());
        Assert.Same(operation, step.Operation);
        Assert.Equal(StepChannel.Link, step.Channel);
    }

    [Fact]
    public void Undoing_an_undo_gives_the_operation_back()
    {
        IpOperation[] reversible =
        [
            new SetMaster(Lab, "vl-c1", "br1", "br0"), new SetLinkState(Lab, "br0", Up: false), new SetMtu(Lab, "br0", 1450, 1500),
            new AddAddress(Lab, "br0", Ipv4Cidr.Parse("10.0.0.1/24")), new AddRoute(Lab, "10.1.0.0/16", IPAddress.Parse("10.0.0.2")),
            new MoveLink(Lab, "uplink0", NetNamespace.Named("lab.router"), "lab.router", "lab"),
        ];
        Assert.All(reversible, o => Assert.Equal(o.Command, o.Undo!.Undo!.Command));
    }

    [Fact]
    public void A_link_moved_to_another_namespace_is_moved_back_from_there()
    {
        var step = new MoveLink(Lab, "uplink0", NetNamespace.Named("lab.router"), "lab.router", "lab").ToStep("move");
        Assert.Equal("ip -n lab link set dev uplink0 netns lab.router", step.Command.ToString());
        Assert.Equal("ip -n lab.router link set dev uplink0 netns lab", step.UndoCommand!.ToString());
    }

    [Fact]
    public void Operations_tell_from_the_state_that_they_are_in_place()
    {
        var state = new KernelState(new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.bridge-veth-docker.json")));
        var own = NetNamespace.Own;
        Assert.True(new CreateBridge(own, "virtualnet0").IsDone(state));
        Assert.False(new CreateBridge(own, "nosuch0").IsDone(state));
        Assert.True(new AddAddress(own, "virtualnet0", Ipv4Cidr.Parse("172.24.0.1/16")).IsDone(state));
        Assert.False(new AddAddress(own, "virtualnet0", Ipv4Cidr.Parse("172.24.0.9/16")).IsDone(state));
        Assert.True(new DeleteLink(own, "nosuch0").IsDone(state));
        Assert.Equal(new SetMtu(own, "virtualnet0", 1500).IsDone(state), state.Links(null).Link("virtualnet0")!.Mtu == 1500);
    }

    [Fact]
    public void Rule_operations_render_for_iptables_and_tell_when_they_are_in_place()
    {
        var runner = new FakeRunner { IptablesSave = "*filter\n:FORWARD DROP [0:0]\n:VLAN-FORWARD - [0:0]\n-A FORWARD -m comment --comment \"virtuallan:router/r\" -j VLAN-FORWARD\nCOMMIT\n" };
        var state = new KernelState(runner);
        var jump = new AppendRule(NetNamespace.Own, "filter", "FORWARD", ["-m", "comment", "--comment", "virtuallan:router/r", "-j", "VLAN-FORWARD"]);
        var step = jump.ToStep();
        Assert.Equal("iptables -w -t filter -A FORWARD -m comment --comment virtuallan:router/r -j VLAN-FORWARD", step.Command.ToString());
        Assert.Equal("iptables -w -t filter -D FORWARD -m comment --comment virtuallan:router/r -j VLAN-FORWARD", step.UndoCommand!.ToString());
        Assert.Equal(StepChannel.Firewall, step.Channel);
        Assert.True(jump.IsDone(state));
        Assert.False(new DeleteRule(NetNamespace.Own, "filter", "FORWARD", jump.Spec).IsDone(state));
        Assert.True(new CreateChain(NetNamespace.Own, "filter", "VLAN-FORWARD").IsDone(state));
        Assert.True(new SetPolicy(NetNamespace.Own, "filter", "FORWARD", "DROP").IsDone(state));
        Assert.Equal("iptables -w -t filter -P FORWARD ACCEPT", new SetPolicy(NetNamespace.Own, "filter", "FORWARD", "DROP", "ACCEPT").ToStep().UndoCommand!.ToString());
    }

    [Fact]
    public void A_chain_is_set_up_entry_last_and_torn_down_entry_first_with_only_what_is_there()
    {
        var runner = new FakeRunner { IptablesSave = "*nat\n:PREROUTING ACCEPT [0:0]\n:VLAN-PRE - [0:0]\n-A PREROUTING -j VLAN-PRE\n-A VLAN-PRE -p tcp -j ACCEPT\nCOMMIT\n" };
        var state = new KernelState(runner);
        var chain = new FirewallChain(NetNamespace.Own, "nat", "VLAN-PRE", [("PREROUTING", ["-j", "VLAN-PRE"])], [["-p", "tcp", "-j", "ACCEPT"], ["-p", "udp", "-j", "ACCEPT"]]);
        Assert.Equal(
            ["-N VLAN-PRE", "-A VLAN-PRE -p tcp -j ACCEPT", "-A VLAN-PRE -p udp -j ACCEPT", "-A PREROUTING -j VLAN-PRE"],
            chain.Setup().Select(o => string.Join(' ', o.Arguments)));
        Assert.Equal(
            ["-D PREROUTING -j VLAN-PRE", "-D VLAN-PRE -p tcp -j ACCEPT", "-X VLAN-PRE"],
            chain.Teardown(state).Select(o => string.Join(' ', o.Arguments)));
    }

    [Fact]
    public void A_namespace_value_has_one_meaning_per_form()
    {
        Assert.True(NetNamespace.Own.IsOwn);
        Assert.Null(NetNamespace.From(null).Text);
        Assert.Equal("lab", NetNamespace.From("lab").Name);
        Assert.True(NetNamespace.From("/proc/42/ns/net").IsPath);
        Assert.Null(NetNamespace.From("/proc/42/ns/net").Name);
        Assert.Equal("nsenter --net=/proc/42/ns/net ip link show", NetNamespace.AtPath("/proc/42/ns/net").Ip(["link", "show"]).ToString());
        Assert.Throws<ArgumentException>(() => NetNamespace.Named("/proc/1/ns/net"));
        Assert.Throws<ArgumentException>(() => NetNamespace.AtPath("lab"));
    }
}

public class BackendSeamTests
{
    private sealed class RecordingBackend : IKernelBackend
    {
        public List<IReadOnlyList<Step>> Groups { get; } = new();

        public bool CanBatch(Step first, Step next) => true;

        public bool StartsProcess(Step first) => false;

        public BatchOutcome Run(IReadOnlyList<Step> group, KernelState state)
        {
            Groups.Add(group);
            return BatchOutcome.Success;
        }
    }

    [Fact]
    public void The_executor_hands_groups_to_its_backend_and_a_planner_s_link_steps_carry_their_operations()
    {
        var runner = new FakeRunner("[]", "[{\"name\":\"lab\"}]");
        var state = new KernelState(runner);
        var plan = new VirtualLan.Planning.BridgeService(NetworkHost.InSandbox("lab")).PlanNew(VirtualLan.Planning.BridgeRequest.Create("br0", "10.0.0.1/24", null, false), state);
        var backend = new RecordingBackend();
        new PlanExecutor(backend, runner, batch: true).Apply(plan, state, _ => { }, CancellationToken.None);

        // Every step reached the backend, none ran as a command line of the executor's own.
        Assert.Equal(plan.Steps.Count, backend.Groups.Sum(g => g.Count));
        Assert.Empty(runner.Changes);
        Assert.All(backend.Groups.SelectMany(g => g).Where(s => s.Channel == StepChannel.Link), s => Assert.IsAssignableFrom<IpOperation>(s.Operation));
        Assert.Contains(backend.Groups.SelectMany(g => g), s => s.Operation is CreateBridge { Name: "br0" });
    }
}
