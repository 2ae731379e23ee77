namespace VirtualLan.Tests.Integration;

/// <summary>
/// What the module opens to the outside, shown by the attacks that found the holes: the internet
/// routing to the LAN through host NAT, spoofed sources on the WAN, connections to the router
/// itself, router advertisements from an appliance, and two routers' host links.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class ExposureTests
{
    private const string Wan = "198.51.100.2";

    private static string Router(World world) => world.Sandbox.Inner("router");

    private static string HostFirewall(World world) =>
        string.Join('\n', Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save").Split('\n')
            .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) || (l.StartsWith(':') && !l.Contains(" ACCEPT ", StringComparison.Ordinal)))
            .Select(l => l.Split(" [", StringSplitOptions.None)[0]));

    /// <summary>A network of the host besides the uplink and the LAN: 192.0.2.0/24, with a peer that routes the LAN through the host.</summary>
    private static string SideNetwork(World world)
    {
        var side = world.Sandbox.Inner("side");
        Kernel.Must("ip", "netns", "add", side);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "side0", "type", "veth", "peer", "name", "eth0", "netns", side);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "192.0.2.1/24", "dev", "side0");
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "side0", "up");
        Kernel.Must("ip", "-n", side, "addr", "add", "192.0.2.2/24", "dev", "eth0");
        Kernel.Must("ip", "-n", side, "link", "set", "eth0", "up");
        Kernel.Must("ip", "-n", side, "route", "add", "172.24.0.0/16", "via", "192.0.2.1");
        return side;
    }

    [KernelFact]
    public void Host_NAT_lets_nothing_into_the_LAN_but_answers_and_the_LAN_nowhere_but_the_uplink_whatever_the_FORWARD_policy()
    {
        using var world = new World();
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("New-VlanBridge | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);
        var side = SideNetwork(world);
        var rulesBefore = HostFirewall(world);
        var forwardBefore = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.ipv4.ip_forward").Trim();

        world.Session.Invoke("Get-VlanBridge virtualnet0 | Enable-VlanHostNat -Uplink uplink0 | Out-Null");
        Assert.Empty(world.Session.Errors);
        Assert.Contains(":FORWARD ACCEPT", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save", "-t", "filter"), StringComparison.Ordinal);

        // The way out works, behind the uplink's address.
        world.Serve(world.Internet, "tcp", 8080);
        Assert.StartsWith("peer=198.51.100.2:", World.Send(c1.Namespace!, "tcp", World.InternetHost, 8080, "out"), StringComparison.Ordinal);

        // The attack: a peer on the uplink's network routes the LAN via the host and connects to an appliance.
        Kernel.Must("ip", "-n", world.Internet, "route", "add", "172.24.0.0/16", "via", Wan);
        world.Serve(c1.Namespace!, "tcp", 8081, count: 2);
        Assert.Null(World.Send(world.Internet, "tcp", c1.Address!.ToString(), 8081, "in from the WAN"));

        // Another network of the host reaches neither into the LAN nor is reached from it.
        Assert.Null(World.Send(side, "tcp", c1.Address!.ToString(), 8081, "in from the side"));
        world.Serve(side, "tcp", 8082);
        Assert.Null(World.Send(c1.Namespace!, "tcp", "192.0.2.2", 8082, "out to the side"));

        world.Session.Invoke("Disable-VlanHostNat -Bridge virtualnet0");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(rulesBefore, HostFirewall(world));
        Assert.Equal(forwardBefore, Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.ipv4.ip_forward").Trim());
    }

    [KernelFact]
    public void A_WAN_packet_with_a_LAN_or_host_link_source_never_reaches_a_forwarded_server()
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false");
        var server = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 -Protocol Udp | Out-Null");
        Assert.Empty(world.Session.Errors);

        // The attacker on the WAN holds the addresses it forges, so any answer would come back to it.
        var forged = new[] { "172.24.4.3", "172.24.0.254", "100.64.0.1" };
        foreach (var address in forged)
        {
            Kernel.Must("ip", "-n", world.Internet, "addr", "add", address + "/32", "dev", "lo");
        }

        // It knows the router's MAC, so the strict reverse-path filter cannot stop it at ARP already:
        // the packets reach the router, and the rules in raw must drop them.
        var mac = Kernel.Must("ip", "-n", Router(world), "-br", "link", "show", "uplink0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        Kernel.Must("ip", "-n", world.Internet, "neigh", "replace", Wan, "lladdr", mac, "dev", "wan0", "nud", "permanent");

        // Sent together: a NetProbe server gives up after 15 seconds, a sender after 5.
        var probe = world.Serve(server.Namespace!, "udp", 4000);
        var answers = forged.AsParallel().Select(a => World.Send(world.Internet, "udp", Wan, 4000, "forged from " + a, 40000, a)).ToArray();
        Assert.All(answers, Assert.Null);
        var dropped = Kernel.Must("ip", "netns", "exec", Router(world), "iptables-save", "-c", "-t", "raw").Split('\n')
            .Where(l => l.Contains("-A VLAN-ANTISPOOF -s 172.24.0.0/16 ", StringComparison.Ordinal) || l.Contains("-A VLAN-ANTISPOOF -s 100.64.0.0/30 ", StringComparison.Ordinal))
            .Sum(l => long.Parse(l[1..l.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(forged.Length, dropped);

        // A normal internet source still gets through, and it is the first and only one the server saw.
        var answer = World.Send(world.Internet, "udp", Wan, 4000, "genuine", 40001);
        Assert.StartsWith("peer=198.51.100.1:40001 ", answer, StringComparison.Ordinal);
        Assert.Equal(answer, probe.StandardOutput.ReadLine());
    }

    [KernelFact]
    public void Nothing_reaches_a_listener_in_the_router_from_the_internet_the_LAN_or_the_host_until_USER_INPUT_opens_it()
    {
        using var world = new World();
        var router = (Router)Assert.Single(world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false; $router")).BaseObject;
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal("DROP", router.InputPolicy);

        // IPv4 on the three sides, and IPv6 on the LAN (addresses given by hand: the module routes none).
        Kernel.Must("ip", "-n", Router(world), "addr", "add", "fd00::254/64", "dev", "lan0", "nodad");
        Kernel.Must("ip", "-n", c1.Namespace!, "addr", "add", "fd00::2/64", "dev", "eth0", "nodad");
        world.Serve(Router(world), "tcp", 2222);
        world.Serve(Router(world), "tcp", 2223, bind: "::");

        // Tried together: a NetProbe server gives up after 15 seconds, a sender after 5.
        var tries = new (string From, string To, int Port)[]
        {
            (world.Internet, Wan, 2222), (c1.Namespace!, "172.24.0.254", 2222), (world.Sandbox.Name, "100.64.0.2", 2222), (c1.Namespace!, "fd00::254", 2223),
        };
        Assert.All(tries.AsParallel().Select(t => (t, World.Send(t.From, "tcp", t.To, t.Port, "knock"))).ToArray(), x => Assert.Null(x.Item2));

        // What the module needs stays open: pings from the LAN and the host to the router.
        Assert.True(Kernel.Ping(c1.Namespace!, "172.24.0.254"), "c1 could not ping its gateway.");
        Assert.True(Kernel.Ping(world.Sandbox.Name, "100.64.0.2"), "The host could not ping the router.");

        // The documented way to open more: the user's own chain.
        Kernel.Must("ip", "netns", "exec", Router(world), "iptables", "-A", "USER-INPUT", "-i", "lan0", "-p", "tcp", "--dport", "2224", "-j", "ACCEPT");
        world.Serve(Router(world), "tcp", 2224, count: 2);
        Assert.Null(World.Send(world.Internet, "tcp", Wan, 2224, "still closed from the internet"));
        Assert.StartsWith("peer=172.24.4.2:", World.Send(c1.Namespace!, "tcp", "172.24.0.254", 2224, "opened"), StringComparison.Ordinal);
    }

    [KernelFact]
    public void A_router_advertisement_from_an_appliance_gives_neither_the_host_nor_the_router_an_IPv6_default_route()
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);

        // A bystander plugged by hand keeps the kernel's defaults: it takes the advertisement, which shows it was valid.
        var bystander = world.PlugNamespace("by", "virtualnet0", "172.24.9.9/16", null);
        WaitForLinkLocal(c1.Namespace!);
        WaitForLinkLocal(bystander);

        var advertise = world.Start(c1.Namespace!, "dotnet", Path.Combine(AppContext.BaseDirectory, "NetProbe.dll"), "advertise", "eth0", "3");
        Assert.True(advertise.WaitForExit(15000) && advertise.ExitCode == 0, "NetProbe could not send the advertisements: " + advertise.StandardError.ReadToEnd());
        Assert.Contains("default via fe80::", DefaultRoute6(bystander), StringComparison.Ordinal);

        Assert.Equal(string.Empty, DefaultRoute6(world.Sandbox.Name));
        Assert.Equal(string.Empty, DefaultRoute6(Router(world)));
        Assert.Equal("0", Kernel.Must("ip", "netns", "exec", Router(world), "sysctl", "-n", "net.ipv6.conf.all.forwarding").Trim());
    }

    [KernelFact]
    public void Two_routers_on_two_bridges_get_host_links_of_their_own()
    {
        using var world = new World();
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "uplink1", "type", "veth", "peer", "name", "wan1", "netns", world.Internet);
        Kernel.Must("ip", "-n", world.Internet, "addr", "add", "198.51.101.1/24", "dev", "wan1");
        Kernel.Must("ip", "-n", world.Internet, "link", "set", "wan1", "up");
        Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "198.51.101.2/24", "dev", "uplink1");
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "uplink1", "up");
        world.Session.Invoke("New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Out-Null; New-VlanBridge -Name br1 -Address 10.1.0.1/24 | Out-Null");
        var before = Kernel.Snapshot(world.Sandbox.Name);

        const string Add = "New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Add-VlanRouterNamespace -Name r0 -Uplink uplink0 -Confirm:$false; New-VlanBridge -Name br1 -Address 10.1.0.1/24 | Add-VlanRouterNamespace -Name r1 -Uplink uplink1 -UplinkAddress 198.51.101.2/24 -UplinkGateway 198.51.101.1 -Confirm:$false";
        var routers = world.Session.Invoke(Add).Select(o => (Router)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        Assert.Equal(new[] { "100.64.0.1/30", "100.64.0.5/30" }, routers.Select(r => r.HostLinkCidr.ToString()));
        Assert.True(Kernel.Ping(world.Sandbox.Name, "100.64.0.2"), "The host could not reach r0 over its host link.");
        Assert.True(Kernel.Ping(world.Sandbox.Name, "100.64.0.6"), "The host could not reach r1 over its host link.");
        var c0 = world.PlugNamespace("c0", "br0", "10.0.0.2/24", "10.0.0.254");
        var c1 = world.PlugNamespace("c1", "br1", "10.1.0.2/24", "10.1.0.254");
        Assert.True(Kernel.Ping(c0, World.InternetHost), "c0 could not reach the internet through r0.");
        Assert.True(Kernel.Ping(c1, World.InternetHost), "c1 could not reach the internet through r1.");

        // Run again, each keeps its own link and nothing runs.
        world.Sandbox.Runner.Commands.Clear();
        world.Session.Invoke(Add + " | Out-Null");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Sandbox.Runner.Changes);

        world.Unplug("c0");
        world.Unplug("c1");
        world.Session.Invoke("Get-VlanRouterNamespace | Remove-VlanRouterNamespace -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(before, Kernel.Snapshot(world.Sandbox.Name));
    }

    private static string DefaultRoute6(string ns) => Kernel.Must("ip", "-n", ns, "-6", "route", "show", "default").Trim();

    private static void WaitForLinkLocal(string ns)
    {
        for (var i = 0; i < 50; i++)
        {
            var addresses = Kernel.Must("ip", "-n", ns, "-6", "addr", "show", "dev", "eth0", "scope", "link");
            if (addresses.Contains("fe80::", StringComparison.Ordinal) && !addresses.Contains("tentative", StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"eth0 in {ns} has no usable link-local address.");
    }
}
