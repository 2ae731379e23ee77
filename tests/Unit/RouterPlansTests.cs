using System.Globalization;
using System.Net;
using System.Text;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// The plans and read-backs of routers, port forwards and host NAT, pinned in full (descriptions,
/// commands, undos, "already done" answers, errors) against a golden file captured from the code
/// before readers, records and operations were split out: the reshaping changes no command a user
/// sees or runs.
/// </summary>
public class RouterPlansTests
{
    private static readonly string HostLinks = FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json");
    private static readonly string DefaultRoute = FakeRunner.Fixture("ip-4-j-route-show.default.json");

    /// <summary>The uplink record today's code writes, as it sits on the uplink inside the router.</summary>
    private const string UplinkRecord = "virtuallan:uplink addrs=198.51.100.2%2F24 alias=my%20uplink gw=198.51.100.1 mtu=1500 router=router up=1";

    [Fact]
    public void Plans_and_reads_of_routers_forwards_and_host_NAT_are_what_they_were()
    {
        var text = new StringBuilder();
        foreach (var sandbox in new[] { null, "lab" })
        {
            text.Append("##### host ").Append(sandbox ?? "(machine)").Append('\n');
            Adds(text, sandbox);
        }

        Removes(text);
        Forwards(text);
        HostNat(text);

        var actual = text.ToString().Replace(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "PID", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("VLAN_WRITE_ROUTER_GOLDEN") is { Length: > 0 } write)
        {
            File.WriteAllText(write, actual);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "router-plans.golden.txt")), actual);
    }

    private static void Adds(StringBuilder text, string? sandbox)
    {
        var host = sandbox is null ? NetworkHost.Machine : NetworkHost.InSandbox(sandbox);
        var requests = new (string Label, Func<RouterRequest> Request, bool Ipv6, Func<string, string?> Locate)[]
        {
            ("keep", () => Request(), true, p => "/usr/bin/" + p),
            ("keep, no IPv6, host traffic", () => Request(routeHost: true), false, p => "/usr/bin/" + p),
            ("dhcp", () => Request(dhcp: true), true, p => p == "udhcpc" ? null : "/usr/sbin/" + p),
            ("static", () => Request(address: "203.0.113.5/24", uplinkGateway: "203.0.113.1", hostLink: "192.168.253.1/30"), true, p => "/usr/bin/" + p),
            ("other gateway", () => Request(gateway: "172.24.9.9", name: "r2"), true, p => "/usr/bin/" + p),
            ("gateway outside", () => Request(gateway: "10.1.1.1"), true, p => "/usr/bin/" + p),
            ("no uplink", () => Request(uplink: "nosuch0"), true, p => "/usr/bin/" + p),
            ("uplink is the bridge", () => Request(uplink: "virtualnet0"), true, p => "/usr/bin/" + p),
        };
        foreach (var (label, request, ipv6, locate) in requests)
        {
            var runner = new FakeRunner(HostLinks, sandbox is null ? string.Empty : $"[{{\"name\":\"{sandbox}\"}}]") { RoutesJson = DefaultRoute };
            var state = new KernelState(runner);
            text.Append("# add ").Append(label).Append('\n');
            try
            {
                Dump(text, new RouterService(host, locate, p => ipv6 || p != "/proc/sys/net/ipv6").PlanAdd(request(), state), state);
            }
            catch (VlanException e)
            {
                text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }

        // The same router again, from its records: the plan only fills gaps (or refuses other settings).
        foreach (var (label, request) in new (string, Func<RouterRequest>)[] { ("again", () => Request()), ("again, other uplink", () => Request(uplink: "eth9")), ("again, other mode", () => Request(dhcp: true)) })
        {
            var (service, state) = Built(host, uplinkInRouter: true);
            text.Append("# add ").Append(label).Append('\n');
            try
            {
                Dump(text, service.PlanAdd(request(), state), state);
            }
            catch (VlanException e)
            {
                text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }

        // An uplink cut off in the host with this router's record.
        var (stranded, strandedState) = Built(host, uplinkInRouter: false);
        text.Append("# add stranded\n");
        try
        {
            Dump(text, stranded.PlanAdd(Request(), strandedState), strandedState);
        }
        catch (VlanException e)
        {
            text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
        }

        var (reader, readState) = Built(host, uplinkInRouter: true);
        text.Append("# routers\n");
        foreach (var router in reader.Routers(readState))
        {
            text.Append("  ").Append(Describe(router)).Append('\n');
        }

        text.Append("# leftovers ").Append(reader.Leftovers(readState, Array.Empty<string>()).Count).Append('\n');
        text.Append("# read ").Append(Describe(reader.Read("router", readState))).Append('\n');
        try
        {
            reader.Read("nosuch", readState);
        }
        catch (VlanException e)
        {
            text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
        }
    }

    private static void Removes(StringBuilder text)
    {
        foreach (var sandbox in new[] { null, "lab" })
        {
            var host = sandbox is null ? NetworkHost.Machine : NetworkHost.InSandbox(sandbox);
            foreach (var inRouter in new[] { true, false })
            {
                var (service, state) = Built(host, inRouter);
                text.Append("# remove ").Append(sandbox ?? "(machine)").Append(inRouter ? " uplink in router" : " uplink stranded").Append('\n');
                Dump(text, service.PlanRemove("router", state), state);
            }

            // One way out per LAN: host NAT refuses a bridge with a router, and a router a bridge with host NAT.
            foreach (var uplink in new[] { "eth9", "router-hl", "uplink0", "router-br" })
            {
                var (_, routed) = Built(host, uplinkInRouter: false);
                try
                {
                    new HostNatService(host).PlanEnable("virtualnet0", uplink, routed);
                }
                catch (VlanException e)
                {
                    text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
                }
            }

            var natted = new FakeRunner(HostLinks, sandbox is null ? string.Empty : $"[{{\"name\":\"{sandbox}\"}}]")
            {
                RoutesJson = DefaultRoute,
                IptablesSave = "*nat\n:POSTROUTING ACCEPT [0:0]\n-A VLAN-HOSTNAT -s 172.24.0.0/16 -o eth7 -m comment --comment \"virtuallan:hostnat/virtualnet0 ip_forward=1\" -j MASQUERADE\nCOMMIT\n",
            };
            try
            {
                new RouterService(host, p => p, _ => true).PlanAdd(Request(), new KernelState(natted));
            }
            catch (VlanException e)
            {
                text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }
    }

    private static void Forwards(StringBuilder text)
    {
        var runner = new FakeRunner(PortForwardServiceTests.RouterLinks, "[{\"name\":\"router\"}]") { IptablesSave = FakeRunner.Fixture("iptables-save.forwards.txt") };
        var service = new PortForwardService(NetworkHost.Machine, new Docker(new FakeRunner()));
        text.Append("# forwards\n");
        foreach (var forward in service.List(new KernelState(runner)))
        {
            text.Append("  ").Append(Describe(forward)).Append('\n');
        }

        text.Append("# router of ").Append(service.RouterOf("virtualnet0", new KernelState(runner))).Append('\n');
        var adds = new (string Label, Func<KernelState, Plan> Plan)[]
        {
            ("tcp 5000", s => service.PlanAdd("router", ForwardProtocol.Tcp, "5000", null, IPAddress.Parse("172.24.4.3"), null, "c3", s).Plan),
            ("udp range", s => service.PlanAdd("router", ForwardProtocol.Udp, "9000-9002", "5000", IPAddress.Parse("172.24.4.3"), IPAddress.Parse("198.51.100.9"), null, s).Plan),
            ("tcp 4000 again", s => service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse("172.24.4.2"), null, null, s).Plan),
            ("tcp 4000 elsewhere", s => service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse("172.24.4.7"), null, null, s).Plan),
            ("to the gateway", s => service.PlanAdd("router", ForwardProtocol.Tcp, "80", null, IPAddress.Parse("172.24.0.254"), null, null, s).Plan),
            ("remove tcp 4000", s => service.PlanRemove("router", ForwardProtocol.Tcp, "4000", s)),
            ("remove udp 7000", s => service.PlanRemove("router", ForwardProtocol.Udp, "7000", s)),
        };
        foreach (var (label, plan) in adds)
        {
            var state = new KernelState(runner);
            text.Append("# forward ").Append(label).Append('\n');
            try
            {
                Dump(text, plan(state), state);
            }
            catch (VlanException e)
            {
                text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }

        var empty = new FakeRunner(PortForwardServiceTests.RouterLinks, "[{\"name\":\"router\"}]");
        text.Append("# forward into an empty router\n");
        var emptyState = new KernelState(empty);
        Dump(text, service.PlanAdd("router", ForwardProtocol.Tcp, "4000", null, IPAddress.Parse("172.24.4.2"), null, null, emptyState).Plan, emptyState);
    }

    private static void HostNat(StringBuilder text)
    {
        const string Saved = "*nat\n:POSTROUTING ACCEPT [0:0]\n:VLAN-HOSTNAT - [0:0]\n-A POSTROUTING -m comment --comment \"virtuallan:hostnat\" -j VLAN-HOSTNAT\n"
            + "-A VLAN-HOSTNAT -s 172.24.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0 ip_forward=0\" -j MASQUERADE\n"
            + "-A VLAN-HOSTNAT -s 10.9.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/other0 ip_forward=0\" -j MASQUERADE\nCOMMIT\n"
            + "*filter\n:FORWARD ACCEPT [0:0]\n:VLAN-HOSTNAT-FWD - [0:0]\n-A FORWARD -m comment --comment \"virtuallan:hostnat\" -j VLAN-HOSTNAT-FWD\n"
            + "-A VLAN-HOSTNAT-FWD -i virtualnet0 -o uplink0 -m comment --comment \"virtuallan:hostnat/virtualnet0\" -j ACCEPT\nCOMMIT\n";
        foreach (var (label, saved, forward) in new[] { ("off", string.Empty, "0"), ("on", Saved, "1"), ("on alone", Saved.Replace("-A VLAN-HOSTNAT -s 10.9.0.0/16 -o uplink0 -m comment --comment \"virtuallan:hostnat/other0 ip_forward=0\" -j MASQUERADE\n", string.Empty, StringComparison.Ordinal), "1") })
        {
            var service = new HostNatService(NetworkHost.Machine);
            var runner = new FakeRunner(HostLinks) { IptablesSave = saved, SysctlValue = forward };
            text.Append("# host NAT ").Append(label).Append('\n');
            foreach (var nat in service.List(new KernelState(runner)))
            {
                text.Append("  ").Append(nat.Bridge).Append(' ').Append(nat.Subnet).Append(' ').Append(nat.Uplink).Append(' ').Append(nat.IpForward).Append(' ').Append(nat.PreviousIpForward).Append(' ').Append(nat.Sandbox).Append('\n');
            }

            foreach (var (what, plan) in new (string, Func<KernelState, Plan>)[]
            {
                ("enable", s => service.PlanEnable("virtualnet0", "uplink0", s)),
                ("enable other uplink", s => service.PlanEnable("virtualnet0", "eth9", s)),
                ("disable", s => service.PlanDisable("virtualnet0", s)),
            })
            {
                var state = new KernelState(runner);
                text.Append("# host NAT ").Append(label).Append(' ').Append(what).Append('\n');
                try
                {
                    Dump(text, plan(state), state);
                }
                catch (VlanException e)
                {
                    text.Append("! ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
                }
            }
        }
    }

    /// <summary>A host with a router built: its record on the host link and on lo, the uplink (in the router or back in the host) with its record.</summary>
    private static (RouterService Service, KernelState State) Built(NetworkHost host, bool uplinkInRouter)
    {
        var sandbox = host.Sandbox;
        var r = host.NamespaceFor("router");
        var record = $"virtuallan:router bridge=virtualnet0 client= gw=172.24.0.254 host={sandbox} hostlink=100.64.0.1%2F30 mode=Keep uplink=uplink0";
        var hostJson = $$"""
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifindex":2,"ifname":"virtualnet0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","ifalias":"virtuallan:bridge","linkinfo":{"info_kind":"bridge"},"addr_info":[{"family":"inet","local":"172.24.0.1","prefixlen":16}]},
             {"ifindex":3,"ifname":"router-br","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","master":"virtualnet0","linkinfo":{"info_kind":"veth"},"addr_info":[]},
             {"ifindex":4,"ifname":"router-hl","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","ifalias":"{{record}}","linkinfo":{"info_kind":"veth"},"addr_info":[{"family":"inet","local":"100.64.0.1","prefixlen":30}]}
             {{(uplinkInRouter ? string.Empty : $$""",{"ifindex":5,"ifname":"uplink0","flags":["BROADCAST"],"mtu":1500,"operstate":"DOWN","ifalias":"{{UplinkRecord}}","linkinfo":{"info_kind":"veth"},"addr_info":[]}""")}}]
            """;
        var routerJson = $$"""
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","address":"00:00:00:00:00:00","ifalias":"{{record}}","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifindex":2,"ifname":"lan0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"veth"},"addr_info":[{"family":"inet","local":"172.24.0.254","prefixlen":16}]},
             {"ifindex":4,"ifname":"host0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"veth"},"addr_info":[{"family":"inet","local":"100.64.0.2","prefixlen":30}]}
             {{(uplinkInRouter ? $$""",{"ifindex":3,"ifname":"uplink0","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","ifalias":"{{UplinkRecord}}","linkinfo":{"info_kind":"veth"},"addr_info":[{"family":"inet","local":"198.51.100.2","prefixlen":24}]}""" : string.Empty)}}]
            """;
        var namespaces = "[{\"name\":\"" + r + "\"}" + (sandbox is null ? string.Empty : ",{\"name\":\"" + sandbox + "\"}") + "]";
        var runner = new FakeRunner(hostJson, namespaces)
        {
            IptablesSave = FakeRunner.Fixture("iptables-save.router.txt"),
            SysctlValue = "1",
            Respond = c =>
            {
                var args = c.Arguments;
                var ns = args.Count > 1 && args[0] == "-n" ? args[1] : string.Empty;
                if (args.Contains("-json") && args.Contains("addr"))
                {
                    return new CommandResult(0, ns == r ? routerJson : hostJson, string.Empty);
                }

                if (args.Contains("-json") && args.Contains("route"))
                {
                    return new CommandResult(0, ns == r ? """[{"dst":"default","gateway":"198.51.100.1","dev":"uplink0","flags":[]}]""" : "[]", string.Empty);
                }

                return null;
            },
        };
        return (new RouterService(host, p => "/usr/bin/" + p, _ => true), new KernelState(runner));
    }

    private static RouterRequest Request(
        string? name = null, string? gateway = null, string uplink = "uplink0", bool dhcp = false, string? address = null, string? uplinkGateway = null, string? hostLink = null, bool routeHost = false) =>
        RouterRequest.Create(name ?? RouterRequest.DefaultName, BridgeRequest.DefaultName, gateway, uplink, dhcp, address, uplinkGateway, hostLink, routeHost);

    private static void Dump(StringBuilder text, Plan plan, KernelState state)
    {
        text.Append("plan ").Append(plan.Title).Append(" | ").Append(plan.Scope).Append('\n');
        if (plan.Recovery is not null)
        {
            text.Append("  recovery ").Append(plan.Recovery).Append('\n');
        }

        foreach (var step in plan.Steps)
        {
            text.Append("  - ").Append(step.Description).Append(" [").Append(step.Channel).Append(step.Namespace.IsOwn ? string.Empty : " " + step.Namespace).Append(step.Table is null ? string.Empty : " " + step.Table).Append("] done=")
                .Append(step.IsDone is null ? "-" : step.IsDone(state).ToString()).Append('\n');
            text.Append("    ").Append(step.Command).Append('\n');
            foreach (var undo in step.Undo)
            {
                text.Append("    undo ").Append(undo).Append('\n');
            }

            if (step.UndoLoses is not null)
            {
                text.Append("    loses ").Append(step.UndoLoses).Append('\n');
            }

            if (step.WhenFailing is not null)
            {
                text.Append("    tolerated ").Append(step.WhenFailing).Append('\n');
            }
        }
    }

    private static string Describe(Router r) =>
        string.Join(
            " ",
            r.Name,
            $"ns={r.Namespace}",
            $"bridge={r.Bridge}",
            $"gw={r.GatewayAddress}/{r.PrefixLength}",
            $"uplink={r.Uplink}",
            $"uaddr={r.UplinkCidr}",
            $"ugw={r.UplinkGateway}",
            $"mode={r.UplinkMode}",
            $"client={r.DhcpClient}",
            $"hl={r.HostInterface}:{r.HostLinkCidr}~{r.HostLinkPeer}",
            $"br={r.BridgePort}",
            $"hosttraffic={r.RoutesHostTraffic}",
            $"policies={r.ForwardPolicy}/{r.InputPolicy}",
            $"sandbox={r.Sandbox}");

    private static string Describe(PortForward f) =>
        string.Join(
            " ",
            f.Router,
            f.Protocol,
            $"{f.ExternalAddress}:{f.ExternalPort}",
            $"{f.InternalAddress}:{f.InternalPort}",
            $"appliance={f.Appliance}",
            $"loopback={f.NatLoopback}",
            $"sandbox={f.Sandbox}");
}
