using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>Connect/Get/Disconnect-VlanAppliance in a real runspace on a fake kernel: parameter sets, -WhatIf and errors.</summary>
public class ApplianceCmdletTests
{
    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))
        {
            Respond = c => c.Program == "docker"
                ? new CommandResult(1, string.Empty, $"Error: No such {(c.Arguments[0] == "network" ? "network" : "container")}: {c.Arguments[^1]}")
                : null,
        };
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, exists: _ => false)), runner);
    }

    [Fact]
    public void WhatIf_shows_seed_004s_commands_for_a_namespace_and_runs_none()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Get-VlanBridge virtualnet0 | Connect-VlanAppliance -Namespace c1 -Create -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("  ip netns add c1", text, StringComparison.Ordinal);
        Assert.Matches(@"  ip link add vl-c1 type veth peer name eth0 address 52:54:00(:[0-9a-f]{2}){3} netns c1", text);
        Assert.Contains("  ip link set dev vl-c1 master virtualnet0 up", text, StringComparison.Ordinal);
        Assert.Contains("  ip -n c1 addr add 172.24.4.2/16 dev eth0", text, StringComparison.Ordinal);
        Assert.Contains("  ip -n c1 route add default via 172.24.0.1 dev eth0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatIf_for_a_new_tap_creates_it_owned_by_the_user_and_takes_the_QEMU_pool()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Connect-VlanAppliance -Tap qemutap0 -TapOwner alice -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("  ip tuntap add dev qemutap0 mode tap user alice", text, StringComparison.Ordinal);
        Assert.Contains("addr=172.24.2.2%2F16", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connect-VlanAppliance -Namespace nosuch", "NamespaceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Container nosuch", "ContainerNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -DockerNetwork nosuch", "DockerNetworkNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Interface nosuch0", "InterfaceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Interface virtualnet0", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Interface lo", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Tap uplink0", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 10.9.9.9", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.0.1", "AddressNotFree", ErrorCategory.ResourceExists)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.4.2/24", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address fd00::2", "IPv6NotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.4", "InvalidAddress", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace 'c/1' -Create", "InvalidNamespaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Container 'web;reboot'", "InvalidName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Tap 'tap 0'", "InvalidInterfaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Bridge nosuch", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Tap qemutap0", "AmbiguousParameterSet", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanAppliance nosuch", "ApplianceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Disconnect-VlanAppliance nosuch", "ApplianceNotFound", ErrorCategory.ObjectNotFound)]
    public void Bad_input_gets_a_stable_id_and_category_and_changes_nothing(string script, string id, ErrorCategory category)
    {
        var (session, runner) = Open();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, script, id, category);
    }
}
