using System.Management.Automation;

namespace VirtualLan.Tests.Integration;

/// <summary>Get-VlanIptablesTrace over the whole LAN: one path per packet across namespaces, and the kernel's own drop reasons.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class LanTraceTests
{
    private static readonly string NetProbe = Path.Combine(AppContext.BaseDirectory, "NetProbe.dll");

    private static World Build(out Appliance c1, out Appliance c2)
    {
        var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        c2 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c2 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);
        return world;
    }

    private static string Send(string ns, string protocol, string host, int port, string? source = null) =>
        $"& ip netns exec '{ns}' dotnet '{NetProbe}' send {protocol} {host} {port} probe 0 {source} 2>$null | Out-Null";

    private static void AssertNothingLeft(World world, string mountsBefore)
    {
        foreach (var ns in new[] { world.Sandbox.Name, world.Sandbox.Name + ".router" })
        {
            Assert.DoesNotContain("virtuallan:trace", Kernel.Must("ip", "netns", "exec", ns, "iptables-save"), StringComparison.Ordinal);
        }

        Assert.Equal(mountsBefore, Mounts());
        Assert.Empty(Directory.EnumerateDirectories("/run", "virtuallan-tracefs-*"));
        if (Directory.Exists("/sys/kernel/tracing/instances"))
        {
            Assert.Empty(Directory.EnumerateDirectories("/sys/kernel/tracing/instances", "virtuallan-*"));
        }

        Assert.False(Directory.Exists(VirtualLan.Linux.TraceRecords.DefaultFolder), "The trace left its record folder in /run.");
    }

    private static string Mounts() => string.Join('\n', File.ReadAllLines("/proc/self/mounts").Where(l => l.Contains("tracefs", StringComparison.Ordinal)));

    [KernelFact]
    public void A_connection_through_a_port_forward_is_one_path_across_router_and_host_with_the_DNAT_shown()
    {
        using var world = Build(out var c1, out _);
        world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 | Out-Null");
        world.Serve(c1.Namespace!, "tcp", 4000);
        var paths = world.Session.Invoke($"Get-VlanIptablesTrace Trace -Lan -Protocol tcp -DestinationPort 4000 -Count 1 -Duration 15 -ScriptBlock {{ {Send(world.Internet, "tcp", "198.51.100.2", 4000)} }}")
            .Select(o => o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var all = string.Join("\n", paths.Cast<PacketPath>().Select(p => string.Join(" | ", p.Hops.Select(h => $"{h.Namespace} {h.In}/{h.Out} {h.Arrived} -> {h.Rewritten} {h.Verdict} {h.Owner}"))));
        Assert.True(paths.Length == 1, all);
        var path = Assert.IsType<PacketPath>(paths[0]);
        var hops = all;
        var router = Assert.Single(path.Hops, h => h.Namespace == "router");
        Assert.True(router.Rewritten is not null && router.Rewritten.Contains("172.24.4.2:4000", StringComparison.Ordinal), hops);
        Assert.Contains("198.51.100.2:4000", router.Arrived, StringComparison.Ordinal);
        Assert.Equal(("ACCEPT", "virtuallan:forward/router/tcp/4000"), (router.Verdict, router.Owner));
        Assert.Equal("router", path.Hops[0].Namespace);
        Assert.True(path.Hops[^1].Namespace == "c1", hops);
        Assert.Equal("ACCEPT", path.Verdict);

        // The host's hop names the bridge ports in Trace mode too: in from the router's, out of c1's.
        var routerPort = ((Router)Assert.Single(world.Session.Invoke("Get-VlanRouterNamespace")).BaseObject).BridgePort;
        var host = Assert.Single(path.Hops, h => h.Namespace == "host");
        Assert.True((host.PhysIn, host.PhysOut) == (routerPort, c1.HostInterface), hops);
        Assert.Contains($"host({routerPort}>{c1.HostInterface})", path.Route, StringComparison.Ordinal);
        AssertNothingLeft(world, Mounts());
    }

    [KernelFact]
    public void A_datagram_from_an_appliance_to_the_internet_is_one_path_through_the_host_bridge_with_its_ports_and_the_routers_MASQUERADE()
    {
        using var world = Build(out var c1, out _);
        var router = (Router)Assert.Single(world.Session.Invoke("Get-VlanRouterNamespace")).BaseObject;
        world.Serve(world.Internet, "udp", 5000);
        var paths = world.Session.Invoke($"Get-VlanIptablesTrace Trace -Lan -Protocol udp -DestinationPort 5000 -Count 1 -Duration 15 -ScriptBlock {{ {Send(c1.Namespace!, "udp", World.InternetHost, 5000)} }}")
            .Select(o => (PacketPath)o.BaseObject).ToArray();
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var all = string.Join("\n", paths.Select(p => string.Join(" | ", p.Hops.Select(h => $"{h.Namespace} {h.In}/{h.Out} {h.PhysIn}/{h.PhysOut} {h.Arrived} -> {h.Rewritten} {h.Verdict} {h.Chain} {h.Rule} {h.Owner}"))));
        var path = Assert.Single(paths);
        Assert.True(path.Hops.Select(h => h.Namespace).SequenceEqual(["c1", "host", "router", "router"]), all);

        // The host bridges the frame from c1's port to the router's: PHYSIN and PHYSOUT in Trace mode too.
        var host = path.Hops[1];
        Assert.True((host.In, host.Out, host.PhysIn, host.PhysOut) == (router.Bridge, router.Bridge, c1.HostInterface, router.BridgePort), all);
        Assert.Equal("ACCEPT", host.Verdict);

        // The router's FORWARD accepts it, then POSTROUTING's MASQUERADE rewrites the source to the uplink's address.
        var forward = path.Hops[2];
        Assert.True((forward.In, forward.Out, forward.Verdict, forward.Rewritten) == (router.LanInterface, router.Uplink, "ACCEPT", null), all);
        Assert.StartsWith("filter:", forward.Chain, StringComparison.Ordinal);
        var masquerade = path.Hops[3];
        Assert.True(masquerade.Chain is not null && masquerade.Chain.StartsWith("nat:", StringComparison.Ordinal) && masquerade.Chain.EndsWith("POSTROUTING", StringComparison.Ordinal), all);
        Assert.EndsWith("-j MASQUERADE", masquerade.Rule, StringComparison.Ordinal);
        Assert.Equal("virtuallan:router/router", masquerade.Owner);
        Assert.StartsWith($"UDP {c1.Address}:", masquerade.Arrived, StringComparison.Ordinal);
        Assert.True(masquerade.Rewritten is not null && masquerade.Rewritten.StartsWith($"UDP {router.UplinkCidr!.Value.Address}:", StringComparison.Ordinal) && masquerade.Rewritten.EndsWith($" > {World.InternetHost}:5000", StringComparison.Ordinal), all);
        Assert.Equal(("ACCEPT", "virtuallan:router/router"), (path.Verdict, path.Owner));
        Assert.Contains($"router({router.LanInterface}>{router.Uplink}) NAT", path.Route, StringComparison.Ordinal);
        AssertNothingLeft(world, Mounts());
    }

    [KernelFact]
    public void The_kernels_drop_reasons_are_named_in_their_namespace_and_a_firewall_drop_is_joined_to_its_rule()
    {
        using var world = Build(out var c1, out var c2);
        var mounts = Mounts();
        var rpBefore = File.ReadAllText("/proc/sys/net/ipv4/conf/all/rp_filter");

        // A datagram to a port nothing listens on in c1.
        var drops = world.Session.Invoke($"Get-VlanIptablesTrace Drops -Lan -Duration 4 -ScriptBlock {{ {Send(c2.Namespace!, "udp", "172.24.4.2", 9)} }}")
            .Select(o => (PacketDrop)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        // Other packets of the LAN may die meanwhile (an IPv6 or DHCP datagram to a port nothing
        // listens on in the host): the datagram of the test is the one joined to c1's eth0.
        var noSocket = drops.FirstOrDefault(d => d.Reason == "NO_SOCKET" && (d.Namespace, d.Interface) == ("c1", "eth0"));
        Assert.True(noSocket is not null, "no NO_SOCKET drop named in c1/eth0 among: " + string.Join("; ", drops.Select(d => $"{d.Reason} {d.Namespace}/{d.Interface}")));
        Assert.Contains("udp", noSocket!.Function, StringComparison.Ordinal);
        Assert.Contains("Nothing listens", noSocket.Advice, StringComparison.Ordinal);

        // rp_filter: c1 routes 10.99.0.0/24 out of dummy9 (a veth: this kernel has no dummy), so a packet from 10.99.0.5 on eth0 is dropped.
        Kernel.Must("ip", "-n", c1.Namespace!, "link", "add", "dummy9", "type", "veth", "peer", "name", "dummy9b");
        Kernel.Must("ip", "-n", c1.Namespace!, "link", "set", "dummy9b", "up");
        Kernel.Must("ip", "-n", c1.Namespace!, "addr", "add", "10.99.0.1/24", "dev", "dummy9");
        Kernel.Must("ip", "-n", c1.Namespace!, "link", "set", "dummy9", "up");
        Kernel.Must("ip", "netns", "exec", c1.Namespace!, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1");
        Kernel.Must("ip", "-n", c2.Namespace!, "addr", "add", "10.99.0.5/32", "dev", "eth0");
        drops = world.Session.Invoke($"Get-VlanIptablesTrace Drops -Namespace c1 -Duration 4 -ScriptBlock {{ {Send(c2.Namespace!, "udp", "172.24.4.2", 9, "10.99.0.5")} }}")
            .Select(o => (PacketDrop)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var rp = drops.FirstOrDefault(d => d.Reason == "IP_RPFILTER" && d.Namespace == "c1");
        Assert.True(rp is not null, "no IP_RPFILTER drop named in c1 among: " + string.Join("; ", drops.Select(d => $"{d.Reason} {d.Namespace}/{d.Interface}")));
        Assert.Contains("rp_filter", rp!.Advice, StringComparison.Ordinal);

        // The router's FORWARD policy drops c1's ping to the host link: NETFILTER_DROP, joined to the policy and its owner.
        drops = world.Session.Invoke($"Get-VlanIptablesTrace Drops -Lan -Duration 4 -ScriptBlock {{ & ip netns exec '{c1.Namespace}' busybox ping -c 1 -W 1 100.64.0.1 | Out-Null }}")
            .Select(o => (PacketDrop)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var firewall = drops.First(d => d.Reason == "NETFILTER_DROP");
        Assert.Equal(("router", "filter:FORWARD", "policy DROP", "virtuallan:router/router"), (firewall.Namespace, firewall.Chain, firewall.Rule, firewall.Owner));
        Assert.StartsWith("FORWARD policy DROP in router router: add a port forward", firewall.Advice, StringComparison.Ordinal);

        Assert.Equal(rpBefore, File.ReadAllText("/proc/sys/net/ipv4/conf/all/rp_filter"));
        AssertNothingLeft(world, mounts);
    }

    [KernelFact]
    public void A_drops_trace_stopped_like_Ctrl_C_leaves_no_tracefs_instance_or_mount()
    {
        using var world = Build(out _, out _);
        var mounts = Mounts();
        using (var ps = PowerShell.Create())
        {
            ps.Runspace = world.Session.Runspace;
            ps.AddScript("Get-VlanIptablesTrace Drops -Lan -Duration 120");
            var running = ps.BeginInvoke();
            for (var i = 0; i < 100 && !Directory.Exists(VirtualLan.Linux.TraceRecords.DefaultFolder); i++)
            {
                Thread.Sleep(100);
            }

            Thread.Sleep(1000);
            var instances = Directory.EnumerateDirectories("/run", "virtuallan-tracefs-*").SelectMany(m => Directory.EnumerateDirectories(Path.Combine(m, "instances"), "virtuallan-*"))
                .Concat(Directory.Exists("/sys/kernel/tracing/instances") ? Directory.EnumerateDirectories("/sys/kernel/tracing/instances", "virtuallan-*") : []);
            Assert.NotEmpty(instances);
            ps.Stop();
            Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(15)), "The Drops trace did not stop.");
        }

        AssertNothingLeft(world, mounts);
    }
}
