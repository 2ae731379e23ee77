using System.Net;
using VirtualLan.Appliances;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Netlink;
using VirtualLan.Operations;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// What the netlink backend takes and what it hands to the command line, and how the backend is
/// chosen; its requests are proven against ip on a kernel (tests/Integration/NetlinkBackendTests).
/// </summary>
public sealed class NetlinkBackendTests
{
    private static readonly NetNamespace Lab = "lab";

    [Theory]
    [InlineData(null, VlanBackend.Netlink)]
    [InlineData("", VlanBackend.Netlink)]
    [InlineData("  ", VlanBackend.Netlink)]
    [InlineData("netlink", VlanBackend.Netlink)]
    [InlineData(" NetLink ", VlanBackend.Netlink)]
    [InlineData("ip", VlanBackend.Ip)]
    [InlineData("IP", VlanBackend.Ip)]
    public void VIRTUALLAN_BACKEND_selects_netlink_by_default_and_ip_when_asked(string? value, VlanBackend expected) =>
        Assert.Equal(expected, VlanSystem.ParseBackend(value));

    [Theory]
    [InlineData("iproute2")]
    [InlineData("nl")]
    [InlineData("netlink;ip")]
    public void Any_other_value_is_refused_with_BackendUnknown_and_says_which_values_it_takes(string value)
    {
        var error = Assert.Throws<VlanException>(() => VlanSystem.ParseBackend(value));
        Assert.Equal(ErrorIds.BackendUnknown, error.ErrorId);
        Assert.Equal(VlanErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("'netlink'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ip'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_system_made_without_a_backend_runs_ip_through_its_runner_so_a_fake_runner_sees_every_command()
    {
        var system = new VlanSystem(new FakeRunner(), () => PrivilegesTests.Root, batch: true);
        Assert.Equal(VlanBackend.Ip, system.Backend);
        Assert.Null(system.Reads);
        var netlink = new VlanSystem(new FakeRunner(), () => PrivilegesTests.Root, batch: true, backend: VlanBackend.Netlink);
        Assert.Equal(VlanBackend.Netlink, netlink.Backend);
        Assert.IsType<NetlinkKernelReader>(netlink.Reads!());
    }

    [Fact]
    public void Every_operation_the_planners_make_goes_over_netlink()
    {
        IpOperation[] operations =
        [
            new AddNamespace("lab.c1"), new DeleteNamespace("lab.c1"),
            new CreateBridge(Lab, "br0", "02:00:00:00:00:01", 1400), new CreateVeth(Lab, "v0", "eth0", "lab.c1"),
            new CreateVxlan(Lab, "vx0", 42, 4789, IPAddress.Parse("10.0.0.1"), "eth0", 1450), new CreateTap(Lab, "tap0", "nobody"),
            new DeleteTap(Lab, "tap0"), new DeleteLink(Lab, "v0"), new SetMaster(Lab, "v0", "br0"), new SetNoMaster(Lab, "v0", "br0"),
            new SetLinkState(Lab, "v0"), new SetMtu(Lab, "v0", 1400), new SetAlias(Lab, "v0", "x"), new MoveLink(Lab, "v0", "lab.c1", "lab.c1"),
            new PlugLink(Lab, "v0", "br0"), new AddAddress(Lab, "br0", Ipv4Cidr.Parse("10.0.0.1/24")), new DeleteAddress(Lab, "br0", Ipv4Cidr.Parse("10.0.0.1/24")),
            new FlushAddresses(Lab, "v0"), new AddRoute(Lab, "default", IPAddress.Parse("10.0.0.254")), new DeleteRoute(Lab, "default", IPAddress.Parse("10.0.0.254")),
            new ReplaceRoute(Lab, "default", IPAddress.Parse("10.0.0.253"), null, null),
        ];
        Assert.All(operations, o => Assert.True(NetlinkBackend.Handles(o.ToStep("x")), o.ToString()));
    }

    [Fact]
    public void Steps_without_an_operation_firewall_steps_and_programs_go_to_the_command_line_and_never_share_a_batch_with_netlink_steps()
    {
        var backend = new NetlinkBackend(new FakeRunner());
        var made = new SetLinkState(Lab, "v0").ToStep("up");
        var raw = Step.Link("lo up", Lab, ["link", "set", "dev", "lo", "up"], null, null);
        var sysctl = new SetSysctls(Lab, [("net.ipv4.ip_forward", "1")]).ToStep("forwarding");
        var program = Step.Program("flush", new CommandLine("conntrack", "-F"), null, null);
        var firewall = Step.Firewall("rule", Lab, "filter", ["-A", "FORWARD", "-j", "ACCEPT"], null, null);

        Assert.False(NetlinkBackend.Handles(raw));
        Assert.True(NetlinkBackend.Handles(sysctl));
        Assert.False(NetlinkBackend.Handles(program));
        Assert.False(NetlinkBackend.Handles(firewall));
        Assert.True(backend.StartsProcess(program));
        Assert.False(backend.StartsProcess(made));
        Assert.True(NetlinkBackend.Handles(new DeleteTap(Lab, "tap0").AsProgram("tap", [], null)));
        Assert.True(backend.CanBatch(made, new AddAddress(Lab, "v0", Ipv4Cidr.Parse("10.0.0.2/24")).ToStep("address")));
        Assert.False(backend.CanBatch(made, raw));
        Assert.False(backend.CanBatch(raw, made));
        Assert.True(backend.CanBatch(raw, Step.Link("lo down", Lab, ["link", "set", "dev", "lo", "down"], null, null)));

        // A step whose command is not its operation's (changed after it was made) runs as written.
        Assert.False(NetlinkBackend.Handles(Step.Link("other", Lab, ["link", "set", "dev", "v1", "up"], null, null).Carrying(new SetLinkState(Lab, "v0"))));
    }

    [Fact]
    public void A_group_the_netlink_backend_does_not_make_runs_as_the_command_line_backend_runs_it()
    {
        var runner = new FakeRunner();
        var backend = new NetlinkBackend(runner);
        var raw = Step.Link("lo up", Lab, ["link", "set", "dev", "lo", "up"], null, null);
        var outcome = backend.Run([raw], new KernelState(runner));
        Assert.Null(outcome.Failed);
        Assert.Equal("ip -n lab link set dev lo up", Assert.Single(runner.Calls).Command.ToString());
    }
}
