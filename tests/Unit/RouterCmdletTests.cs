using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>Add/Get/Remove-VlanRouterNamespace in a real runspace on a fake kernel: parameter sets, pipeline, -WhatIf, errors.</summary>
public class RouterCmdletTests
{
    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json")) { RoutesJson = FakeRunner.Fixture("ip-4-j-route-show.default.json") };
        var tools = new ToolLocator(path: "/usr/sbin:/usr/bin:/sbin:/bin", exists: p => !p.EndsWith("/udhcpc", StringComparison.Ordinal) && !p.EndsWith("/dhclient", StringComparison.Ordinal) && !p.EndsWith("/dhcpcd", StringComparison.Ordinal));
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, tools, _ => false)), runner);
    }

    [Fact]
    public void A_bridge_piped_in_binds_as_the_bridge_and_WhatIf_lists_the_whole_plan_without_running_it()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Get-VlanBridge virtualnet0 | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("  ip netns add router", text, StringComparison.Ordinal);
        Assert.Contains("  ip link set dev router-br master virtualnet0 up", text, StringComparison.Ordinal);
        Assert.Contains("  ip link set dev uplink0 netns router", text, StringComparison.Ordinal);
        Assert.Contains("  ip route add default via 100.64.0.2 dev router-hl", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_router_asks_for_confirmation_because_it_takes_the_uplink()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Add-VlanRouterNamespace -Uplink uplink0");
        Assert.Contains("ip link set dev uplink0 netns router", Assert.Single(session.Host.Prompts), StringComparison.Ordinal);
        Assert.Empty(runner.Changes);
    }

    [Theory]
    [InlineData("Add-VlanRouterNamespace -Uplink nosuch0", "UplinkNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Add-VlanRouterNamespace -Uplink virtualnet0", "UplinkInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 10.0.0.254", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 172.24.0.1", "AddressInUse", ErrorCategory.ResourceExists)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 172.24.0.300", "InvalidAddress", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -Name 'my router'", "InvalidInterfaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -Name averylongname", "InvalidInterfaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink 'eth0;reboot'", "InvalidInterfaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -Bridge nosuch", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -Dhcp", "DhcpClientNotFound", ErrorCategory.NotInstalled)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -UplinkAddress 198.51.100.3", "InvalidCidr", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -HostLink 172.24.200.1/30", "SubnetOverlap", ErrorCategory.InvalidArgument)]
    [InlineData("Add-VlanRouterNamespace -Uplink uplink0 -Dhcp -UplinkAddress 198.51.100.3/24", "AmbiguousParameterSet", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanRouterNamespace nosuch", "RouterNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Remove-VlanRouterNamespace nosuch -Confirm:$false", "RouterNotFound", ErrorCategory.ObjectNotFound)]
    public void Bad_input_gets_a_stable_id_and_category_and_changes_nothing(string script, string id, ErrorCategory category)
    {
        var (session, runner) = Open();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, script, id, category);
    }
}
