namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 16, items 4 and 5: Set-VlanAppliance and Set-VlanBridge change what Connect and New made,
/// forwards following; Connect on a connected appliance with other settings changes nothing; and
/// Disconnect leaves nothing dangling, whatever the kind.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class SetAndDisconnectTests
{
    private const string Wan = "198.51.100.2";

    private static string Addresses(string ns) => Kernel.Must("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0");

    private static string Aliases(World world) => string.Join('\n', Kernel.Must("ip", "-n", world.Sandbox.Name, "-o", "link", "show").Split('\n').Where(l => l.Contains("alias", StringComparison.Ordinal)));

    private static VirtualLan.Planning.ApplianceService Service(World world, VirtualLan.Linux.KernelState state) =>
        new(VirtualLan.Linux.NetworkHost.InSandbox(world.Sandbox.Name), new VirtualLan.Linux.Docker(world.Sandbox.Runner));

    private static string Commands(World world, Func<VirtualLan.Linux.KernelState, VirtualLan.Execution.Plan> plan) =>
        string.Join('\n', plan(new VirtualLan.Linux.KernelState(world.Sandbox.Runner)).Steps.Select(s => s.Command.ToString()));

    [KernelFact]
    public void Connect_with_other_settings_changes_nothing_and_Set_moves_the_appliance_with_its_forward()
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false; $router | Connect-VlanAppliance -Namespace c1, c2 -Create | Out-Null; Add-VlanPortForward -Address 172.24.4.2 -ExternalPort 4000 | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var c1 = world.Sandbox.Inner("c1");
        var before = RobustnessTests.Snapshot(world);

        // The case: connecting c1 again with another address is an error that points to Set-VlanAppliance.
        world.Sandbox.Runner.Commands.Clear();
        var error = world.Session.InvokeFailing("Connect-VlanAppliance -Namespace c1 -Address 172.24.4.9");
        Assert.Equal("ApplianceConnected,VirtualLan.Commands.ConnectVlanApplianceCommand", error.FullyQualifiedErrorId);
        Assert.Equal("ResourceExists", error.CategoryInfo.Category.ToString());
        Assert.Contains("Set-VlanAppliance -Name c1 -Address 172.24.4.9", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("ApplianceConnected,VirtualLan.Commands.ConnectVlanApplianceCommand", world.Session.InvokeFailing("Connect-VlanAppliance -Namespace c1 -Gateway 172.24.0.1").FullyQualifiedErrorId);
        Assert.Empty(world.Sandbox.Runner.Changes);
        Assert.Equal(before, RobustnessTests.Snapshot(world));

        // With the same settings it is in place: nothing runs.
        world.Session.Invoke("Connect-VlanAppliance -Namespace c1 -Address 172.24.4.2 -Gateway 172.24.0.254 | Out-Null");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Sandbox.Runner.Changes);

        // The plan (what -WhatIf lists) writes the forward's rules again with the new target; -WhatIf changes nothing.
        var whatIf = Commands(world, s => Service(world, s).PlanSet("c1", "172.24.4.9", null, s).Plan);
        Assert.Contains("--to-destination 172.24.4.9:4000", whatIf, StringComparison.Ordinal);
        Assert.Contains("addr del 172.24.4.2/16 dev eth0", whatIf, StringComparison.Ordinal);
        world.Session.Invoke("Set-VlanAppliance c1 -Address 172.24.4.9 -WhatIf");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Sandbox.Runner.Changes);
        Assert.Equal(before, RobustnessTests.Snapshot(world));

        var moved = (Appliance)Assert.Single(world.Session.Invoke("Set-VlanAppliance c1 -Address 172.24.4.9 -PassThru")).BaseObject;
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Equal("172.24.4.9/16", moved.Cidr.ToString());
        Assert.Contains("172.24.4.9/16", Addresses(c1), StringComparison.Ordinal);
        Assert.DoesNotContain("172.24.4.2/", Addresses(c1), StringComparison.Ordinal);
        Assert.Equal("172.24.4.9/16", ((Appliance)Assert.Single(world.Session.Invoke("Get-VlanAppliance c1")).BaseObject).Cidr.ToString());
        var forward = (PortForward)Assert.Single(world.Session.Invoke("Get-VlanPortForward")).BaseObject;
        Assert.Equal("172.24.4.9", forward.InternalAddress.ToString());
        Assert.Equal("c1", forward.Appliance);

        // Traffic: the internet reaches c1 at its new address through the forward, and c1 reaches the internet.
        world.Serve(c1, "tcp", 4000);
        Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, "tcp", Wan, 4000, "moved"), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(c1, World.InternetHost));

        // The old address is free again: c2 may take it, and a Set again to the same values runs nothing.
        world.Sandbox.Runner.Commands.Clear();
        world.Session.Invoke("Set-VlanAppliance c1 -Address 172.24.4.9/16");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Sandbox.Runner.Changes);
        world.Session.Invoke("Set-VlanAppliance c2 -Address 172.24.4.2");
        Assert.Empty(world.Session.Errors);

        // The gateway: the route follows; an address in use is refused and changes nothing.
        world.Session.Invoke("Set-VlanAppliance c1 -Gateway 172.24.0.1");
        Assert.Empty(world.Session.Errors);
        Assert.Contains("default via 172.24.0.1 dev eth0", Kernel.Must("ip", "-n", c1, "route"), StringComparison.Ordinal);
        var taken = RobustnessTests.Snapshot(world);
        Assert.Equal("AddressNotFree,VirtualLan.Commands.SetVlanApplianceCommand", world.Session.InvokeFailing("Set-VlanAppliance c1 -Address 172.24.4.2").FullyQualifiedErrorId);
        Assert.Equal("AddressOutsideSubnet,VirtualLan.Commands.SetVlanApplianceCommand", world.Session.InvokeFailing("Set-VlanAppliance c1 -Gateway 10.0.0.1").FullyQualifiedErrorId);
        Assert.Equal("ApplianceNotFound,VirtualLan.Commands.SetVlanApplianceCommand", world.Session.InvokeFailing("Set-VlanAppliance nosuch -Gateway 172.24.0.1").FullyQualifiedErrorId);
        Assert.Equal(taken, RobustnessTests.Snapshot(world));
    }

    [KernelFact]
    public void Set_VlanAppliance_moves_an_appliance_back_to_the_address_the_host_still_remembers_it_at_but_no_other_one_there()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Connect-VlanAppliance -Namespace c1, c2 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var (c1, c2) = (world.Sandbox.Inner("c1"), world.Sandbox.Inner("c2"));

        // The host has just seen c1 answer at 172.24.4.2: a confirmed neighbour with c1's own MAC.
        Assert.True(Kernel.Ping(world.Sandbox.Name, "172.24.4.2"));
        world.Session.Invoke("Set-VlanAppliance c1 -Address 172.24.4.20");
        world.Session.Invoke("Set-VlanAppliance c1 -Address 172.24.4.2");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Contains("172.24.4.2/16", Addresses(c1), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(c2, "172.24.4.2"));

        // An address the host has seen another machine answer at (no appliance, no record: only the neighbour) stays taken.
        world.PlugNamespace("other", "virtualnet0", "172.24.4.30/16", null);
        Assert.True(Kernel.Ping(world.Sandbox.Name, "172.24.4.30"));
        Assert.Equal("AddressNotFree,VirtualLan.Commands.SetVlanApplianceCommand", world.Session.InvokeFailing("Set-VlanAppliance c1 -Address 172.24.4.30").FullyQualifiedErrorId);
        world.Unplug("other");
    }

    [KernelFact]
    public void Set_VlanBridge_moves_the_host_within_its_LAN_with_the_appliances_that_route_through_it_and_refuses_another_subnet()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null; Connect-VlanAppliance -Namespace c1 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var c1 = world.Sandbox.Inner("c1");
        var before = RobustnessTests.Snapshot(world);

        // Another subnet with an appliance on it, an address in use, a bridge that is not ours: refused, nothing changed.
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "docker0", "type", "bridge");
        var withForeign = RobustnessTests.Snapshot(world);
        Assert.Equal("SubnetInUse,VirtualLan.Commands.SetVlanBridgeCommand", world.Session.InvokeFailing("Set-VlanBridge -Address 172.25.0.1/16").FullyQualifiedErrorId);
        Assert.Equal("AddressNotFree,VirtualLan.Commands.SetVlanBridgeCommand", world.Session.InvokeFailing("Set-VlanBridge -Address 172.24.4.2/16").FullyQualifiedErrorId);
        Assert.Equal("BridgeNotManaged,VirtualLan.Commands.SetVlanBridgeCommand", world.Session.InvokeFailing("Set-VlanBridge docker0 -Mtu 1400").FullyQualifiedErrorId);
        Assert.Equal("InvalidMtu,VirtualLan.Commands.SetVlanBridgeCommand", world.Session.InvokeFailing("Set-VlanBridge -Mtu 10").FullyQualifiedErrorId);
        Assert.Equal(withForeign, RobustnessTests.Snapshot(world));
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "del", "docker0");

        var bridge = (Bridge)Assert.Single(world.Session.Invoke("Set-VlanBridge -Address 172.24.0.2/16 -Mtu 1400 -PassThru")).BaseObject;
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Equal("172.24.0.2/16", bridge.Cidr.ToString());
        Assert.Equal(1400, bridge.Mtu);

        // c1 routed through the host's old address: its gateway followed, and it reaches the host at the new one.
        Assert.Equal("172.24.0.2", ((Appliance)Assert.Single(world.Session.Invoke("Get-VlanAppliance c1")).BaseObject).Gateway!.ToString());
        Assert.Contains("default via 172.24.0.2 dev eth0", Kernel.Must("ip", "-n", c1, "route"), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(c1, "172.24.0.2"));
        Assert.NotEqual(before, RobustnessTests.Snapshot(world));

        // And back: the sandbox is as it was (the MTU aside).
        world.Session.Invoke("Set-VlanBridge -Address 172.24.0.1/16 -Mtu 1500");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(before, RobustnessTests.Snapshot(world));

        // A bare bridge may move to another subnet.
        world.Session.Invoke("Disconnect-VlanAppliance c1; Set-VlanBridge -Address 172.25.0.1/16");
        Assert.Empty(world.Session.Errors);
        Assert.Equal("172.25.0.1/16", ((Bridge)Assert.Single(world.Session.Invoke("Get-VlanBridge virtualnet0")).BaseObject).Cidr.ToString());
    }

    [KernelFact]
    public void Set_VlanAppliance_refuses_a_Docker_network_and_changes_nothing()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "t1", "--network", "docker_custom", image, "sleep", "3600");
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("New-VlanBridge | Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var before = RobustnessTests.Snapshot(world);
            var error = world.Session.InvokeFailing("Set-VlanAppliance docker_custom -Gateway 172.24.0.9");
            Assert.Equal("ApplianceNotSettable,VirtualLan.Commands.SetVlanApplianceCommand", error.FullyQualifiedErrorId);
            Assert.Equal("InvalidOperation", error.CategoryInfo.Category.ToString());
            Assert.Equal(before, RobustnessTests.Snapshot(world));
            world.Session.Invoke("Disconnect-VlanAppliance docker_custom");
            Assert.Empty(world.Session.Errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
        }
    }

    /// <summary>
    /// Every kind with a forward each, disconnected: no forward rule, no namespace made by -Create, no
    /// record alias, and the sandbox as it was before the connect; a given namespace stays.
    /// </summary>
    [KernelFact]
    public void Disconnecting_every_kind_leaves_no_forward_no_created_namespace_no_record_and_the_sandbox_as_before()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "t1", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        docker.Docker("run", "-d", "--name", "solo", "--network", "none", image, "sleep", "3600");
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

            // What exists before the connect: a namespace of the user's, QEMU's own tap, an adapter.
            var given = world.Sandbox.Inner("given");
            Kernel.Must("ip", "netns", "add", given);

            // Connect brings lo up in the appliance (and leaves it up); the user's namespace has it up already.
            Kernel.Must("ip", "-n", given, "link", "set", "lo", "up");
            Kernel.Must("ip", "-n", world.Sandbox.Name, "tuntap", "add", "dev", "qemutap1", "mode", "tap");
            Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "vbox1");
            Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "192.168.56.1/24", "dev", "vboxnet0");
            var before = RobustnessTests.Snapshot(world);

            world.Session.Invoke(
                "Connect-VlanAppliance -Namespace c1 -Create | Out-Null; Connect-VlanAppliance -Namespace given | Out-Null; "
                + "Connect-VlanAppliance -Tap qemutap0 | Out-Null; Connect-VlanAppliance -Tap qemutap1 | Out-Null; Connect-VlanAppliance -Interface vboxnet0 | Out-Null; "
                + "Connect-VlanAppliance -Container solo | Out-Null; Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var appliances = world.Session.Invoke("Get-VlanAppliance").Select(a => (Appliance)a.BaseObject).ToArray();
            Assert.Equal(7, appliances.Length);

            // A forward to every appliance's address; the Docker network's goes to its re-addressed container.
            var targets = appliances.Where(a => a.Address is not null).Select(a => a.Address!.ToString())
                .Append(Kernel.Must("ip", "-n", world.Sandbox.Name, "-o", "link", "show").Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, "caddrs=([0-9.]+)")).First(m => m.Success).Groups[1].Value)
                .ToArray();
            Assert.Equal(7, targets.Length);
            for (var i = 0; i < targets.Length; i++)
            {
                world.Session.Invoke($"Add-VlanPortForward -Address {targets[i]} -ExternalPort {4001 + i} | Out-Null");
            }

            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.Equal(7, world.Session.Invoke("Get-VlanPortForward").Count);

            // -WhatIf names the forwards and lists their rules, and changes nothing.
            var connected = RobustnessTests.Snapshot(world);
            var plan = Service(world, new VirtualLan.Linux.KernelState(world.Sandbox.Runner)).PlanDisconnect("c1", new VirtualLan.Linux.KernelState(world.Sandbox.Runner));
            var port = 4001 + Array.IndexOf(appliances.Select(a => a.Name).ToArray(), "c1");
            Assert.Contains($"with its port forward(s) tcp/{port} ", plan.Title, StringComparison.Ordinal);
            var whatIf = Commands(world, s => Service(world, s).PlanDisconnect("c1", s));
            Assert.Contains($"virtuallan:forward/router/tcp/{port}", whatIf, StringComparison.Ordinal);
            Assert.Contains("netns delete " + world.Sandbox.Inner("c1"), whatIf, StringComparison.Ordinal);
            world.Sandbox.Runner.Commands.Clear();
            world.Session.Invoke("Disconnect-VlanAppliance c1 -WhatIf");
            Assert.Empty(world.Session.Errors);
            Assert.Empty(world.Sandbox.Runner.Changes);
            Assert.Equal(connected, RobustnessTests.Snapshot(world));

            world.Session.Invoke("Get-VlanAppliance | Disconnect-VlanAppliance");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.Empty(world.Session.Invoke("Get-VlanAppliance"));
            Assert.Empty(world.Session.Invoke("Get-VlanPortForward"));
            Assert.DoesNotContain("virtuallan:forward", Kernel.Must("ip", "netns", "exec", world.Sandbox.Inner("router"), "iptables-save"), StringComparison.Ordinal);
            Assert.DoesNotContain(world.Sandbox.Inner("c1"), Kernel.Namespaces());
            Assert.Contains(given, Kernel.Namespaces());
            Assert.DoesNotContain("virtuallan:appliance", Aliases(world), StringComparison.Ordinal);
            // What belongs to the bridge and the router, not to an appliance, stays with them: the
            // bridge's accept rule (made by the first connect, removed by Remove-VlanBridge) and the
            // router's forward chain (made by the first forward).
            static string Ours(string snapshot) => string.Join('\n', snapshot.Split('\n').Where(l => !l.Contains("VLAN-BRIDGES", StringComparison.Ordinal) && !l.Contains("VLAN-PREROUTING", StringComparison.Ordinal)));
            before = Ours(before);
            var after = Ours(RobustnessTests.Snapshot(world));
            Assert.True(
                before == after,
                $"Before:\n{before}\n\nAfter:\n{after}");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
        }
    }

    [KernelFact]
    public void Remove_VlanBridge_Recurse_deletes_the_namespaces_it_made_unless_kept()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Connect-VlanAppliance -Namespace c1, c2 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -KeepNamespace -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Contains(world.Sandbox.Inner("c1"), Kernel.Namespaces());
        Assert.Contains(world.Sandbox.Inner("c2"), Kernel.Namespaces());

        // c1 connected again as the user's namespace (created=0) stays; c3, made by -Create, goes.
        world.Session.Invoke("New-VlanBridge | Connect-VlanAppliance -Namespace c1 | Out-Null; Connect-VlanAppliance -Namespace c3 -Create | Out-Null; Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Contains(world.Sandbox.Inner("c1"), Kernel.Namespaces());
        Assert.DoesNotContain(world.Sandbox.Inner("c3"), Kernel.Namespaces());
    }
}
