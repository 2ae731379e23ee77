namespace VirtualLan.Tests.Integration;

/// <summary>Add-VlanRouterNamespace and its companions against a simulated internet, proven with traffic.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class RouterTests
{
    private const string AddRouter = "New-VlanBridge | Add-VlanRouterNamespace -Name router -Uplink uplink0 -Confirm:$false";

    private static string Snapshot(World world) =>
        Kernel.Snapshot(world.Sandbox.Name) + "\n--namespaces--\n" + string.Join(',', Kernel.Namespaces().Where(n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    [KernelFact]
    public void The_seed_router_gives_the_LAN_and_the_host_the_internet_behind_PAT_and_leaves_nothing_when_removed()
    {
        using var world = new World();
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The simulated internet is not reachable before the router.");
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var beforeRouter = Snapshot(world);

        var router = (Router)Assert.Single(world.Session.Invoke(AddRouter + " -RouteHostTraffic")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal("172.24.0.254", router.GatewayAddress.ToString());
        Assert.Equal("198.51.100.2/24", router.UplinkCidr.ToString());
        Assert.Equal(World.WanGateway, router.UplinkGateway!.ToString());
        Assert.Equal("DROP", router.ForwardPolicy);
        Assert.Equal(UplinkMode.Keep, router.UplinkMode);
        Assert.True(router.RoutesHostTraffic);
        Assert.DoesNotContain(World.Uplink, Kernel.Must("ip", "-n", world.Sandbox.Name, "-br", "link"), StringComparison.Ordinal);

        // An appliance on the LAN reaches the internet, and the server sees the router's WAN address.
        var c1 = world.PlugNamespace("c1", "virtualnet0", "172.24.4.2/16", "172.24.0.254");
        Assert.True(Kernel.Ping(c1, World.InternetHost), "c1 could not ping the internet through the router.");
        world.Serve(world.Internet, "tcp", 8080);
        {
            var answer = World.Send(c1, "tcp", World.InternetHost, 8080, "hello from c1");
            Assert.NotNull(answer);
            Assert.StartsWith("peer=198.51.100.2:", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("172.24.", answer, StringComparison.Ordinal);
            Assert.EndsWith("message=hello from c1", answer, StringComparison.Ordinal);
        }

        // The host keeps its internet through the router (-RouteHostTraffic), also behind PAT.
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The host could not reach the internet through the router.");
        world.Serve(world.Internet, "udp", 5353, bind: World.InternetHost);
        {
            var answer = World.Send(world.Sandbox.Name, "udp", World.InternetHost, 5353, "hello from the host");
            Assert.StartsWith("peer=198.51.100.2:", answer, StringComparison.Ordinal);
        }

        // Default deny: a connection initiated from the internet to the appliance fails, even with a route to the LAN.
        Kernel.Must("ip", "-n", world.Internet, "route", "add", "172.24.0.0/16", "via", "198.51.100.2");
        world.Serve(c1, "tcp", 8081);
        {
            Assert.Null(World.Send(world.Internet, "tcp", "172.24.4.2", 8081, "knock"));
            Assert.False(Kernel.Ping(world.Internet, "172.24.4.2"));
        }

        // Another session reads the same router from the kernel; running the runbook again runs nothing.
        using (var second = world.Sandbox.OpenSecondSession())
        {
            var read = (Router)Assert.Single(second.Invoke("Get-VlanRouterNamespace")).BaseObject;
            Assert.Equal("virtualnet0", read.Bridge);
            Assert.Equal("uplink0", read.Uplink);
            Assert.Equal($"{world.Sandbox.Name}.router", read.Namespace);
        }

        world.Sandbox.Runner.Commands.Clear();
        world.Session.Invoke(AddRouter + " -RouteHostTraffic");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Sandbox.Runner.Changes);

        // Removal gives the uplink back with its address and default route, and leaves nothing of the router.
        world.Unplug("c1");
        world.Session.Invoke("Get-VlanRouterNamespace | Remove-VlanRouterNamespace -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(beforeRouter, Snapshot(world));
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The host could not reach the internet directly after the router was removed.");
        Assert.Empty(world.Session.Invoke("Get-VlanRouterNamespace"));
    }

    [KernelFact]
    public void A_static_uplink_address_is_used_in_the_router_and_the_old_one_comes_back_after()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var before = Snapshot(world);
        var router = (Router)Assert.Single(world.Session.Invoke(AddRouter + " -UplinkAddress 198.51.100.3/24 -UplinkGateway 198.51.100.1")).BaseObject;
        Assert.Equal("198.51.100.3/24", router.UplinkCidr.ToString());
        Assert.Equal(UplinkMode.Static, router.UplinkMode);
        Assert.False(router.RoutesHostTraffic);

        var c1 = world.PlugNamespace("c1", "virtualnet0", "172.24.4.2/16", "172.24.0.254");
        world.Serve(world.Internet, "tcp", 8080);
        {
            Assert.StartsWith("peer=198.51.100.3:", World.Send(c1, "tcp", World.InternetHost, 8080, "x"), StringComparison.Ordinal);
        }

        world.Unplug("c1");
        world.Session.Invoke("Remove-VlanRouterNamespace router -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(before, Snapshot(world));
    }

    [KernelFact]
    public void Dhcp_gets_the_uplink_address_from_the_network_and_stops_the_client_on_removal()
    {
        using var world = new World();
        var config = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.conf");
        var leases = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.leases");
        File.WriteAllText(leases, string.Empty);
        File.WriteAllText(config, $"start 198.51.100.50\nend 198.51.100.60\ninterface wan0\nlease_file {leases}\nopt router 198.51.100.1\nopt subnet 255.255.255.0\n");
        try
        {
            world.Start(world.Internet, Kernel.Busybox, "udhcpd", "-f", config);
            world.Session.Invoke("New-VlanBridge | Out-Null");
            var before = Snapshot(world);

            var router = (Router)Assert.Single(world.Session.Invoke(AddRouter + " -Dhcp")).BaseObject;
            Assert.Empty(world.Session.Errors);
            Assert.Equal(UplinkMode.Dhcp, router.UplinkMode);
            Assert.Equal("udhcpc", router.DhcpClient);
            Assert.Matches(@"^198\.51\.100\.(5\d|60)/24$", router.UplinkCidr.ToString());
            Assert.Equal(World.WanGateway, router.UplinkGateway!.ToString());
            Assert.NotEmpty(Kernel.Must("ip", "netns", "pids", router.Namespace).Trim());

            var c1 = world.PlugNamespace("c1", "virtualnet0", "172.24.4.2/16", "172.24.0.254");
            Assert.True(Kernel.Ping(c1, World.InternetHost));
            world.Unplug("c1");

            world.Session.Invoke("Remove-VlanRouterNamespace router -Confirm:$false");
            Assert.Empty(world.Session.Errors);
            Assert.Equal(before, Snapshot(world));
            Assert.False(Directory.Exists($"/etc/netns/{router.Namespace}"));
            Assert.False(File.Exists($"/run/virtuallan-{router.Namespace}-udhcpc.pid"));
        }
        finally
        {
            File.Delete(config);
            File.Delete(leases);
        }
    }

    [KernelFact]
    public void A_failure_at_any_step_of_the_plan_leaves_the_sandbox_exactly_as_before()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var before = Snapshot(world);
        var step = 1;
        for (; step < 60; step++)
        {
            world.Sandbox.Runner.FailAtChange = step;
            var output = world.Session.Invoke(AddRouter + " -RouteHostTraffic");
            if (world.Session.Errors.Count == 0)
            {
                Assert.Single(output);
                break;
            }

            Assert.Equal("CommandFailed,VirtualLan.Commands.AddVlanRouterNamespaceCommand", Assert.Single(world.Session.Errors).FullyQualifiedErrorId);
            Assert.True(before == Snapshot(world), $"After a failure at step {step} the sandbox differs:\n{Snapshot(world)}\nexpected:\n{before}");
            Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), $"After a failure at step {step} the host lost its connection.");
        }

        // Every step of the plan was failed once before the run that succeeded.
        Assert.True(step > 20, $"The plan succeeded at step {step}: fewer steps than expected were failed.");
        world.Sandbox.Runner.FailAtChange = 0;
        world.Session.Invoke("Remove-VlanRouterNamespace router -Confirm:$false");
        Assert.Equal(before, Snapshot(world));
    }
}
