namespace VirtualLan.Tests.Integration;

/// <summary>Add-VlanPortForward with NAT loopback, shown by TCP and UDP exchanges from every side.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class PortForwardTests
{
    private const string Wan = "198.51.100.2";

    [KernelTheory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public void A_forward_reaches_the_server_from_the_internet_the_host_and_the_LAN_and_removal_closes_it(string protocol)
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false");
        var server = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        var client = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c2 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);

        // A stale flow: the internet sends from port 40000 before the forward exists, so the router
        // tracks it as a flow to itself. The forward must flush it, or that flow would bypass the DNAT.
        Assert.Null(World.Send(world.Internet, protocol, Wan, 4000, "too early", sourcePort: 40000));

        var forward = (PortForward)Assert.Single(world.Session.Invoke($"Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 -Protocol {protocol}")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal("router", forward.Router);
        Assert.Equal(Wan, forward.ExternalAddress.ToString());
        Assert.Equal("4000", forward.ExternalPort);
        Assert.Equal("172.24.4.2", forward.InternalAddress.ToString());
        Assert.Equal("c1", forward.Appliance);
        Assert.True(forward.NatLoopback);

        world.Serve(server.Namespace!, protocol, 4000, count: 4);

        // From the internet, with the client's own address visible to the server.
        Assert.StartsWith("peer=198.51.100.1:40000 ", World.Send(world.Internet, protocol, Wan, 4000, "from the internet", sourcePort: 40000), StringComparison.Ordinal);
        Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, protocol, Wan, 4000, "again"), StringComparison.Ordinal);

        // NAT loopback from the host (through the host link) and hairpin from another appliance.
        Assert.StartsWith("peer=100.64.0.1:", World.Send(world.Sandbox.Name, protocol, Wan, 4000, "from the host"), StringComparison.Ordinal);
        Assert.StartsWith("peer=172.24.0.254:", World.Send(client.Namespace!, protocol, Wan, 4000, "from c2"), StringComparison.Ordinal);

        // A port that is not forwarded stays closed, even with a server behind it.
        world.Serve(server.Namespace!, protocol, 4001);
        Assert.Null(World.Send(world.Internet, protocol, Wan, 4001, "knock"));

        // A second forward of the same port is an error naming the first.
        var duplicate = world.Session.InvokeFailing($"Add-VlanPortForward -Address 172.24.4.3 -ExternalPort 4000 -Protocol {protocol}");
        Assert.Equal("PortForwardExists,VirtualLan.Commands.AddVlanPortForwardCommand", duplicate.FullyQualifiedErrorId);
        Assert.Contains("172.24.4.2", duplicate.Exception.Message, StringComparison.Ordinal);

        world.Session.Invoke("Get-VlanPortForward | Remove-VlanPortForward");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Session.Invoke("Get-VlanPortForward"));
        Assert.DoesNotContain("virtuallan:forward", Kernel.Must("ip", "netns", "exec", $"{world.Sandbox.Name}.router", "iptables-save"), StringComparison.Ordinal);
        world.Serve(server.Namespace!, protocol, 4000, count: 3);
        Assert.Null(World.Send(world.Internet, protocol, Wan, 4000, "closed?", sourcePort: 40000));
        Assert.Null(World.Send(world.Sandbox.Name, protocol, Wan, 4000, "closed?"));
        Assert.Null(World.Send(client.Namespace!, protocol, Wan, 4000, "closed?"));
    }

    [KernelFact]
    public void The_internal_port_may_differ_and_ranges_map_one_to_one()
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        var server = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 8080 -InternalPort 4000 | Out-Null");
        world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 9000-9002 -InternalPort 5000 -Protocol Udp | Out-Null");
        Assert.Empty(world.Session.Errors);

        world.Serve(server.Namespace!, "tcp", 4000);
        Assert.Contains("local=172.24.4.2:4000 ", World.Send(world.Internet, "tcp", Wan, 8080, "mapped"), StringComparison.Ordinal);
        world.Serve(server.Namespace!, "udp", 5002);
        Assert.Contains("message=range", World.Send(world.Internet, "udp", Wan, 9002, "range"), StringComparison.Ordinal);

        var range = (PortForward)world.Session.Invoke("Get-VlanPortForward -Protocol Udp")[0].BaseObject;
        Assert.Equal("9000-9002", range.ExternalPort);
        Assert.Equal("5000-5002", range.InternalPort);
    }
}
