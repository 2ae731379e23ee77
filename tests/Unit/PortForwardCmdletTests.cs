using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>Add/Get/Remove-VlanPortForward in a real runspace on a fake router: -WhatIf and errors.</summary>
public class PortForwardCmdletTests
{
    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(PortForwardServiceTests.RouterLinks, "[{\"name\":\"router\"}]") { IptablesSave = FakeRunner.Fixture("iptables-save.forwards.txt") };
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, exists: _ => false)), runner);
    }

    [Fact]
    public void WhatIf_lists_the_DNAT_the_forward_rule_the_hairpin_and_the_conntrack_flush()
    {
        var (session, runner) = Open();
        using var _ = session;

        // A flow to the port is tracked already (a client tried before the forward existed): it must be forgotten.
        runner.Respond = c => c.Arguments.Contains("conntrack") && c.Arguments.Contains("-L")
            ? new CommandResult(0, "udp      17 29 src=203.0.113.10 dst=198.51.100.2 sport=4000 dport=8080 [UNREPLIED] src=198.51.100.2 dst=203.0.113.10 sport=8080 dport=4000 mark=0 use=1\ntcp      6 431999 ESTABLISHED src=203.0.113.10 dst=198.51.100.2 sport=40000 dport=8080 src=198.51.100.2 dst=203.0.113.10 sport=8080 dport=40000 [ASSURED] mark=0 use=1\n", string.Empty)
            : null;
        session.Invoke("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 8080 -InternalPort 80 -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("-A VLAN-PREROUTING -d 198.51.100.2/32 -i uplink0 -p tcp -m tcp --dport 8080 -m comment --comment virtuallan:forward/router/tcp/8080 -j DNAT --to-destination 172.24.4.3:80", text, StringComparison.Ordinal);
        Assert.Contains("-j MASQUERADE", text, StringComparison.Ordinal);
        Assert.Contains("conntrack -D -p tcp --orig-dst 198.51.100.2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void No_conntrack_flush_is_planned_when_no_flow_to_the_port_is_tracked()
    {
        var (session, runner) = Open();
        using var _ = session;
        runner.Respond = c => c.Arguments.Contains("conntrack") && c.Arguments.Contains("-L")
            ? new CommandResult(0, "tcp      6 431999 ESTABLISHED src=203.0.113.10 dst=198.51.100.2 sport=40000 dport=9999 src=198.51.100.2 dst=203.0.113.10 sport=9999 dport=40000 [ASSURED] mark=0 use=1\n", string.Empty)
            : null;
        session.Invoke("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 8080 -InternalPort 80 -WhatIf");
        Assert.Empty(session.Errors);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("-j DNAT --to-destination 172.24.4.3:80", text, StringComparison.Ordinal);
        Assert.DoesNotContain("conntrack -D", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 0", "InvalidPort", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 65536", "InvalidPort", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 5010-5000", "InvalidPort", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 5000-5010 -InternalPort 6000-6001", "InvalidPort", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 10.1.1.1 -ExternalPort 5000", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.9 -ExternalPort 4000", "PortForwardExists", ErrorCategory.ResourceExists)]
    [InlineData("Add-VlanPortForward -Router nosuch -Address 172.24.4.3 -ExternalPort 5000", "RouterNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Add-VlanPortForward -Router router -Address fd00::3 -ExternalPort 5000", "IPv6NotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 5000 -Protocol Sctp", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument)]
    [InlineData("Remove-VlanPortForward -Router router -ExternalPort 4001", "PortForwardNotFound", ErrorCategory.ObjectNotFound)]
    public void Bad_input_gets_a_stable_id_and_category_and_changes_nothing(string script, string id, ErrorCategory category)
    {
        var (session, runner) = Open();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, script, id, category);
    }

    [Fact]
    public void Forwards_pipe_into_Remove_VlanPortForward_by_their_properties()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Get-VlanPortForward -Protocol Udp | Remove-VlanPortForward");
        Assert.Empty(session.Errors);
        Assert.Contains(runner.Changes, c => c.Contains("-D VLAN-PREROUTING", StringComparison.Ordinal) && c.Contains("9000:9002", StringComparison.Ordinal));
        Assert.DoesNotContain(runner.Changes, c => c.Contains("tcp/4000", StringComparison.Ordinal));
    }
}
