using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

public class BridgeServiceTests
{
    private static readonly string Capture = FakeRunner.Fixture("ip-d-j-addr-show.bridge-veth-docker.json");

    private static (BridgeService Service, KernelState State, FakeRunner Runner) Machine(string json)
    {
        var runner = new FakeRunner(json);
        return (new BridgeService(NetworkHost.Machine), new KernelState(runner), runner);
    }

    [Fact]
    public void A_new_bridge_is_planned_as_the_seed_types_it()
    {
        var (service, state, _) = Machine("[]");
        var plan = service.PlanNew(BridgeRequest.Create(BridgeRequest.DefaultName, BridgeRequest.DefaultAddress, null, false), state);
        Assert.Equal(
            new[]
            {
                "ip link add name virtualnet0 address 02:58:b9:0a:45:b7 type bridge",
                "ip link set dev virtualnet0 alias virtuallan:bridge",
                "sysctl -qw net/ipv6/conf/virtualnet0/accept_ra=0",
                "ip addr add 172.24.0.1/16 dev virtualnet0",
                "ip link set dev virtualnet0 up",
            },
            PlanExecutor.Pending(plan, state).Select(s => s.Command.ToString()));
        Assert.Equal("ip link del virtualnet0", plan.Steps[0].UndoCommand!.ToString());
    }

    [Fact]
    public void In_a_sandbox_every_command_names_the_namespace()
    {
        var runner = new FakeRunner("[]", "[{\"name\":\"lab\"}]");
        var plan = new BridgeService(NetworkHost.InSandbox("lab")).PlanNew(BridgeRequest.Create("br0", "10.0.0.1/24", 9000, false), new KernelState(runner));
        Assert.All(plan.Steps, s => Assert.StartsWith(s.Channel == StepChannel.Link ? "ip -n lab " : "ip netns exec lab ", s.Command.ToString(), StringComparison.Ordinal));
        Assert.Equal($"ip -n lab link add name br0 address {BridgeService.StableMac("lab/br0")} mtu 9000 type bridge", plan.Steps[0].Command.ToString());
        Assert.NotEqual(BridgeService.StableMac("lab/br0"), BridgeService.StableMac("/br0"));
        Assert.Matches("^02(:[0-9a-f]{2}){5}$", BridgeService.StableMac("/br0"));
    }

    [Fact]
    public void An_existing_bridge_with_the_same_values_needs_no_command()
    {
        var (service, state, _) = Machine(Capture);
        var plan = service.PlanNew(BridgeRequest.Create("virtualnet0", "172.24.0.1/16", 1500, false), state);
        Assert.Empty(PlanExecutor.Pending(plan, state));
    }

    [Fact]
    public void An_existing_bridge_with_other_addresses_is_a_conflict_without_Force()
    {
        var (service, state, _) = Machine(Capture);
        var error = Assert.Throws<VlanException>(() => service.PlanNew(BridgeRequest.Create("docker0", "10.9.0.1/24", null, false), state));
        Assert.Equal(ErrorIds.BridgeConflict, error.ErrorId);
        Assert.Contains("10.9.1.1/24", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Force", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Force_removes_the_other_addresses_sets_the_mtu_and_can_undo_both()
    {
        var (service, state, _) = Machine(Capture);
        var plan = service.PlanNew(BridgeRequest.Create("docker0", "10.9.0.1/24", 1500, true), state);
        var pending = PlanExecutor.Pending(plan, state);
        Assert.Equal(
            new[]
            {
                "ip link set dev docker0 mtu 1500",
                "ip link set dev docker0 alias virtuallan:bridge",
                "ip link set dev docker0 up",
            },
            pending.Where(s => !s.Command.ToString().Contains("addr", StringComparison.Ordinal)).Select(s => s.Command.ToString()));
        Assert.Contains(pending, s => s.Command.ToString() == "ip addr del 10.9.1.1/24 dev docker0" && s.UndoCommand!.ToString() == "ip addr add 10.9.1.1/24 dev docker0");
        Assert.Contains(pending, s => s.UndoCommand?.ToString() == "ip link set dev docker0 mtu 1400");
        Assert.DoesNotContain(pending, s => s.Command.ToString() == "ip addr add 10.9.0.1/24 dev docker0");
    }

    [Fact]
    public void A_name_held_by_another_kind_of_link_is_refused_even_with_Force()
    {
        var (service, state, _) = Machine(Capture);
        var error = Assert.Throws<VlanException>(() => service.PlanNew(BridgeRequest.Create("vboxnet0", "10.1.0.1/24", null, true), state));
        Assert.Equal(ErrorIds.NameInUseByOtherLink, error.ErrorId);
        Assert.Equal(VlanErrorKind.ResourceExists, error.Kind);
        Assert.Contains("veth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_held_by_another_link_is_refused()
    {
        var (service, state, _) = Machine(Capture);
        var error = Assert.Throws<VlanException>(() => service.PlanNew(BridgeRequest.Create("br9", "10.9.1.1/16", null, false), state));
        Assert.Equal(ErrorIds.AddressInUse, error.ErrorId);
        Assert.Contains("docker0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("172.24.0.0/16", ErrorIds.InvalidHostAddress)]
    [InlineData("172.24.255.255/16", ErrorIds.InvalidHostAddress)]
    [InlineData("172.24.0.1/31", ErrorIds.InvalidHostAddress)]
    [InlineData("172.24.0.1", ErrorIds.InvalidCidr)]
    [InlineData("fd00::1/64", ErrorIds.IPv6NotSupported)]
    public void Bad_addresses_are_refused_before_any_state_is_read(string address, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<VlanException>(() => BridgeRequest.Create("br0", address, null, false)).ErrorId);

    [Theory]
    [InlineData(67)]
    [InlineData(65536)]
    [InlineData(0)]
    public void Bad_mtus_are_refused(int mtu) =>
        Assert.Equal(ErrorIds.InvalidMtu, Assert.Throws<VlanException>(() => BridgeRequest.Create("br0", "10.0.0.1/24", mtu, false)).ErrorId);

    [Fact]
    public void List_shows_only_managed_bridges_unless_asked_for_all()
    {
        var (service, state, runner) = Machine(Capture);
        Assert.Equal(new[] { "virtualnet0" }, service.List(state, includeUnmanaged: false).Select(b => b.Name));
        Assert.Equal(new[] { "virtualnet0", "docker0" }, service.List(state, includeUnmanaged: true).Select(b => b.Name));
        Assert.Single(runner.Calls);
    }

    [Fact]
    public void Read_describes_the_bridge()
    {
        var (service, state, _) = Machine(Capture);
        var bridge = service.Read("virtualnet0", state);
        Assert.Equal("172.24.0.1", bridge.Address!.ToString());
        Assert.Equal(16, bridge.PrefixLength);
        Assert.Equal("172.24.0.0/16", bridge.Subnet.ToString());
        Assert.Equal(new[] { "veth-c1" }, bridge.Ports);
        Assert.Null(bridge.Namespace);
        Assert.True(bridge.IsManaged);
    }

    [Fact]
    public void Removing_needs_an_existing_managed_bridge()
    {
        var (service, state, _) = Machine(Capture);
        Assert.Equal(ErrorIds.BridgeNotFound, Assert.Throws<VlanException>(() => service.PlanRemove("br9", false, state)).ErrorId);
        Assert.Equal(ErrorIds.NameInUseByOtherLink, Assert.Throws<VlanException>(() => service.PlanRemove("vboxnet0", false, state)).ErrorId);
        Assert.Equal(ErrorIds.BridgeNotManaged, Assert.Throws<VlanException>(() => service.PlanRemove("docker0", false, state)).ErrorId);
        Assert.Equal("ip link del docker0", service.PlanRemove("docker0", true, state).Steps.Single().Command.ToString());
        Assert.Equal("ip link del virtualnet0", service.PlanRemove("virtualnet0", false, state).Steps.Single().Command.ToString());
    }
}
