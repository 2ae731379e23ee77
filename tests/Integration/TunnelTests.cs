namespace VirtualLan.Tests.Integration;

/// <summary>
/// One LAN across two hosts: two sandboxes joined by the simulated internet's WAN (198.51.100.0/24),
/// host A with the bridge, the router (on A's uplink) and two appliances, host B with its own bridge,
/// no router and two appliances, and a VXLAN tunnel between the bridges. Proved with traffic.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class TunnelTests
{
    private const string HostA = "198.51.100.2";
    private const string HostB = "198.51.100.3";

    /// <summary>Puts host B on the internet namespace's WAN beside host A: a bridge there holds both veths.</summary>
    private static TestSandbox JoinHostB(World world)
    {
        var b = new TestSandbox();
        var inet = world.Internet;
        Kernel.Must("ip", "-n", inet, "link", "add", "wan", "type", "bridge");
        Kernel.Must("ip", "-n", inet, "addr", "del", World.WanGateway + "/24", "dev", "wan0");
        Kernel.Must("ip", "-n", inet, "link", "set", "wan0", "master", "wan");
        Kernel.Must("ip", "-n", b.Name, "link", "add", World.Uplink, "type", "veth", "peer", "name", "wan1", "netns", inet);
        Kernel.Must("ip", "-n", inet, "link", "set", "wan1", "master", "wan", "up");
        Kernel.Must("ip", "-n", inet, "addr", "add", World.WanGateway + "/24", "dev", "wan");
        Kernel.Must("ip", "-n", inet, "link", "set", "wan", "up");
        Kernel.Must("ip", "-n", b.Name, "addr", "add", HostB + "/24", "dev", World.Uplink);
        Kernel.Must("ip", "-n", b.Name, "link", "set", World.Uplink, "up");
        Kernel.Must("ip", "-n", b.Name, "route", "add", "default", "via", World.WanGateway);
        b.Runner.Commands.Clear();
        return b;
    }

    private static Appliance Connect(PowerShellSession session, string command)
    {
        var appliance = (Appliance)Assert.Single(session.Invoke(command)).BaseObject;
        Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
        return appliance;
    }

    private static string Mtu(string ns, string link) =>
        System.Text.RegularExpressions.Regex.Match(Kernel.Must("ip", "-n", ns, "link", "show", "dev", link), @" mtu (\d+)").Groups[1].Value;

    private static (int Code, string Output) DfPing(string ns, string address, int size)
    {
        var (code, output, error) = Kernel.Run(Kernel.In(ns, "ping", "-M", "do", "-c", "1", "-W", "2", "-s", size.ToString(System.Globalization.CultureInfo.InvariantCulture), address));
        return (code, output + error);
    }

    [KernelFact]
    public void Two_hosts_share_one_LAN_one_router_and_its_forwards_and_removal_leaves_nothing()
    {
        using var world = new World();
        using var b = JoinHostB(world);
        var a = world.Session;
        a.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        var a1 = Connect(a, "Connect-VlanAppliance -Namespace a1 -Create");
        var a2 = Connect(a, "Connect-VlanAppliance -Namespace a2 -Create");
        var routerNs = world.Sandbox.Inner("router");
        var beforeA = RobustnessTests.Snapshot(world);

        // Errors first: each refused with its id, nothing changed.
        foreach (var (command, id) in new[]
        {
            ("Add-VlanTunnel -Peer 198.51.100.3 -Vni 0", "TunnelVniInvalid"),
            ("Add-VlanTunnel -Peer 198.51.100.3 -Vni 16777216", "TunnelVniInvalid"),
            ("Add-VlanTunnel -Peer 224.0.0.5 -Vni 4242", "TunnelPeerInvalid"),
            ("Add-VlanTunnel -Peer 198.51.100.0/24 -Vni 4242", "TunnelPeerInvalid"),
            ("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242", "TunnelPeerInvalid"),
            ("Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242 -Local 10.9.9.9", "TunnelLocalInvalid"),
        })
        {
            var error = a.InvokeFailing(command);
            Assert.Equal(id + ",VirtualLan.Commands.AddVlanTunnelCommand", error.FullyQualifiedErrorId);
        }

        Assert.Equal(beforeA, RobustnessTests.Snapshot(world));

        var tunnelA = (Tunnel)Assert.Single(a.Invoke("Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242")).BaseObject;
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        Assert.Equal(("virtualnet0", 4242, 4789, HostA, 1450, "vx4242", "router"), (tunnelA.Bridge, tunnelA.Vni, tunnelA.Port, tunnelA.Local.ToString(), tunnelA.Mtu, tunnelA.Device, tunnelA.Router));
        Assert.Equal(HostB, Assert.Single(tunnelA.Peers).ToString());

        // The device lives beside the bridge; its socket in the router, whose firewall lets the peer in.
        Assert.Contains("master virtualnet0", Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "show", "dev", "vx4242"), StringComparison.Ordinal);
        Assert.Contains("4789", Kernel.Must("ip", "netns", "exec", routerNs, "ss", "-Huln"), StringComparison.Ordinal);
        Assert.DoesNotContain(":4789", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "ss", "-Huln"), StringComparison.Ordinal);
        Assert.Contains("-A VLAN-INPUT -s 198.51.100.3/32 -i uplink0 -p udp -m udp --dport 4789 -m comment --comment \"virtuallan:tunnel/vx4242\" -j ACCEPT", Kernel.Must("ip", "netns", "exec", routerNs, "iptables-save"), StringComparison.Ordinal);
        Assert.Contains("dst 198.51.100.3", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "bridge", "fdb", "show", "dev", "vx4242"), StringComparison.Ordinal);
        foreach (var (ns, link) in new[] { (world.Sandbox.Name, "virtualnet0"), (world.Sandbox.Name, "vl-a1"), (a1.Namespace!, "eth0"), (a2.Namespace!, "eth0"), (routerNs, "lan0") })
        {
            Assert.True(Mtu(ns, link) == "1450", $"{ns} {link} has the MTU {Mtu(ns, link)}, not 1450");
        }

        // Host B: no router; a port taken and an underlay too small are refused.
        // A program holding the port (answering whatever A floods to it meanwhile).
        var holder = world.Serve(b.Name, "udp", 4789, count: 1000000);
        b.Session.Invoke("New-VlanBridge -Address 172.24.0.2/16 | Out-Null");
        var taken = b.Session.InvokeFailing("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242 -HostIndex 1");
        Assert.Equal("TunnelPortInUse,VirtualLan.Commands.AddVlanTunnelCommand", taken.FullyQualifiedErrorId);
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();
        Kernel.Must("ip", "-n", b.Name, "link", "set", "dev", World.Uplink, "mtu", "600");
        Assert.Equal("TunnelMtuTooSmall,VirtualLan.Commands.AddVlanTunnelCommand", b.Session.InvokeFailing("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242 -HostIndex 1").FullyQualifiedErrorId);
        Kernel.Must("ip", "-n", b.Name, "link", "set", "dev", World.Uplink, "mtu", "1500");
        Assert.Null(Kernel.Run("ip", "-n", b.Name, "link", "show", "dev", "vx4242").ExitCode == 0 ? "vx4242 was left" : null);

        var tunnelB = (Tunnel)Assert.Single(b.Session.Invoke("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242 -HostIndex 1")).BaseObject;
        Assert.True(b.Session.Errors.Count == 0, string.Join("\n", b.Session.Errors));
        Assert.Equal((HostB, 1450, (string?)null), (tunnelB.Local.ToString(), tunnelB.Mtu, tunnelB.Router));
        Assert.Equal("TunnelExists,VirtualLan.Commands.AddVlanTunnelCommand", b.Session.InvokeFailing("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242").FullyQualifiedErrorId);

        // B's appliances use A's router as their gateway and take addresses from B's quarter of the pool.
        var b1 = Connect(b.Session, "Connect-VlanAppliance -Namespace b1 -Create -Gateway 172.24.0.254");
        var b2 = Connect(b.Session, "Connect-VlanAppliance -Namespace b2 -Create -Gateway 172.24.0.254");
        Assert.Equal(("172.24.4.2", "172.24.4.3"), (a1.Address!.ToString(), a2.Address!.ToString()));
        Assert.Equal(("172.24.4.65", "172.24.4.66"), (b1.Address!.ToString(), b2.Address!.ToString()));
        Assert.Equal("1450", Mtu(b1.Namespace!, "eth0"));

        // Full mesh across the hosts, the router, and the internet through A's router from B.
        var everyone = new[] { a1, a2, b1, b2 };
        foreach (var from in everyone)
        {
            foreach (var to in everyone.Where(x => x != from).Select(x => x.Address!.ToString()).Append("172.24.0.254").Append(World.InternetHost))
            {
                Assert.True(Kernel.Ping(from.Namespace!, to), $"{from.Name} could not ping {to}.");
            }
        }

        // A TCP exchange across the tunnel, both ways.
        world.Serve(b1.Namespace!, "tcp", 8080);
        Assert.StartsWith("peer=172.24.4.2:", World.Send(a1.Namespace!, "tcp", "172.24.4.65", 8080, "hi"), StringComparison.Ordinal);
        world.Serve(a2.Namespace!, "tcp", 8080);
        Assert.StartsWith("peer=172.24.4.66:", World.Send(b2.Namespace!, "tcp", "172.24.4.3", 8080, "hi"), StringComparison.Ordinal);

        // The largest packet the path carries passes with DF set; one byte more is refused where it is sent, not lost.
        Assert.Equal(0, DfPing(b1.Namespace!, "172.24.4.2", 1450 - 28).Code);
        Assert.Equal(0, DfPing(b1.Namespace!, World.InternetHost, 1450 - 28).Code);
        var tooBig = DfPing(b1.Namespace!, "172.24.4.2", 1450 - 27);
        Assert.NotEqual(0, tooBig.Code);
        Assert.Contains("mtu=1450", tooBig.Output, StringComparison.Ordinal);

        // A port forward on A's router to an appliance on B, from the internet.
        a.Invoke("Add-VlanPortForward -Address 172.24.4.65 -ExternalPort 4000 -InternalPort 9000 | Out-Null");
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        world.Serve(b1.Namespace!, "tcp", 9000);
        Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, "tcp", HostA, 4000, "hi"), StringComparison.Ordinal);

        // Peers added and removed later: the record, the flood list and the router's rule follow.
        var more = (Tunnel)Assert.Single(a.Invoke("Add-VlanTunnelPeer -Peer 198.51.100.9")).BaseObject;
        Assert.Equal([HostB, "198.51.100.9"], more.Peers.Select(p => p.ToString()));
        Assert.Contains("-s 198.51.100.9/32", Kernel.Must("ip", "netns", "exec", routerNs, "iptables-save"), StringComparison.Ordinal);
        Assert.Equal([HostB, "198.51.100.9"], a.CompleteTexts("Remove-VlanTunnelPeer "));
        Assert.Equal("TunnelExists,VirtualLan.Commands.AddVlanTunnelPeerCommand", a.InvokeFailing("Add-VlanTunnelPeer -Peer 198.51.100.9").FullyQualifiedErrorId);
        var fewer = (Tunnel)Assert.Single(a.Invoke("Remove-VlanTunnelPeer -Peer 198.51.100.9")).BaseObject;
        Assert.Equal([HostB], fewer.Peers.Select(p => p.ToString()));
        Assert.DoesNotContain("198.51.100.9", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "bridge", "fdb", "show", "dev", "vx4242"), StringComparison.Ordinal);
        var set = (Tunnel)Assert.Single(a.Invoke("Get-VlanTunnel | Set-VlanTunnel -Peer 198.51.100.8, 198.51.100.3")).BaseObject;
        Assert.Equal([HostB, "198.51.100.8"], set.Peers.Select(p => p.ToString()));
        world.Sandbox.Runner.Commands.Clear();
        a.Invoke("Set-VlanTunnel -Peer 198.51.100.3, 198.51.100.8 | Out-Null");
        Assert.Empty(world.Sandbox.Runner.Changes);
        a.Invoke("Set-VlanTunnel -Peer 198.51.100.3 | Out-Null");
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        Assert.DoesNotContain("198.51.100.8", Kernel.Must("ip", "netns", "exec", routerNs, "iptables-save"), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(b1.Namespace!, "172.24.4.2"), "b1 lost a1 after the peers changed.");

        // The topology shows the tunnel: host B as a peer, joined to A's bridge.
        var topology = (Topology)Assert.Single(a.Invoke("Get-VlanTopology")).BaseObject;
        Assert.Contains(topology.Edges, e => e.Kind == TopologyEdgeKind.Tunnel && e.From == "peer:" + HostB && e.To == "bridge:virtualnet0" && e.Mtu == 1450);

        // Remove on both: the tunnels, the rules and the MTUs go back.
        a.Invoke("Remove-VlanPortForward -Router router -ExternalPort 4000 -Confirm:$false");
        a.Invoke("Remove-VlanTunnel -Confirm:$false");
        b.Session.Invoke("Get-VlanTunnel | Remove-VlanTunnel -Confirm:$false");
        Assert.True(a.Errors.Count == 0 && b.Session.Errors.Count == 0, string.Join("\n", a.Errors.Concat(b.Session.Errors)));
        // The forward's chain stays once made (Remove-VlanPortForward keeps VLAN-PREROUTING and its hook).
        static string WithoutForwardChain(string snapshot) => string.Join('\n', snapshot.Split('\n').Where(l => !l.Contains("VLAN-PREROUTING", StringComparison.Ordinal)));
        Assert.Equal(WithoutForwardChain(beforeA), WithoutForwardChain(RobustnessTests.Snapshot(world)));
        Assert.DoesNotContain("vx4242", Kernel.Snapshot(b.Name), StringComparison.Ordinal);
        Assert.Equal("1500", Mtu(b.Name, "virtualnet0"));
        Assert.Equal("1500", Mtu(b1.Namespace!, "eth0"));
        Assert.DoesNotContain("virtuallan:tunnel", Kernel.Must("ip", "netns", "exec", routerNs, "iptables-save"), StringComparison.Ordinal);
        Assert.False(Kernel.Ping(b1.Namespace!, "172.24.4.2"), "b1 still reached a1 after the tunnels were removed.");
        Assert.Empty(a.Invoke("Get-VlanTunnel"));
        Assert.Equal("TunnelNotFound,VirtualLan.Commands.RemoveVlanTunnelCommand", b.Session.InvokeFailing("Remove-VlanTunnel -Confirm:$false").FullyQualifiedErrorId);
    }

    [KernelFact]
    public void A_failure_at_every_step_of_adding_changing_and_removing_a_tunnel_is_rolled_back()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null; Connect-VlanAppliance -Namespace a1 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel on a router's uplink", "Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242", () => RobustnessTests.Snapshot(world));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel peers", "Add-VlanTunnelPeer -Peer 198.51.100.7, 198.51.100.8", () => RobustnessTests.Snapshot(world));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel peers set", "Set-VlanTunnel -Peer 198.51.100.3, 198.51.100.9", () => RobustnessTests.Snapshot(world));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel removal", "Remove-VlanTunnel", () => RobustnessTests.Snapshot(world), minimumFailed: 1);
    }

    [KernelFact]
    public void A_failure_at_every_step_of_a_tunnel_without_a_router_is_rolled_back()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null; Connect-VlanAppliance -Namespace a1 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel on the host's uplink", "Add-VlanTunnel -Peer 198.51.100.3 -Vni 77", () => RobustnessTests.Snapshot(world));
        RobustnessTests.AssertRollbackAtEveryStep(world, "tunnel removal", "Remove-VlanTunnel", () => RobustnessTests.Snapshot(world), minimumFailed: 1);
    }

    [KernelFact]
    public void A_peer_no_route_leads_to_is_refused_as_unreachable_and_changes_nothing()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

        // The underlay loses its way out: only 198.51.100.0/24 is reachable from the host.
        Kernel.Must("ip", "-n", world.Sandbox.Name, "route", "del", "default");
        var before = RobustnessTests.Snapshot(world);
        world.Sandbox.Runner.Commands.Clear();
        var error = world.Session.InvokeFailing("Add-VlanTunnel -Peer 203.0.113.50 -Vni 4242 -Local 198.51.100.2");
        Assert.Equal("TunnelPeerInvalid,VirtualLan.Commands.AddVlanTunnelCommand", error.FullyQualifiedErrorId);
        Assert.Contains("unreachable", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(world.Sandbox.Runner.Changes);
        Assert.Equal(before, RobustnessTests.Snapshot(world));

        // A peer on the underlay's own network is reachable without it.
        world.Session.Invoke("Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242 | Out-Null; Remove-VlanTunnel -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
    }

    [KernelFact]
    public void The_router_under_a_tunnel_is_kept_and_removing_the_bridge_with_Recurse_takes_the_tunnel()
    {
        using var world = new World();
        var a = world.Session;
        a.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null; Connect-VlanAppliance -Namespace a1 -Create | Out-Null; Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242 | Out-Null");
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        Assert.Equal("BridgeInUse,VirtualLan.Commands.RemoveVlanRouterNamespaceCommand", a.InvokeFailing("Remove-VlanRouterNamespace -Name router -Confirm:$false").FullyQualifiedErrorId);
        Assert.Equal("BridgeInUse,VirtualLan.Commands.RemoveVlanBridgeCommand", a.InvokeFailing("Remove-VlanBridge -Name virtualnet0 -Confirm:$false").FullyQualifiedErrorId);
        Assert.Contains("vx4242", Kernel.Snapshot(world.Sandbox.Name), StringComparison.Ordinal);

        a.Invoke("Remove-VlanBridge -Name virtualnet0 -Recurse -Confirm:$false");
        Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
        Assert.DoesNotContain("vx4242", Kernel.Snapshot(world.Sandbox.Name), StringComparison.Ordinal);
        Assert.Empty(a.Invoke("Get-VlanTunnel"));
    }

    [KernelFact]
    public void The_configuration_document_declares_the_tunnel_and_Sync_puts_it_and_its_peers_back()
    {
        using var world = new World();
        var a = world.Session;
        var document = Path.Combine(Path.GetTempPath(), $"vlan-tunnel-{Guid.NewGuid():N}.json");
        try
        {
            a.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null; Get-VlanBridge virtualnet0 | Add-VlanTunnel -Peer 198.51.100.3, 198.51.100.4 -Vni 4242 -Port 4790 -HostIndex 2 | Out-Null; Connect-VlanAppliance -Namespace a1 -Create | Out-Null");
            Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
            a.Invoke($"Export-VlanConfiguration -Path '{document}'");
            var exported = File.ReadAllText(document);
            Assert.Contains("\"tunnels\"", exported, StringComparison.Ordinal);
            Assert.Contains("\"hostIndex\": 2", exported, StringComparison.Ordinal);
            Assert.Contains("\"port\": 4790", exported, StringComparison.Ordinal);
            Assert.DoesNotContain("\"local\"", exported, StringComparison.Ordinal);
            Assert.Equal("172.24.4.128", ((Appliance)Assert.Single(a.Invoke("Get-VlanAppliance a1")).BaseObject).Address!.ToString());
            Assert.True((bool)a.Invoke($"(Test-VlanConfiguration '{document}').InDesiredState").Single().BaseObject);

            // A peer removed by hand, then the whole tunnel: Test finds the drift and Sync puts it back.
            a.Invoke("Remove-VlanTunnelPeer -Peer 198.51.100.4 | Out-Null");
            var drift = (ConfigurationTestResult)Assert.Single(a.Invoke($"Test-VlanConfiguration '{document}'")).BaseObject;
            Assert.Contains(drift.Drift, d => d.Kind == "tunnel" && d.Property == "peers");
            a.Invoke($"Sync-VlanConfiguration '{document}' -Confirm:$false");
            Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
            Assert.Equal(2, ((Tunnel)Assert.Single(a.Invoke("Get-VlanTunnel")).BaseObject).Peers.Count);
            a.Invoke("Remove-VlanTunnel -Confirm:$false");
            a.Invoke($"Sync-VlanConfiguration '{document}' -Confirm:$false");
            Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
            Assert.Equal("1450", System.Text.RegularExpressions.Regex.Match(Kernel.Must("ip", "-n", world.Sandbox.Inner("a1"), "link", "show", "dev", "eth0"), @" mtu (\d+)").Groups[1].Value);
            Assert.True((bool)a.Invoke($"(Test-VlanConfiguration '{document}').InDesiredState").Single().BaseObject);
            var again = Path.ChangeExtension(document, ".again.json");
            a.Invoke($"Export-VlanConfiguration -Path '{again}'");
            Assert.Equal(exported, File.ReadAllText(again));
            File.Delete(again);

            // Undeclared, with -Prune: removed.
            File.WriteAllText(document, exported.Replace("\"tunnels\"", "\"unused\"", StringComparison.Ordinal).Split("\"unused\"")[0].TrimEnd().TrimEnd(',') + "\n}\n");
            a.Invoke($"Sync-VlanConfiguration '{document}' -Prune -Confirm:$false");
            Assert.True(a.Errors.Count == 0, string.Join("\n", a.Errors));
            Assert.Empty(a.Invoke("Get-VlanTunnel"));
        }
        finally
        {
            File.Delete(document);
        }
    }

    [KernelFact]
    public void A_Docker_container_on_host_B_takes_the_tunnels_MTU_and_reaches_host_A_and_the_internet_through_As_router()
    {
        using var world = new World();
        using var b = JoinHostB(world);
        using var docker = new DockerEngine(b.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("run", "-d", "--name", "tester", "--network", "none", image, "sleep", "3600");
        var tester = $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "tester").Trim()}/ns/net";
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null; Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242 | Out-Null");
            var a1 = Connect(world.Session, "Connect-VlanAppliance -Namespace a1 -Create");

            // Connected before the tunnel: Add-VlanTunnel lowers the container's own interface too.
            b.Session.Invoke("New-VlanBridge -Address 172.24.0.2/16 | Out-Null");
            var container = Connect(b.Session, "Connect-VlanAppliance -Container tester -Gateway 172.24.0.254");
            b.Session.Invoke("Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242 -HostIndex 1 | Out-Null");
            Assert.True(b.Session.Errors.Count == 0, string.Join("\n", b.Session.Errors));
            Assert.Contains(" mtu 1450 ", Kernel.Must("nsenter", "--net=" + tester, "ip", "link", "show", "dev", container.Interface!), StringComparison.Ordinal);

            Assert.True(Kernel.Ping(tester, a1.Address!.ToString()), "The container on B could not reach a1 on A.");
            Assert.True(Kernel.Ping(tester, World.InternetHost), "The container on B could not reach the internet through A's router.");
            Assert.Equal(0, DfPing(tester, World.InternetHost, 1422).Code);
            Assert.Contains("mtu=1450", DfPing(tester, World.InternetHost, 1423).Output, StringComparison.Ordinal);

            b.Session.Invoke("Remove-VlanTunnel -Confirm:$false");
            Assert.True(b.Session.Errors.Count == 0, string.Join("\n", b.Session.Errors));
            Assert.Contains(" mtu 1500 ", Kernel.Must("nsenter", "--net=" + tester, "ip", "link", "show", "dev", container.Interface!), StringComparison.Ordinal);
            b.Session.Invoke("Get-VlanAppliance | Disconnect-VlanAppliance");
            Assert.True(b.Session.Errors.Count == 0, string.Join("\n", b.Session.Errors));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
        }
    }
}
