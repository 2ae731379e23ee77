using System.Text.RegularExpressions;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 18: guests configure themselves. dnsmasq in the router's namespace (or the host's, with host
/// NAT) hands out addresses by MAC vendor and answers for the LAN's names; proven with busybox udhcpc
/// and nslookup run in namespaces whose veths carry forced MACs.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class DhcpTests
{
    private const string Router = "$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false; $router | Connect-VlanAppliance -Namespace c1 -Create | Out-Null";

    /// <summary>The udhcpc script: applies the lease with ip and prints what it got.</summary>
    private const string Script = "#!/bin/sh\nif [ \"$1\" = bound ]; then\n  echo \"ip=$ip mask=$mask router=$router dns=$dns domain=$domain search=$search mtu=$mtu\"\n  ip addr add \"$ip/$mask\" dev \"$interface\"\nfi\nexit 0\n";

    [KernelFact]
    public void Guests_get_addresses_by_MAC_vendor_and_resolve_the_LANs_names_from_dnsmasq_in_the_router()
    {
        using var world = new World();
        using var script = new ScriptFile();
        world.Session.Invoke(Router);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

        // -WhatIf shows the configuration and the command line, and starts nothing.
        world.Session.Invoke("$router | Enable-VlanDhcp -WhatIf");
        var preview = string.Join("\n", world.Session.Host.Lines);
        Assert.Contains("bind-interfaces", preview, StringComparison.Ordinal);
        Assert.Contains("--conf-file=/run/virtuallan-" + world.Sandbox.Name + ".router-dnsmasq.virtualnet0/dnsmasq.conf", preview, StringComparison.Ordinal);
        Assert.DoesNotContain(Kernel.Must("ps", "-eo", "args").Split('\n'), l => l.StartsWith("dnsmasq", StringComparison.Ordinal) && l.Contains(world.Sandbox.Name, StringComparison.Ordinal));

        var server = (DhcpServer)Assert.Single(world.Session.Invoke("$router | Enable-VlanDhcp -LeaseTime 00:10:00")).BaseObject;
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.NotNull(server.ProcessId);
        Assert.Equal(world.Sandbox.Inner("router"), server.Namespace);
        Assert.Equal("lan0", server.Interface);
        Assert.Equal("172.24.0.254", server.ServerAddress.ToString());
        var folder = server.Folder;
        Assert.Equal("700", Kernel.Must("stat", "-c", "%a", folder).Trim());
        var topology = (Topology)Assert.Single(world.Session.Invoke("Get-VlanTopology")).BaseObject;
        Assert.Equal(new[] { "DHCP, DNS .lan on lan0" }, topology.Node("router:router")!.Services);

        // Again: nothing to do.
        world.Sandbox.Runner.Commands.Clear();
        world.Session.Invoke("$router | Enable-VlanDhcp -LeaseTime 00:10:00 | Out-Null");
        Assert.Empty(world.Sandbox.Runner.Changes);

        var qemu = Lease(world, script, "g1", "52:54:00:aa:bb:01");
        var vbox = Lease(world, script, "g2", "08:00:27:aa:bb:02");
        var other = Lease(world, script, "g3", "02:11:22:aa:bb:03");
        Assert.Matches(@"^ip=172\.24\.2\.(1[3-9][0-9]|12[89]|2[0-5][0-9]) mask=16 router=172\.24\.0\.254 dns=172\.24\.0\.254 domain=lan ", qemu);
        Assert.Matches(@"^ip=172\.24\.3\.(1[3-9][0-9]|12[89]|2[0-5][0-9]) mask=16 router=172\.24\.0\.254 ", vbox);
        Assert.Matches(@"^ip=172\.24\.5\.\d+ mask=16 router=172\.24\.0\.254 ", other);

        // Names: the appliance, a guest by the name it sent, the router; traffic by name.
        Assert.Contains("172.24.4.2", Resolve(world, "g3", "c1.lan"), StringComparison.Ordinal);
        var g1 = Regex.Match(qemu, @"ip=(\S+)").Groups[1].Value;
        Assert.Contains(g1, Resolve(world, "g3", "g1.lan"), StringComparison.Ordinal);
        Assert.Contains("172.24.0.254", Resolve(world, "g3", "router.lan"), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(world.Sandbox.Inner("g3"), "c1.lan") || Kernel.Run(Kernel.In(world.Sandbox.Inner("g3"), Kernel.Busybox, "ping", "-c1", "-W2", Resolve(world, "g3", "c1.lan").Split('\n').Last(l => l.Contains("172.24.", StringComparison.Ordinal)).Split(' ').Last(a => a.StartsWith("172.24.", StringComparison.Ordinal)))).ExitCode == 0, "g3 could not ping c1 by name.");

        // Nothing of ours listens in the host's namespace.
        var hostSockets = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "ss", "-lunpH");
        Assert.DoesNotContain("dnsmasq", hostSockets, StringComparison.Ordinal);

        // The leases: three guests, and c1's static one.
        var leases = world.Session.Invoke("Get-VlanDhcpLease").Select(l => (DhcpLease)l.BaseObject).ToArray();
        Assert.Equal(3, leases.Count(l => !l.IsStatic));
        Assert.Contains(leases, l => l.IsStatic && l.Address.ToString() == "172.24.4.2");

        // A new appliance gets its name without dnsmasq restarting.
        world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c2 -Create | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Contains("172.24.4.3", Resolve(world, "g3", "c2.lan"), StringComparison.Ordinal);
        var again = (DhcpServer)Assert.Single(world.Session.Invoke("Get-VlanDhcp")).BaseObject;
        Assert.Equal(server.ProcessId, again.ProcessId);
        world.Session.Invoke("Disconnect-VlanAppliance c2");
        Assert.DoesNotContain("172.24.4.3", Resolve(world, "g3", "c2.lan"), StringComparison.Ordinal);

        // Disable leaves no process, file or rule.
        world.Session.Invoke("$router | Disable-VlanDhcp");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.DoesNotContain(folder, Kernel.Must("ps", "-eo", "args"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder), folder + " is still there.");
        Assert.DoesNotContain("virtuallan:dhcp", Kernel.Must("ip", "netns", "exec", world.Sandbox.Inner("router"), "iptables-save"), StringComparison.Ordinal);
        Assert.Empty(world.Session.Invoke("Get-VlanDhcp"));
    }

    [KernelFact]
    public void A_QEMU_guest_gets_its_taps_address_by_DHCP_and_resolves_a_namespace_appliance_by_name()
    {
        using var world = new World();
        world.Session.Invoke(Router);
        var tap = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Tap qemutap0")).BaseObject;
        world.Session.Invoke("$router | Enable-VlanDhcp | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

        // The guest's init runs udhcpc with the MAC the tap's QemuArguments carry, then nslookup c1.lan at the DNS server it got, and pings the answer.
        using var guest = new QemuVm(world.Sandbox.Name, "qemutap0", tap.MacAddress!, "dhcp", null, resolve: "c1.lan");
        Assert.Equal(tap.Address!.ToString(), guest.Address);
        Assert.Contains($"VLAN-DHCP ip={tap.Address} router=172.24.0.254 dns=172.24.0.254 domain=lan", guest.Console, StringComparison.Ordinal);
        Assert.True(guest.Console.Contains("VLAN-RESOLVE-OK c1.lan 172.24.4.2", StringComparison.Ordinal), "The guest did not resolve and ping c1.lan:\n" + guest.Console[^Math.Min(1500, guest.Console.Length)..]);

        // And the LAN finds the VM by its appliance's name.
        Assert.Contains(tap.Address.ToString(), Resolve(world, "c1", "qemutap0.lan"), StringComparison.Ordinal);
        Assert.True(Kernel.Ping(world.Sandbox.Inner("c1"), tap.Address.ToString()), "c1 could not ping the VM.");
    }

    [KernelFact]
    public void With_host_NAT_dnsmasq_listens_on_the_bridge_only()
    {
        using var world = new World();
        using var script = new ScriptFile();
        world.Session.Invoke("New-VlanBridge | Enable-VlanHostNat -Uplink uplink0 | Out-Null; Connect-VlanAppliance -Namespace c1 -Create | Out-Null");
        var server = (DhcpServer)Assert.Single(world.Session.Invoke("Enable-VlanDhcp -Domain lab.example")).BaseObject;
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Null(server.Router);
        Assert.Equal("virtualnet0", server.Interface);
        Assert.Contains("DHCP, DNS .lab.example on virtualnet0", (string)Assert.Single(world.Session.Invoke("Export-VlanDiagram")).BaseObject, StringComparison.Ordinal);

        var other = Lease(world, script, "g3", "02:11:22:aa:bb:03");
        Assert.Matches(@"^ip=172\.24\.5\.\d+ mask=16 router=172\.24\.0\.1 dns=172\.24\.0\.1 domain=lab\.example ", other);
        Assert.Contains("172.24.4.2", Resolve(world, "g3", "c1.lab.example", "172.24.0.1"), StringComparison.Ordinal);

        // Every socket of dnsmasq is bound to the bridge: DNS to its addresses (IPv4, and its IPv6 link-local one), DHCP to the device.
        var ours = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "ss", "-lntupH").Split('\n').Where(l => l.Contains("dnsmasq", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(ours);
        Assert.All(ours, l => Assert.Matches(@"\s(172\.24\.0\.1:53|\[fe80::[0-9a-f:]+\]%virtualnet0:53|0\.0\.0\.0%virtualnet0:67)\s", l));

        // The bridge is in use by its DHCP server; -Recurse takes the server with it.
        var inUse = world.Session.InvokeFailing("Remove-VlanBridge virtualnet0 -Confirm:$false");
        Assert.True(inUse.FullyQualifiedErrorId == "BridgeInUse,VirtualLan.Commands.RemoveVlanBridgeCommand", inUse.Exception.ToString());
        Assert.Contains("its DHCP server", inUse.Exception.Message, StringComparison.Ordinal);
        world.Session.Invoke("Disable-VlanDhcp");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.False(Directory.Exists(server.Folder));
        world.Session.Invoke("Enable-VlanDhcp | Out-Null; Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.False(Directory.Exists(server.Folder));
        Assert.DoesNotContain("dnsmasq", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "ss", "-lntupH"), StringComparison.Ordinal);
    }

    [KernelFact]
    public void Exit_VlanSandbox_stops_the_LANs_dnsmasq_and_deletes_its_folder()
    {
        using var world = new World();
        world.Session.Invoke(Router + "; Enable-VlanDhcp | Out-Null; New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Enable-VlanDhcp | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var folders = Directory.EnumerateDirectories("/run", $"virtuallan-{world.Sandbox.Name}*-dnsmasq.*").ToArray();
        Assert.Equal(2, folders.Length);

        world.Session.Invoke("Exit-VlanSandbox -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.All(folders, f => Assert.False(Directory.Exists(f), f + " is still there."));
        Assert.DoesNotContain(world.Sandbox.Name, string.Join('\n', Kernel.Must("ps", "-eo", "args").Split('\n').Where(l => l.StartsWith("dnsmasq", StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [KernelFact]
    public void The_configuration_document_carries_the_DHCP_server_and_Sync_starts_it_again()
    {
        using var world = new World();
        var path = Path.Combine(Path.GetTempPath(), $"vlan-dhcp-{Guid.NewGuid():N}.json");
        try
        {
            world.Session.Invoke(Router + "; Enable-VlanDhcp -Domain lab -LeaseTime 00:30:00 | Out-Null; Export-VlanConfiguration -Path $args[0]", path);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var json = File.ReadAllText(path);
            Assert.Contains("\"dhcp\"", json, StringComparison.Ordinal);
            Assert.Contains("\"domain\": \"lab\"", json, StringComparison.Ordinal);
            Assert.Contains("\"leaseSeconds\": 1800", json, StringComparison.Ordinal);
            Assert.True(((ConfigurationTestResult)Assert.Single(world.Session.Invoke("Test-VlanConfiguration $args[0]", path)).BaseObject).InDesiredState);

            world.Session.Invoke("Disable-VlanDhcp");
            var drift = (ConfigurationTestResult)Assert.Single(world.Session.Invoke("Test-VlanConfiguration $args[0]", path)).BaseObject;
            Assert.Contains(drift.Drift, d => d.Kind == "DHCP" && d.Name == "virtualnet0");

            world.Session.Invoke("Sync-VlanConfiguration $args[0] -Confirm:$false | Out-Null", path);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var server = (DhcpServer)Assert.Single(world.Session.Invoke("Get-VlanDhcp")).BaseObject;
            Assert.Equal(("lab", TimeSpan.FromMinutes(30), true), (server.Domain, server.LeaseTime, server.Running));
            Assert.Contains("172.24.4.2", Kernel.Run(Kernel.In(world.Sandbox.Inner("c1"), Kernel.Busybox, "nslookup", "c1.lab", "172.24.0.254")).Output, StringComparison.Ordinal);
            Assert.True(((ConfigurationTestResult)Assert.Single(world.Session.Invoke("Test-VlanConfiguration $args[0]", path)).BaseObject).InDesiredState);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [KernelFact]
    public void Bad_ranges_and_a_taken_port_are_refused_and_leave_nothing()
    {
        using var world = new World();
        world.Session.Invoke(Router);
        var before = RobustnessTests.Snapshot(world);

        var outside = world.Session.InvokeFailing("Enable-VlanDhcp -Range 10.9.0.2-10.9.0.20");
        Assert.Equal("DhcpRangeInvalid,VirtualLan.Commands.EnableVlanDhcpCommand", outside.FullyQualifiedErrorId);
        var overlapping = world.Session.InvokeFailing("Enable-VlanDhcp -Range 172.24.2.200-172.24.3.10");
        Assert.Equal("DhcpRangeInvalid,VirtualLan.Commands.EnableVlanDhcpCommand", overlapping.FullyQualifiedErrorId);
        Assert.Contains("QEMU", overlapping.Exception.Message, StringComparison.Ordinal);

        // Someone else's DNS server on the router's LAN address: dnsmasq says so, and everything is undone.
        world.Serve(world.Sandbox.Inner("router"), "udp", 53, bind: "172.24.0.254");
        var taken = world.Session.InvokeFailing("Enable-VlanDhcp");
        Assert.Equal("DhcpPortInUse,VirtualLan.Commands.EnableVlanDhcpCommand", taken.FullyQualifiedErrorId);
        Assert.Contains("dnsmasq said: \"", taken.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, RobustnessTests.Snapshot(world));
        Assert.Empty(Directory.EnumerateDirectories("/run", $"virtuallan-{world.Sandbox.Name}*dnsmasq*"));
    }

    [KernelFact]
    public void A_failure_at_every_step_of_enable_and_disable_leaves_the_sandbox_as_it_was()
    {
        using var world = new World();
        world.Session.Invoke(Router);
        string Snapshot() => RobustnessTests.Snapshot(world) + "\n" + string.Join(',', Directory.EnumerateFileSystemEntries("/run", $"virtuallan-{world.Sandbox.Name}*dnsmasq*").SelectMany(d => Directory.EnumerateFiles(d).Where(f => !f.EndsWith("/leases", StringComparison.Ordinal) && !f.EndsWith(".log", StringComparison.Ordinal)).Prepend(d)).Order(StringComparer.Ordinal))
            + "\ndnsmasq=" + Kernel.Must("ps", "-eo", "args").Split('\n').Count(l => l.StartsWith("dnsmasq", StringComparison.Ordinal) && l.Contains(world.Sandbox.Name, StringComparison.Ordinal));
        RobustnessTests.AssertRollbackAtEveryStep(world, "enable", "Enable-VlanDhcp", Snapshot, minimumFailed: 5, failedId: "DhcpServerFailed");
        RobustnessTests.AssertRollbackAtEveryStep(world, "disable", "Disable-VlanDhcp", Snapshot, minimumFailed: 3);
    }

    private static string Lease(World world, ScriptFile script, string name, string mac)
    {
        var ns = world.Sandbox.Inner(name);
        Kernel.Must("ip", "netns", "add", ns);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "v" + name, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "v" + name, "master", "virtualnet0", "up");
        Kernel.Must("ip", "-n", ns, "link", "set", "eth0", "address", mac, "up");
        Kernel.Must("ip", "-n", ns, "link", "set", "lo", "up");
        // Packets sent before the kernel has activated the link (linkwatch) are dropped: wait until both ends are up and the port forwards.
        for (var i = 0; i < 40 && !(Kernel.Must("ip", "-n", ns, "link", "show", "eth0").Contains("state UP", StringComparison.Ordinal)
            && Kernel.Must("bridge", "-n", world.Sandbox.Name, "link", "show", "dev", "v" + name).Contains("state forwarding", StringComparison.Ordinal)); i++)
        {
            Thread.Sleep(50);
        }

        var (code, output, error) = Kernel.Run(Kernel.In(ns, Kernel.Busybox, "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "8", "-T", "1", "-x", "hostname:" + name, "-s", script.Path));
        Assert.True(code == 0, $"udhcpc in {name} got no lease: {output} {error}\n" + string.Join('\n', Directory.EnumerateFiles("/run", "dnsmasq.log", SearchOption.AllDirectories).Where(f => f.Contains(world.Sandbox.Name, StringComparison.Ordinal)).Select(File.ReadAllText)) + Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save") + Kernel.Must("bridge", "-n", world.Sandbox.Name, "link", "show") + Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-a", "--pattern", "bridge|rp_filter"));
        return output.Split('\n').Single(l => l.StartsWith("ip=", StringComparison.Ordinal));
    }

    private static string Resolve(World world, string from, string name, string server = "172.24.0.254") =>
        Kernel.Run(Kernel.In(world.Sandbox.Inner(from), Kernel.Busybox, "nslookup", name, server)).Output;

    private sealed class ScriptFile : IDisposable
    {
        public ScriptFile()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vlan-udhcpc-{Guid.NewGuid():N}.sh");
            File.WriteAllText(Path, Script);
            Kernel.Must("chmod", "0700", Path);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
