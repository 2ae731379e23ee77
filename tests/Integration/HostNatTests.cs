namespace VirtualLan.Tests.Integration;

/// <summary>Seed 004 replayed with the cmdlets: the host as the LAN's gateway, no router namespace.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class HostNatTests
{
    /// <summary>
    /// The host's rules, chains and policies per table. A table that holds nothing but its built-in
    /// chains at ACCEPT counts as absent: iptables cannot remove a table once it exists.
    /// </summary>
    private static string Firewall(World world)
    {
        var lines = new List<string>();
        string? table = null;
        foreach (var line in Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save").Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line;
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) || (line.StartsWith(':') && !line.Contains(" ACCEPT ", StringComparison.Ordinal)))
            {
                lines.Add(table + " " + line.Split(" [", StringSplitOptions.None)[0]);
            }
        }

        return string.Join('\n', lines);
    }

    [KernelFact]
    public void The_host_forwards_and_masquerades_the_LAN_and_disabling_restores_forwarding_and_rules()
    {
        using var world = new World();
        world.Session.Invoke("$lan = New-VlanBridge -Name br0 -Address 10.0.0.1/24");
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("$lan | Connect-VlanAppliance -Namespace c1 -Create -Address 10.0.0.2")).BaseObject;
        var c2 = (Appliance)Assert.Single(world.Session.Invoke("$lan | Connect-VlanAppliance -Namespace c2 -Create -Address 10.0.0.3")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal("10.0.0.1", c1.Gateway!.ToString());
        Assert.True(Kernel.Ping(c1.Namespace!, "10.0.0.1"), "c1 could not ping the bridge.");
        Assert.True(Kernel.Ping(c1.Namespace!, "10.0.0.3"), "c1 could not ping c2.");

        var forwardBefore = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.ipv4.ip_forward").Trim();
        var rulesBefore = Firewall(world);
        Assert.Equal("0", forwardBefore);
        Assert.False(Kernel.Ping(c1.Namespace!, World.InternetHost), "c1 reached the internet before host NAT.");

        var nat = (HostNat)Assert.Single(world.Session.Invoke("$lan | Enable-VlanHostNat -Uplink uplink0")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal("10.0.0.0/24", nat.Subnet.ToString());
        Assert.Equal("1", nat.IpForward);
        Assert.Equal("0", nat.PreviousIpForward);
        Assert.True(Kernel.Ping(c1.Namespace!, World.InternetHost), "c1 could not reach the internet through host NAT.");

        // The internet sees the uplink's address, as the seed's tcpdump shows.
        world.Serve(world.Internet, "tcp", 8080);
        Assert.StartsWith("peer=198.51.100.2:", World.Send(c2.Namespace!, "tcp", World.InternetHost, 8080, "hi"), StringComparison.Ordinal);

        // Again: nothing to do. And a LAN has one way out.
        world.Sandbox.Runner.Commands.Clear();
        world.Session.Invoke("$lan | Enable-VlanHostNat -Uplink uplink0 | Out-Null");
        Assert.Empty(world.Sandbox.Runner.Changes);
        var conflict = world.Session.InvokeFailing("$lan | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        Assert.Equal("GatewayConflict,VirtualLan.Commands.AddVlanRouterNamespaceCommand", conflict.FullyQualifiedErrorId);

        world.Session.Invoke("$lan | Disable-VlanHostNat");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(forwardBefore, Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.ipv4.ip_forward").Trim());
        Assert.Equal(rulesBefore, Firewall(world));
        Assert.False(Kernel.Ping(c1.Namespace!, World.InternetHost), "c1 still reached the internet after host NAT was disabled.");
        Assert.Empty(world.Session.Invoke("Get-VlanHostNat"));
    }

    [KernelFact]
    public void A_bridge_with_a_router_namespace_cannot_also_have_host_NAT()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
        Assert.Empty(world.Session.Errors);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "wlan0", "type", "veth", "peer", "name", "wlan0-peer");
        var error = world.Session.InvokeFailing("Enable-VlanHostNat -Uplink wlan0");
        Assert.Equal("GatewayConflict,VirtualLan.Commands.EnableVlanHostNatCommand", error.FullyQualifiedErrorId);
        Assert.DoesNotContain("hostnat", Firewall(world), StringComparison.Ordinal);
    }
}
