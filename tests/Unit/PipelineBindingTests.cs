using System.Management.Automation;
using System.Text.Json.Nodes;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// Issue 16's pipelines on a fake LAN (bridge virtualnet0, router "router" with forwards, appliance c1
/// holding their target): every neighbour's object means what it is, and a value that cannot mean
/// what it was bound to is an error, never an empty result.
/// </summary>
public class PipelineBindingTests
{
    private const string ApplianceAlias = "virtuallan:appliance addr=172.24.4.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.254 if=eth0 kind=Namespace name=c1 ns=c1";

    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var links = JsonNode.Parse(PortForwardServiceTests.RouterLinks)!.AsArray();
        foreach (var link in JsonNode.Parse(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))!.AsArray())
        {
            if (link!["ifname"]!.GetValue<string>() is "virtualnet0")
            {
                links.Add(link.DeepClone());
            }
        }

        links.Add(JsonNode.Parse("""
            {"ifindex":40,"ifname":"router-br","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","master":"virtualnet0","linkinfo":{"info_kind":"veth"},"addr_info":[]}
            """));
        links.Add(JsonNode.Parse($$"""
            {"ifindex":41,"ifname":"vl-c1","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","master":"virtualnet0","linkinfo":{"info_kind":"veth"},"ifalias":"{{ApplianceAlias}}","addr_info":[]}
            """));
        var runner = new FakeRunner(links.ToJsonString(), "[{\"name\":\"router\"},{\"name\":\"c1\"}]") { IptablesSave = FakeRunner.Fixture("iptables-save.forwards.txt") };
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, exists: _ => false)), runner);
    }

    private static string[] Run(PowerShellSession session, string script)
    {
        var output = session.Invoke(script).Select(o => o.BaseObject switch
        {
            PortForward f => $"{f.Router}/{f.Protocol}/{f.ExternalPort}->{f.InternalAddress}:{f.Appliance}",
            Appliance a => $"appliance {a.Name}",
            Router r => $"router {r.Name}",
            Bridge b => $"bridge {b.Name}",
            var other => other.ToString()!,
        }).ToArray();
        Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
        return output;
    }

    [Fact]
    public void The_fake_LAN_has_its_bridge_router_appliance_and_forwards()
    {
        var (session, _) = Open();
        using var _s = session;
        Assert.Equal(new[] { "bridge virtualnet0" }, Run(session, "Get-VlanBridge"));
        Assert.Equal(new[] { "router router" }, Run(session, "Get-VlanRouterNamespace"));
        Assert.Equal(new[] { "appliance c1" }, Run(session, "Get-VlanAppliance"));
        Assert.Equal(new[] { "router/Tcp/4000->172.24.4.2:c1", "router/Udp/9000-9002->172.24.4.2:c1" }, Run(session, "Get-VlanPortForward"));
    }

    [Theory]
    [InlineData("Get-VlanPortForward 4000", "router/Tcp/4000->172.24.4.2:c1")]
    [InlineData("Get-VlanPortForward 9001", "router/Udp/9000-9002->172.24.4.2:c1")]
    [InlineData("Get-VlanAppliance c1 | Get-VlanPortForward -Protocol Tcp", "router/Tcp/4000->172.24.4.2:c1")]
    [InlineData("Get-VlanRouterNamespace router | Get-VlanPortForward 4000", "router/Tcp/4000->172.24.4.2:c1")]
    [InlineData("Get-VlanBridge virtualnet0 | Get-VlanPortForward 4000", "router/Tcp/4000->172.24.4.2:c1")]
    [InlineData("Get-VlanPortForward 4000 | Get-VlanAppliance", "appliance c1")]
    [InlineData("Get-VlanPortForward 4000 | Get-VlanRouterNamespace", "router router")]
    [InlineData("Get-VlanPortForward 4000 | Get-VlanBridge", "bridge virtualnet0")]
    [InlineData("Get-VlanBridge virtualnet0 | Get-VlanRouterNamespace", "router router")]
    [InlineData("Get-VlanAppliance c1 | Get-VlanRouterNamespace", "router router")]
    [InlineData("Get-VlanAppliance c1 | Get-VlanBridge", "bridge virtualnet0")]
    [InlineData("Get-VlanRouterNamespace | Get-VlanBridge", "bridge virtualnet0")]
    [InlineData("Get-VlanRouterNamespace | Get-VlanAppliance", "appliance c1")]
    [InlineData("Get-VlanBridge | Get-VlanAppliance", "appliance c1")]
    [InlineData("'c1' | Get-VlanAppliance", "appliance c1")]
    [InlineData("'virtualnet0' | Get-VlanBridge", "bridge virtualnet0")]
    public void A_neighbours_object_means_what_it_is(string script, string expected) =>
        Assert.Equal(new[] { expected }, Run(Open().Session, script));

    [Theory]
    [InlineData("Get-VlanAppliance c1 | Set-VlanAppliance -Gateway 172.24.0.254 -WhatIf")]
    [InlineData("'c1' | Set-VlanAppliance -Gateway 172.24.0.254 -WhatIf")]
    [InlineData("Get-VlanAppliance c1 | Disconnect-VlanAppliance -WhatIf")]
    public void An_appliance_or_its_name_is_taken_by_the_cmdlets_that_change_appliances(string script) =>
        Assert.Empty(Run(Open().Session, script));

    [Theory]
    [InlineData("Get-VlanPortForward 4001", "PortForwardNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Get-VlanPortForward router", "InvalidPort", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanPortForward -Router c1", "RouterNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("4000 | Get-VlanPortForward", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanAppliance -Bridge nosuch", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Get-VlanHostNat nosuch", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Get-VlanRouterNamespace -Bridge nosuch", "RouterNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Get-VlanRouterNamespace router | Remove-VlanBridge -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanAppliance c1 | Remove-VlanBridge -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanBridge virtualnet0 | Remove-VlanRouterNamespace -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanBridge virtualnet0 | Disconnect-VlanAppliance -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanBridge virtualnet0 | Set-VlanAppliance -Gateway 172.24.0.1 -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanPortForward 4000 | Set-VlanAppliance -Gateway 172.24.0.1 -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanPortForward 4000 | Disconnect-VlanAppliance -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanAppliance c1 | Remove-VlanPortForward -ExternalPort 4000 -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanRouterNamespace router | Disable-VlanHostNat -Confirm:$false", "PipelineInputMismatch", ErrorCategory.InvalidArgument)]
    public void A_value_that_cannot_mean_what_it_was_bound_to_is_an_error(string script, string id, ErrorCategory category)
    {
        var (session, runner) = Open();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, script, id, category);
    }

    [Fact]
    public void A_piped_router_gives_Add_VlanPortForward_its_router_and_the_appliance_comes_from_the_address()
    {
        var (session, runner) = Open();
        using var _ = session;
        var forward = (PortForward)Assert.Single(session.Invoke("Get-VlanRouterNamespace router | Add-VlanPortForward -Address 172.24.4.2 -ExternalPort 8080 -Confirm:$false")).BaseObject;
        Assert.Empty(session.Errors);
        Assert.Equal(("router", "c1"), (forward.Router, forward.Appliance));
        Assert.Contains(runner.Changes, c => c.Contains("virtuallan:forward/router/tcp/8080", StringComparison.Ordinal));
    }

    [Fact]
    public void Remove_VlanPortForward_takes_the_router_and_the_port_by_position_and_a_piped_router()
    {
        foreach (var script in new[] { "Remove-VlanPortForward router 4000 -Confirm:$false", "Get-VlanRouterNamespace router | Remove-VlanPortForward -ExternalPort 4000 -Confirm:$false" })
        {
            var (session, runner) = Open();
            using var _ = session;
            session.Invoke(script);
            Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
            Assert.Contains(runner.Changes, c => c.Contains("-D VLAN-PREROUTING", StringComparison.Ordinal) && c.Contains("tcp/4000", StringComparison.Ordinal));
            Assert.DoesNotContain(runner.Changes, c => c.Contains("udp/9000", StringComparison.Ordinal));
        }
    }
}
