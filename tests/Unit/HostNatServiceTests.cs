using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

public class HostNatServiceTests
{
    private const string Saved = "*nat\n:POSTROUTING ACCEPT [0:0]\n:VLAN-HOSTNAT - [0:0]\n-A POSTROUTING -m comment --comment \"virtuallan:hostnat\" -j VLAN-HOSTNAT\n"
        + "-A VLAN-HOSTNAT -s 172.24.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0 ip_forward=0\" -j MASQUERADE\nCOMMIT\n";

    private static (HostNatService Service, KernelState State) Machine(string iptables = "", string forward = "0") =>
        (new HostNatService(NetworkHost.Machine), new KernelState(new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json")) { IptablesSave = iptables, SysctlValue = forward }));

    [Fact]
    public void Enabling_masquerades_only_the_LAN_out_of_the_uplink_and_keeps_the_old_ip_forward()
    {
        var (service, state) = Machine();
        var plan = service.PlanEnable("virtualnet0", "uplink0", state);
        var rules = plan.Steps.Where(s => s.Channel == StepChannel.Firewall).Select(s => RestoreInput.Line(s.Arguments)).ToArray();
        Assert.Contains("-A VLAN-HOSTNAT -s 172.24.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0 ip_forward=0\" -j MASQUERADE", rules);
        Assert.Contains("-A VLAN-HOSTNAT-FWD -i virtualnet0 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j ACCEPT", rules);
        Assert.DoesNotContain(rules, r => r.Contains("-P FORWARD", StringComparison.Ordinal));
        var sysctl = plan.Steps[^1];
        Assert.Equal("sysctl -qw net.ipv4.ip_forward=1", sysctl.Command.ToString());
        Assert.Equal("sysctl -qw net.ipv4.ip_forward=0", sysctl.UndoCommand!.ToString());
    }

    [Fact]
    public void Enabling_lets_into_the_LAN_only_answers_from_the_uplink_whatever_the_FORWARD_policy()
    {
        var (service, state) = Machine();
        var guard = service.PlanEnable("virtualnet0", "uplink0", state).Steps.Where(s => s.Table == "mangle").Select(s => RestoreInput.Line(s.Arguments)).ToArray();
        Assert.Equal(
            new[]
            {
                "-N VLAN-HOSTNAT-GUARD",
                "-A FORWARD -m comment --comment \"virtuallan:hostnat\" -j VLAN-HOSTNAT-GUARD",
                "-A VLAN-HOSTNAT-GUARD -i uplink0 -o virtualnet0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j RETURN",
                "-A VLAN-HOSTNAT-GUARD ! -i virtualnet0 -o virtualnet0 -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j DROP",
                "-A VLAN-HOSTNAT-GUARD -i virtualnet0 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j RETURN",
                "-A VLAN-HOSTNAT-GUARD -i virtualnet0 ! -o virtualnet0 -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j DROP",
            },
            guard);
    }

    [Fact]
    public void The_rules_are_read_back_with_the_old_ip_forward()
    {
        var (service, state) = Machine(Saved, "1");
        var nat = service.Read("virtualnet0", state)!;
        Assert.Equal("uplink0", nat.Uplink);
        Assert.Equal("172.24.0.0/16", nat.Subnet.ToString());
        Assert.Equal("0", nat.PreviousIpForward);
        Assert.Equal("1", nat.IpForward);
        Assert.Null(service.Read("br9", state));
    }

    [Fact]
    public void Disabling_removes_the_rules_and_the_chain_and_sets_ip_forward_back()
    {
        var (service, state) = Machine(Saved, "1");
        var commands = service.PlanDisable("virtualnet0", state).Steps.Select(s => s.Command.ToString()).ToArray();
        Assert.Contains("iptables -w -t nat -D VLAN-HOSTNAT -s 172.24.0.0/16 -o uplink0 -m comment --comment 'virtuallan:hostnat/virtualnet0 ip_forward=0' -j MASQUERADE", commands);
        Assert.Contains("iptables -w -t nat -X VLAN-HOSTNAT", commands);
        // Forwarding goes back first and the MASQUERADE rule, the record of the old value, with the
        // last table: a Disable cut off half-way still finds host NAT, and running it again finishes.
        Assert.Equal("sysctl -qw net.ipv4.ip_forward=0", commands[0]);
        Assert.Equal("iptables -w -t nat -X VLAN-HOSTNAT", commands[^1]);
    }

    [Fact]
    public void Every_removal_is_undone_at_the_position_the_rule_had_and_ip_forward_is_set_back()
    {
        // Docker's rule after the hook in POSTROUTING, and a rule of another bridge before ours in VLAN-HOSTNAT.
        const string two = "*nat\n:POSTROUTING ACCEPT [0:0]\n:VLAN-HOSTNAT - [0:0]\n-A POSTROUTING -s 10.9.0.0/16 -j MASQUERADE\n-A POSTROUTING -m comment --comment \"virtuallan:hostnat\" -j VLAN-HOSTNAT\n"
            + "-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE\n"
            + "-A VLAN-HOSTNAT -s 10.0.0.0/24 -o uplink0 -m comment --comment \"virtuallan:hostnat/br0 ip_forward=0\" -j MASQUERADE\n"
            + "-A VLAN-HOSTNAT -s 172.24.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0 ip_forward=0\" -j MASQUERADE\nCOMMIT\n";
        var (service, state) = Machine(two, "1");
        // The positions are settled when the plan runs, from the rules read before it (RulePositions).
        var undo = VirtualLan.Execution.RulePositions.Place(service.PlanDisable("virtualnet0", state).Steps, state).Select(s => s.UndoCommand?.ToString()).ToArray();
        Assert.Contains("iptables -w -t nat -I VLAN-HOSTNAT 2 -s 172.24.0.0/16 -o uplink0 -m comment --comment 'virtuallan:hostnat/virtualnet0 ip_forward=0' -j MASQUERADE", undo);
        Assert.DoesNotContain(undo, u => u is null);

        var (alone, single) = Machine(Saved.Replace("-A POSTROUTING -m", "-A POSTROUTING -s 10.9.0.0/16 -j MASQUERADE\n-A POSTROUTING -m", StringComparison.Ordinal), "1");
        var steps = VirtualLan.Execution.RulePositions.Place(alone.PlanDisable("virtualnet0", single).Steps, single);
        Assert.Equal(
            new[]
            {
                "iptables -w -t nat -I VLAN-HOSTNAT 1 -s 172.24.0.0/16 -o uplink0 -m comment --comment 'virtuallan:hostnat/virtualnet0 ip_forward=0' -j MASQUERADE",
                "iptables -w -t nat -I POSTROUTING 2 -m comment --comment virtuallan:hostnat -j VLAN-HOSTNAT",
                "iptables -w -t nat -N VLAN-HOSTNAT",
            },
            steps.Where(s => s.Table == "nat").Select(s => s.UndoCommand!.ToString()));
        Assert.Equal("sysctl -qw net.ipv4.ip_forward=1", steps[0].UndoCommand!.ToString());
    }

    [Theory]
    [InlineData("virtualnet0", "nosuch0", ErrorIds.UplinkNotFound)]
    [InlineData("virtualnet0", "lo", ErrorIds.UplinkInvalid)]
    [InlineData("br9", "uplink0", ErrorIds.BridgeNotFound)]
    [InlineData("virtualnet0", "up/0", ErrorIds.InvalidInterfaceName)]
    public void Bad_requests_are_refused(string bridge, string uplink, string errorId)
    {
        var (service, state) = Machine();
        Assert.Equal(errorId, Assert.Throws<VlanException>(() => service.PlanEnable(bridge, uplink, state)).ErrorId);
    }

    [Fact]
    public void Another_uplink_for_the_same_LAN_is_a_conflict_and_disabling_nothing_is_an_error()
    {
        var (service, state) = Machine(Saved, "1");
        Assert.Equal(ErrorIds.GatewayConflict, Assert.Throws<VlanException>(() => service.PlanEnable("virtualnet0", "wan0", state)).ErrorId);
        Assert.Equal(ErrorIds.HostNatNotFound, Assert.Throws<VlanException>(() => service.PlanDisable("br9", state)).ErrorId);
    }
}
