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
        session.Invoke("Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 8080 -InternalPort 80 -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("-A VLAN-PREROUTING -d 198.51.100.2/32 -i uplink0 -p tcp -m tcp --dport 8080 -m comment --comment virtuallan:forward/router/tcp/8080 -j DNAT --to-destination 172.24.4.3:80", text, StringComparison.Ordinal);
        Assert.Contains("-j MASQUERADE", text, StringComparison.Ordinal);
        Assert.Contains("conntrack -D -p tcp --orig-dst 198.51.100.2", text, StringComparison.Ordinal);
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
