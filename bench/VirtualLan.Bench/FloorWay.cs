using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Netlink;
using VirtualLan.Operations;

namespace VirtualLan.Bench;

/// <summary>
/// (k) The kernel's floor for the module's approach: the netlink backend handed the typed operations
/// of (c)'s network directly, grouped by hand as tightly as the kernel allows — no PowerShell, no
/// planning, no reads of the kernel's state, no undo bookkeeping — and the router's whole firewall
/// in one iptables-restore, as (c) writes it. Its teardown is the module's: the uplink moved back,
/// every link of the LAN deleted in one group deletion (so nothing of it is left when it returns),
/// then the namespaces. What (n) takes beyond (k) is the module's own cost; what (k) takes is
/// what any tool that makes these changes over netlink, and waits for them, pays on this machine.
/// </summary>
internal sealed class FloorWay : SandboxWay
{
    public override string Key => "k";

    public override string Title => "kernel floor (netlink backend fed operations directly)";

    protected override (Action<Shell> Build, Action<Shell> Teardown) Prepare(string sandbox, int n)
    {
        var backend = new NetlinkBackend(new ProcessRunner(new ToolLocator()));
        var state = new KernelState(new ProcessRunner(new ToolLocator()));
        var build = BuildGroups(sandbox, n);
        var firewall = BatchedWay.FirewallCommand(sandbox, n);
        var inside = InsideGroups(sandbox, n);
        var teardown = TeardownGroups(sandbox, n);
        void RunAll(IEnumerable<IReadOnlyList<Step>> groups)
        {
            foreach (var group in groups)
            {
                var outcome = backend.Run(group, state);
                if (outcome.Failed is not null)
                {
                    throw new BenchException($"({Key}) '{outcome.Failed}' failed: {outcome.StandardError.Trim()}");
                }
            }
        }

        return (
            shell =>
            {
                RunAll(build);
                shell.Must(firewall.Argv, firewall.Input);
                RunAll(inside);
            },
            _ => RunAll(teardown));
    }

    /// <summary>The namespaces, the host's side (bridge, router legs, every appliance's veth, the uplink moved in), forwarding, the router's inside.</summary>
    private static IReadOnlyList<IReadOnlyList<Step>> BuildGroups(string s, int n)
    {
        var r = Topology.Router(s);
        var host = NetNamespace.Named(s);
        var router = NetNamespace.Named(r);
        var namespaces = new[] { r }.Concat(Enumerable.Range(1, n).Select(i => Topology.ApplianceNamespace(s, i)))
            .Select(name => Of(new AddNamespace(name))).ToArray();
        var hostSide = new List<Step>
        {
            Of(new CreateBridge(host, Topology.Bridge)),
            Of(new AddAddress(host, Topology.Bridge, Ipv4Cidr.Parse(Topology.BridgeAddress))),
            Of(new SetLinkState(host, Topology.Bridge)),
            Of(new CreateVeth(host, "router-br", "lan0", r)),
            Of(new PlugLink(host, "router-br", Topology.Bridge)),
            Of(new CreateVeth(host, "router-hl", "host0", r)),
            Of(new AddAddress(host, "router-hl", Ipv4Cidr.Parse(Topology.HostLinkHost))),
            Of(new SetLinkState(host, "router-hl")),
        };
        for (var i = 1; i <= n; i++)
        {
            hostSide.Add(Of(new CreateVeth(host, Topology.HostEnd(i), "eth0", Topology.ApplianceNamespace(s, i))));
            hostSide.Add(Of(new PlugLink(host, Topology.HostEnd(i), Topology.Bridge)));
        }

        hostSide.Add(Of(new MoveLink(host, Topology.Uplink, router, r)));
        var forwarding = new SetSysctls(router, new[] { ("net.ipv4.ip_forward", "1") }).ToStep("forwarding");
        var inside = new[]
        {
            Of(new SetLinkState(router, "lo")),
            Of(new AddAddress(router, "lan0", Ipv4Cidr.Parse(Topology.Gateway + "/16"))),
            Of(new SetLinkState(router, "lan0")),
            Of(new AddAddress(router, "host0", Ipv4Cidr.Parse(Topology.HostLinkRouter))),
            Of(new SetLinkState(router, "host0")),
            Of(new AddAddress(router, Topology.Uplink, Ipv4Cidr.Parse(Topology.UplinkAddress))),
            Of(new SetLinkState(router, Topology.Uplink)),
            Of(new AddRoute(router, "default", IPAddress.Parse(Topology.WanGateway), Topology.Uplink)),
        };
        return new IReadOnlyList<Step>[] { namespaces, hostSide, new[] { forwarding }, inside };
    }

    /// <summary>Each appliance's inside: its address, its links up, its default route; one socket in its namespace.</summary>
    private static IReadOnlyList<IReadOnlyList<Step>> InsideGroups(string s, int n) =>
        Enumerable.Range(1, n).Select(i =>
        {
            var at = NetNamespace.Named(Topology.ApplianceNamespace(s, i));
            return (IReadOnlyList<Step>)new[]
            {
                Of(new AddAddress(at, "eth0", Ipv4Cidr.Parse(Topology.Address(i) + "/16"))),
                Of(new SetLinkState(at, "eth0")),
                Of(new SetLinkState(at, "lo")),
                Of(new AddRoute(at, "default", IPAddress.Parse(Topology.Gateway))),
            };
        }).ToArray();

    /// <summary>The uplink back and re-addressed, every link of the LAN in one group deletion, then every namespace.</summary>
    private static IReadOnlyList<IReadOnlyList<Step>> TeardownGroups(string s, int n)
    {
        var r = Topology.Router(s);
        var host = NetNamespace.Named(s);
        var back = new[] { Of(new MoveLink(NetNamespace.Named(r), Topology.Uplink, host, s)) };
        var hostSide = new List<Step>
        {
            Of(new AddAddress(host, Topology.Uplink, Ipv4Cidr.Parse(Topology.UplinkAddress))),
            Of(new SetLinkState(host, Topology.Uplink)),
            Of(new AddRoute(host, "default", IPAddress.Parse(Topology.WanGateway), Topology.Uplink)),
        };
        hostSide.AddRange(Enumerable.Range(1, n).Select(i => Of(new DeleteLink(host, Topology.HostEnd(i)))));
        hostSide.Add(Of(new DeleteLink(host, "router-br")));
        hostSide.Add(Of(new DeleteLink(host, "router-hl")));
        hostSide.Add(Of(new DeleteLink(host, Topology.Bridge)));
        var namespaces = Enumerable.Range(1, n).Select(i => Topology.ApplianceNamespace(s, i))
            .Concat(new[] { r, s + ".inet", s })
            .Select(name => Of(new DeleteNamespace(name))).ToArray();
        return new IReadOnlyList<Step>[] { back, hostSide, namespaces };
    }

    private static Step Of(IpOperation operation) => operation.ToStep(operation.ToString());
}
