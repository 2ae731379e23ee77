using System.Text.Json;

namespace VirtualLan.Tests.Integration;

/// <summary>New-VlanBridge, Get-VlanBridge and Remove-VlanBridge on a real kernel, inside a sandbox.</summary>
[Collection(KernelCollection.Name)]
public class BridgeTests
{
    [KernelFact]
    public void The_seed_bridge_is_built_read_back_by_a_new_session_reached_by_a_namespace_and_removed_without_trace()
    {
        using var sandbox = new TestSandbox();
        var emptySandbox = Kernel.Snapshot(sandbox.Name);

        var bridge = (Bridge)Assert.Single(sandbox.Session.Invoke("New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16")).BaseObject;
        Assert.Empty(sandbox.Session.Errors);
        Assert.Equal(sandbox.Name, bridge.Namespace);

        // What the kernel says, read without the module.
        using (var json = JsonDocument.Parse(Kernel.Must("ip", "-n", sandbox.Name, "-details", "-json", "addr", "show", "dev", "virtualnet0")))
        {
            var link = json.RootElement[0];
            Assert.Equal("bridge", link.GetProperty("linkinfo").GetProperty("info_kind").GetString());
            Assert.Contains("UP", link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
            Assert.Contains(
                link.GetProperty("addr_info").EnumerateArray(),
                a => a.GetProperty("local").GetString() == "172.24.0.1" && a.GetProperty("prefixlen").GetInt32() == 16);
        }

        Assert.DoesNotContain("virtualnet0", Kernel.Must("ip", "-brief", "link", "show"), StringComparison.Ordinal);

        // A second session (a new pwsh) sees what the first built.
        using (var second = sandbox.OpenSecondSession())
        {
            var read = (Bridge)Assert.Single(second.Invoke("Get-VlanBridge")).BaseObject;
            Assert.Equal("virtualnet0", read.Name);
            Assert.Equal("172.24.0.1/16", read.Cidr.ToString());
            Assert.Equal("172.24.0.0/16", read.Subnet.ToString());
            Assert.Equal(bridge.MacAddress, read.MacAddress);
        }

        // Running it again runs nothing.
        sandbox.Runner.Commands.Clear();
        var again = (Bridge)Assert.Single(sandbox.Session.Invoke("New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16")).BaseObject;
        Assert.Empty(sandbox.Runner.Changes);
        Assert.Equal(bridge.MacAddress, again.MacAddress);

        // A namespace plugged in by hand, as seed 004 does, reaches the host's address.
        var c1 = sandbox.Inner("c1");
        Kernel.Must("ip", "netns", "add", c1);
        Kernel.Must("ip", "-n", sandbox.Name, "link", "add", "vethc1", "type", "veth", "peer", "name", "eth0", "netns", c1);
        Kernel.Must("ip", "-n", sandbox.Name, "link", "set", "vethc1", "master", "virtualnet0", "up");
        Kernel.Must("ip", "-n", c1, "addr", "add", "172.24.4.2/16", "dev", "eth0");
        Kernel.Must("ip", "-n", c1, "link", "set", "eth0", "up");
        Kernel.Must("ip", "-n", c1, "link", "set", "lo", "up");
        Assert.True(Kernel.Ping(c1, "172.24.0.1"), "The namespace on the bridge did not get a reply from the host address.");
        Assert.Equal(new[] { "vethc1" }, ((Bridge)sandbox.Session.Invoke("Get-VlanBridge virtualnet0")[0].BaseObject).Ports);

        Kernel.Must("ip", "netns", "delete", c1);
        Kernel.WaitUntilGone(sandbox.Name, "vethc1");
        sandbox.Session.Invoke("Remove-VlanBridge -Name virtualnet0 -Confirm:$false");
        Assert.Empty(sandbox.Session.Errors);
        Assert.Equal(emptySandbox, Kernel.Snapshot(sandbox.Name));
        Assert.Empty(sandbox.Session.Invoke("Get-VlanBridge -All"));
    }

    [KernelFact]
    public void WhatIf_changes_nothing_in_the_kernel()
    {
        using var sandbox = new TestSandbox();
        var before = Kernel.Snapshot(sandbox.Name);
        sandbox.Session.Invoke("New-VlanBridge -WhatIf");
        Assert.Empty(sandbox.Runner.Changes);
        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));
        Assert.Contains(sandbox.Session.Host.Lines, l => l.Contains($"ip -n {sandbox.Name} link add name virtualnet0 address ", StringComparison.Ordinal));
    }

    [KernelTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_failure_at_any_step_of_a_new_bridge_leaves_the_sandbox_as_it_was(int step)
    {
        using var sandbox = new TestSandbox();
        var before = Kernel.Snapshot(sandbox.Name);
        sandbox.Runner.FailAtChange = step;
        var error = sandbox.Session.InvokeFailing("New-VlanBridge");
        Assert.Equal("CommandFailed,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        Assert.Contains("vlan-fault-inj", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));
    }

    [KernelTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_failure_at_any_step_of_a_forced_reconfiguration_restores_the_old_bridge(int step)
    {
        using var sandbox = new TestSandbox();
        Kernel.Must("ip", "-n", sandbox.Name, "link", "add", "br0", "mtu", "1400", "type", "bridge");
        Kernel.Must("ip", "-n", sandbox.Name, "addr", "add", "10.9.0.1/24", "dev", "br0");
        var before = Kernel.Snapshot(sandbox.Name);

        var conflict = sandbox.Session.InvokeFailing("New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Mtu 1500");
        Assert.Equal("BridgeConflict,VirtualLan.Commands.NewVlanBridgeCommand", conflict.FullyQualifiedErrorId);
        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));

        sandbox.Runner.FailAtChange = step;
        var error = sandbox.Session.InvokeFailing("New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Mtu 1500 -Force");
        Assert.Equal("CommandFailed,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));

        sandbox.Runner.FailAtChange = 0;
        var bridge = (Bridge)Assert.Single(sandbox.Session.Invoke("New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Mtu 1500 -Force")).BaseObject;
        Assert.Equal("10.0.0.1/24", bridge.Cidr.ToString());
        Assert.Equal(1500, bridge.Mtu);
        Assert.True(bridge.IsManaged);
    }

    [KernelFact]
    public void A_name_held_by_a_veth_is_refused_and_nothing_changes()
    {
        using var sandbox = new TestSandbox();
        Kernel.Must("ip", "-n", sandbox.Name, "link", "add", "virtualnet0", "type", "veth", "peer", "name", "other0");
        var before = Kernel.Snapshot(sandbox.Name);
        var error = sandbox.Session.InvokeFailing("New-VlanBridge");
        Assert.Equal("NameInUseByOtherLink,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        Assert.Empty(sandbox.Runner.Changes);
        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));
    }
}
