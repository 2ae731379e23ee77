using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans router namespaces (seed 000's PAT router). The router's record (<see cref="RouterRecord"/>)
/// lives in the alias of its lo and host link, and what the uplink had in the host in the uplink's own
/// alias (<see cref="UplinkRecord"/>), so both survive the session that made them; <see cref="RouterReader"/>
/// reads them back.
/// </summary>
public sealed class RouterService
{
    /// <summary>The router's leg on the LAN, inside its namespace (seed: vnetveth1).</summary>
    public const string LanInterface = "lan0";

    /// <summary>The router's end of the host ↔ router link, inside its namespace (seed: router_veth1).</summary>
    public const string HostLinkInterface = "host0";

    /// <summary>The module's chain in the router's filter table.</summary>
    public const string ForwardChain = "VLAN-FORWARD";

    /// <summary>The module's chain in the router's nat table.</summary>
    public const string PostroutingChain = "VLAN-POSTROUTING";

    /// <summary>The module's chain for packets to the router itself (filter INPUT, IPv4 and IPv6); what it does not accept falls to the DROP policy.</summary>
    public const string InputChain = "VLAN-INPUT";

    /// <summary>
    /// The user's chain for packets to the router itself (filter, IPv4 and IPv6): the module makes it
    /// empty, jumps to it at the end of <see cref="InputChain"/> and never changes it, so rules the
    /// user appends there (<c>ip netns exec router iptables -A USER-INPUT -p tcp --dport 22 -j ACCEPT</c>) open more.
    /// </summary>
    public const string UserInputChain = "USER-INPUT";

    /// <summary>The module's chain in the router's raw table: sources that cannot come from the WAN are dropped there.</summary>
    public const string AntiSpoofChain = "VLAN-ANTISPOOF";

    /// <summary>The first default host ↔ router link; each further router takes the next free /30 after it.</summary>
    private static readonly Ipv4Cidr FirstHostLink = Ipv4Cidr.Parse(RouterRequest.DefaultHostLink);

    /// <summary>
    /// Sources no packet from the WAN may carry, whatever the uplink's network: "this network",
    /// loopback, multicast and the reserved 240/4 (with the limited broadcast).
    /// </summary>
    private static readonly string[] Martians = { "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4" };

    /// <summary>
    /// The kernel settings of the router namespace besides forwarding, set before any of its links
    /// exists so that each link takes them from the namespace's defaults: strict reverse-path
    /// filtering, and no IPv6 router advertisements or IPv6 forwarding until the module manages IPv6.
    /// </summary>
    private static readonly (string Key, string Value)[] Ipv4Hardening =
    {
        ("net.ipv4.conf.all.rp_filter", "1"),
        ("net.ipv4.conf.default.rp_filter", "1"),
    };

    private static readonly (string Key, string Value)[] Ipv6Hardening =
    {
        ("net.ipv6.conf.all.accept_ra", "0"),
        ("net.ipv6.conf.default.accept_ra", "0"),
        ("net.ipv6.conf.all.forwarding", "0"),
    };

    private readonly NetworkHost _host;
    private readonly HostReaders _readers;
    private readonly Func<string, string?> _locate;
    private readonly Func<string, bool> _exists;

    /// <summary>Initializes a new instance of the <see cref="RouterService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="locate">Finds a program on disk, or returns null (for the DHCP client).</param>
    /// <param name="exists">Tells whether a file exists.</param>
    public RouterService(NetworkHost host, Func<string, string?> locate, Func<string, bool> exists)
        : this(new HostReaders(host), locate, exists)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RouterService"/> class.</summary>
    /// <param name="readers">The readers of the host.</param>
    /// <param name="locate">Finds a program on disk, or returns null (for the DHCP client).</param>
    /// <param name="exists">Tells whether a file exists.</param>
    public RouterService(HostReaders readers, Func<string, string?> locate, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _host = readers.Host;
        _locate = locate;
        _exists = exists;
    }

    /// <summary>The comment that names the router owning a rule.</summary>
    /// <param name="name">The router name.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string name) => new RouterComment(name).Write();

    /// <summary>Plans a router namespace.</summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The bridge, uplink or addresses do not fit, or a router exists with other settings.</exception>
    public Plan PlanAdd(RouterRequest request, KernelState state) => PlanAddWithRouter(request, state).Plan;

    /// <summary>Plans a router namespace, and says what the router will be once the plan ran (a sync plans its next stage from it).</summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan, and the router as <see cref="RouterReader"/> will read it afterwards.</returns>
    /// <exception cref="VlanException">The bridge, uplink or addresses do not fit, or a router exists with other settings.</exception>
    public (Plan Plan, Router Router) PlanAddWithRouter(RouterRequest request, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Namespace;
        var r = _host.NamespaceFor(request.Name);
        var atHost = h;
        var atRouter = NetNamespace.Named(r);
        var hostLinks = state.Links(h);
        var routerLinks = state.Links(r);
        var routers = _readers.Routers.Routers(state);

        var bridge = _readers.Bridge(request.Bridge, state);
        var lan = bridge.Cidr ?? throw new VlanException(
            ErrorIds.AddressOutsideSubnet,
            VlanErrorKind.InvalidOperation,
            request.Bridge,
            $"The bridge '{request.Bridge}' has no address, so its LAN has no subnet for the router. Give it one with New-VlanBridge -Name {request.Bridge} -Address 172.24.0.1/16 -Force.");
        var gateway = GatewayFor(request, lan);
        if (!lan.Contains(gateway) || Ipv4Cidr.Parse($"{gateway}/{lan.PrefixLength}") is { IsNetworkAddress: true } or { IsBroadcastAddress: true })
        {
            throw new VlanException(
                ErrorIds.AddressOutsideSubnet,
                VlanErrorKind.InvalidArgument,
                gateway.ToString(),
                $"-GatewayAddress {gateway} is not a host address in the LAN {lan.Network} of the bridge '{request.Bridge}'. Give an address inside it, such as the seed's {lan.Host(254).Address}.");
        }

        var existing = routerLinks.Exists ? RouterReader.RecordIn(r, state) : null;

        // A namespace that holds nothing but lo is taken over: it is what a run cut off right after
        // 'ip netns add' leaves, and running the runbook again must converge.
        if (routerLinks.Exists && existing is null && routerLinks.Links.Any(l => l.Name != "lo"))
        {
            throw new VlanException(
                ErrorIds.RouterConflict,
                VlanErrorKind.ResourceExists,
                request.Name,
                $"A network namespace named '{r}' exists but VirtualLan did not make it. Choose another -Name, or delete it with 'ip netns delete {r}'.");
        }

        foreach (var other in routers.Where(o => o.Name != request.Name && o.Bridge == request.Bridge))
        {
            throw new VlanException(
                ErrorIds.RouterConflict,
                VlanErrorKind.ResourceExists,
                request.Name,
                $"The bridge '{request.Bridge}' already has the router '{other.Name}'. A LAN has one gateway; remove it first with Remove-VlanRouterNamespace -Name {other.Name}.");
        }

        if (_readers.HostNat.Read(request.Bridge, state) is { } hostNat)
        {
            throw new VlanException(
                ErrorIds.GatewayConflict,
                VlanErrorKind.InvalidOperation,
                request.Bridge,
                $"The host is already the gateway of '{request.Bridge}' (host NAT out of {hostNat.Uplink}). A LAN has one way out: disable it first with Disable-VlanHostNat -Bridge {request.Bridge}.");
        }

        var uplinkInRouter = routerLinks.Link(request.Uplink);
        var uplinkInHost = hostLinks.Link(request.Uplink);
        IReadOnlyList<Ipv4Cidr> uplinkAddresses;
        IPAddress? uplinkGateway;
        string savedUplink;
        if (existing is not null)
        {
            // A router of this name exists: it must be the same one, and then the plan only fills gaps.
            if (existing.Bridge != request.Bridge || existing.Uplink != request.Uplink || !existing.Gateway.Equals(gateway)
                || (!request.HostLinkIsDefault && existing.HostLink != request.HostLink) || existing.Mode != request.Mode)
            {
                throw new VlanException(
                    ErrorIds.RouterConflict,
                    VlanErrorKind.ResourceExists,
                    request.Name,
                    $"The router '{request.Name}' exists with other settings ({existing}). Remove it first with Remove-VlanRouterNamespace -Name {request.Name}, or choose another -Name.");
            }
        }

        if (uplinkInRouter is not null)
        {
            var saved = UplinkRecord.Parse(uplinkInRouter.Alias) ?? throw new VlanException(
                ErrorIds.UplinkInvalid, VlanErrorKind.InvalidOperation, request.Uplink, $"The link '{request.Uplink}' is already in the namespace '{r}' but carries no record of the host's settings. Move it back by hand first.");
            savedUplink = saved.Write();
            uplinkAddresses = saved.Addresses;
            uplinkGateway = saved.Gateway;
        }
        else if (RecordOfThisRouter(uplinkInHost, request.Name) is { } stranded)
        {
            // The uplink is in the host but already carries this router's record: a run cut off
            // after recording it and before moving it, or a Remove cut off after giving it back.
            // What it had before the router is in the record, not on the link any more.
            CheckUplink(uplinkInHost!, request, routers);
            savedUplink = uplinkInHost!.Alias!;
            uplinkAddresses = stranded.Addresses;
            uplinkGateway = stranded.Gateway;
        }
        else
        {
            var uplink = uplinkInHost ?? throw new VlanException(
                ErrorIds.UplinkNotFound,
                VlanErrorKind.ObjectNotFound,
                request.Uplink,
                $"There is no link named '{request.Uplink}' in {_host.DisplayName}. Run 'ip link' to see the links, and give the one that reaches your network as -Uplink.");
            CheckUplink(uplink, request, routers);
            uplinkAddresses = uplink.Addresses;
            uplinkGateway = state.Routes(h).FirstOrDefault(x => x.IsDefault && x.Device == uplink.Name)?.Gateway;
            savedUplink = new UplinkRecord
            {
                Router = request.Name,
                Addresses = uplink.Addresses,
                Gateway = uplinkGateway,
                WasUp = uplink.IsUp,
                Mtu = uplink.Mtu,
                Alias = uplink.Alias ?? string.Empty,
            }.Write();
        }

        if (request.Mode == UplinkMode.Keep && uplinkAddresses.Count == 0)
        {
            throw new VlanException(
                ErrorIds.UplinkHasNoAddress,
                VlanErrorKind.InvalidArgument,
                request.Uplink,
                $"The uplink '{request.Uplink}' has no IPv4 address to move into the router. Add -Dhcp to get one from your network, or -UplinkAddress and -UplinkGateway to set one.");
        }

        // The default host link is the first /30 from 100.64.0.1/30 on that no other link, route or
        // network of this router uses, so that two routers never share one; a router that exists keeps its own.
        var hostLink = !request.HostLinkIsDefault ? request.HostLink
            : existing is not null ? existing.HostLink
            : FreeHostLink(request, lan, uplinkAddresses, routers, state);
        CheckAddresses(request, hostLink, lan, gateway, uplinkAddresses, hostLinks, existing is not null);
        var dhcpClient = request.Mode == UplinkMode.Dhcp ? existing?.DhcpClient ?? DhcpClients.Choose(_exists, _locate) : null;
        var peer = RouterReader.HostLinkPeer(hostLink);
        var record = new RouterRecord
        {
            Bridge = request.Bridge,
            DhcpClient = dhcpClient,
            Gateway = gateway,
            Host = _host.Sandbox ?? string.Empty,
            HostLink = hostLink,
            Mode = request.Mode,
            Uplink = request.Uplink,
        }.Write();

        var steps = new List<Step>();
        steps.Add(Step.Program($"Create the router namespace {r}", new CommandLine("ip", "netns", "add", r), new CommandLine("ip", "netns", "delete", r), s => s.NamespaceNames.Contains(r)).Carrying(new AddNamespace(r)));
        steps.Add(new SetAlias(atRouter, "lo", record).ToStep($"Record the router's settings on lo in {r}"));
        steps.Add(new SetLinkState(atRouter, "lo", Revert: false).ToStep($"Bring lo up in {r}"));
        steps.Add(new SetSysctls(atRouter, [("net.ipv4.ip_forward", "1")]).ToStep($"Enable IPv4 forwarding inside {r} only"));
        var ipv6 = _exists("/proc/sys/net/ipv6");
        var hardening = ipv6 ? Ipv4Hardening.Concat(Ipv6Hardening).ToArray() : Ipv4Hardening;
        steps.Add(new SetSysctls(atRouter, hardening).ToStep($"Harden {r}: strict reverse-path filtering{(ipv6 ? ", no IPv6 router advertisements nor IPv6 forwarding" : string.Empty)}"));
        steps.AddRange(FirewallSteps(request.Name, atRouter, request.Uplink, lan.Network, hostLink.Network, request.Mode == UplinkMode.Dhcp).Select(o => o.ToStep(Describe(o))));
        if (ipv6)
        {
            steps.AddRange(Firewall6Steps(request.Name, atRouter));
        }


        // The LAN leg (seed: vnetveth0 on the bridge, vnetveth1 in the router with the gateway address).
        var lanCidr = Ipv4Cidr.Parse($"{gateway}/{lan.PrefixLength}");
        steps.Add(new CreateVeth(atHost, request.BridgePort, LanInterface, r).ToStep($"Create the router's LAN leg {request.BridgePort} ↔ {LanInterface}"));
        steps.Add(new PlugLink(atHost, request.BridgePort, request.Bridge).ToStep($"Plug {request.BridgePort} into {request.Bridge}"));
        steps.Add(AddressStep(atRouter, LanInterface, lanCidr));
        steps.Add(UpStep(atRouter, LanInterface));

        // The host ↔ router link (seed: router_veth0 in the host, router_veth1 in the router).
        var peerCidr = Ipv4Cidr.Parse($"{peer}/{hostLink.PrefixLength}");
        steps.Add(new CreateVeth(atHost, request.HostInterface, HostLinkInterface, r).ToStep($"Create the host ↔ router link {request.HostInterface} ↔ {HostLinkInterface}"));
        steps.Add(new SetAlias(atHost, request.HostInterface, record).ToStep($"Record the router's settings on {request.HostInterface}"));
        steps.Add(AddressStep(atHost, request.HostInterface, hostLink));
        steps.Add(UpStep(atHost, request.HostInterface));
        steps.Add(AddressStep(atRouter, HostLinkInterface, peerCidr));
        steps.Add(UpStep(atRouter, HostLinkInterface));

        // The uplink goes last, so a failure before it never touches the host's connection, and a
        // failure after it is undone first (the rollback runs in reverse).
        var uplinkName = request.Uplink;
        var savedRecord = UplinkRecord.Parse(savedUplink)!;
        var recordUplink = new SetAlias(atHost, uplinkName, savedUplink, savedRecord.Alias);
        steps.Add(Step.Link($"Record the uplink's settings on {uplinkName}", h, recordUplink.Arguments.ToArray(), recordUplink.Undo!.Arguments.ToArray(), s => s.Links(r).Link(uplinkName) is not null || s.Links(h).Link(uplinkName)?.Alias == savedUplink)
            .Carrying(recordUplink));
        var moveUplink = new MoveLink(atHost, uplinkName, atRouter, r);
        steps.Add(Step.ProgramWithUndo(
            $"Move the uplink {uplinkName} into {r}",
            moveUplink.Command,
            RestoreUplinkCommands(atRouter, uplinkName, uplinkAddresses, uplinkGateway, savedRecord.WasUp, savedRecord.Alias),
            s => s.Links(r).Link(uplinkName) is not null).Carrying(moveUplink));
        switch (request.Mode)
        {
            case UplinkMode.Dhcp:
                steps.Add(UpStep(atRouter, uplinkName));
                steps.Add(Step.Program(
                    $"Keep the router's DNS settings in /etc/netns/{r}, away from the host's",
                    new CommandLine("install", "-D", "-m", "0644", "/dev/null", $"/etc/netns/{r}/resolv.conf"),
                    null,
                    _ => _exists($"/etc/netns/{r}/resolv.conf")));
                steps.Add(Step.Program(
                    $"Get the uplink's address by DHCP with {dhcpClient}",
                    DhcpClients.Start(dhcpClient!, r, uplinkName),
                    DhcpClients.Stop(dhcpClient!, r, uplinkName),
                    s => s.Links(r).Link(uplinkName)?.Addresses.Count > 0));
                break;
            default:
                var addresses = request.Mode == UplinkMode.Static ? new[] { request.UplinkAddress!.Value } : uplinkAddresses;
                var routerGateway = request.Mode == UplinkMode.Static ? request.UplinkGateway : uplinkGateway;
                steps.AddRange(addresses.Select(a => AddressStep(atRouter, uplinkName, a)));
                steps.Add(UpStep(atRouter, uplinkName));
                if (routerGateway is not null)
                {
                    var route = new AddRoute(atRouter, "default", routerGateway, uplinkName);
                    steps.Add(Step.Link($"Route the router's traffic out of {uplinkName} via {routerGateway}", r, route.Arguments.ToArray(), null, s => s.Routes(r).Any(x => x.IsDefault && Equals(x.Gateway, routerGateway))).Carrying(route));
                }

                break;
        }

        if (request.RouteHostTraffic)
        {
            steps.Add(new AddRoute(atHost, "default", peer, request.HostInterface).ToStep($"Route the host's traffic through the router via {peer}"));
        }

        var made = new Router
        {
            Name = request.Name,
            Namespace = r,
            Bridge = request.Bridge,
            GatewayAddress = gateway,
            PrefixLength = lan.PrefixLength,
            Uplink = uplinkName,
            UplinkCidr = request.Mode switch
            {
                UplinkMode.Static => request.UplinkAddress,
                UplinkMode.Keep when uplinkAddresses.Count > 0 => uplinkAddresses[0],
                _ => null, // a DHCP lease is known once it is taken
            },
            UplinkGateway = request.Mode == UplinkMode.Static ? request.UplinkGateway : request.Mode == UplinkMode.Keep ? uplinkGateway : null,
            UplinkMode = request.Mode,
            DhcpClient = dhcpClient,
            LanInterface = LanInterface,
            BridgePort = request.BridgePort,
            HostInterface = request.HostInterface,
            HostLinkCidr = hostLink,
            HostLinkPeer = peer,
            RoutesHostTraffic = request.RouteHostTraffic,
            ForwardPolicy = "DROP",
            InputPolicy = "DROP",
            Sandbox = _host.Sandbox,
        };
        return (new Plan($"Add router {request.Name} for {request.Bridge} with uplink {uplinkName}", $"{request.Name} ({r}), taking the uplink {uplinkName} from {_host.DisplayName}", steps), made);
    }

    /// <summary>Lists the routers of the host (delegates to RouterReader).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The routers.</returns>
    public IReadOnlyList<Router> Routers(KernelState state) => _readers.Routers.Routers(state);

    /// <summary>Finds the routers a removal cut off after their host link was deleted (delegates to RouterReader).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="known">Namespaces known to be something else, such as appliances, which are not read.</param>
    /// <returns>The routers left half-removed.</returns>
    public IReadOnlyList<Router> Leftovers(KernelState state, IEnumerable<string?> known) => _readers.Routers.Leftovers(state, known);

    /// <summary>Reads one router (delegates to RouterReader).</summary>
    /// <param name="name">The router name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The router.</returns>
    /// <exception cref="VlanException">There is no router of that name.</exception>
    public Router Read(string name, KernelState state) => _readers.Routers.Read(name, state);

    /// <summary>
    /// Plans the removal of a router: its processes stopped, the uplink given back to the host with
    /// the addresses, state and default route it had, the router's links deleted, the namespace deleted.
    /// </summary>
    /// <param name="name">The router name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="tunnelGoes">True when the bridge's tunnel is removed in the same plan (Remove-VlanBridge -Recurse).</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">There is no router of that name.</exception>
    public Plan PlanRemove(string name, KernelState state, bool tunnelGoes = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        var router = _readers.Routers.Read(Names.Interface(name, "Name"), state);

        // The tunnel's socket lives in the router: the kernel would delete the device with it and
        // leave the LAN's lowered MTU and the other hosts without their gateway.
        if (!tunnelGoes && TunnelService.HostIndexOf(_host, router.Bridge, state) is not null)
        {
            throw new VlanException(ErrorIds.BridgeInUse, VlanErrorKind.InvalidOperation, name, $"The tunnel of '{router.Bridge}' sends through the router '{name}', and the other hosts' appliances may use it as their gateway. Remove the tunnel first (Remove-VlanTunnel -Bridge {router.Bridge}), or the whole LAN with Remove-VlanBridge -Recurse.");
        }
        var h = _host.Namespace;
        var r = router.Namespace;
        var atHost = h;
        var atRouter = NetNamespace.Named(r);
        var pids = state.Pids(r);
        var steps = new List<Step>();
        var uplink = state.Links(r).Link(router.Uplink);
        if (pids.Count > 0)
        {
            // Stopped processes cannot be given back; the DHCP client the module started is started again.
            var client = router.DhcpClient is not null && uplink is not null ? DhcpClients.Start(router.DhcpClient, r, router.Uplink) : null;
            steps.Add(Step.Program($"Stop the processes in {r} (DHCP client)", new CommandLine("kill", new[] { "-TERM" }.Concat(pids)), null, null)
                .WithUndo(
                    client is null ? Array.Empty<CommandLine>() : new[] { client },
                    $"the processes stopped in {r} (PIDs {string.Join(", ", pids)}) are not running again"
                        + (client is null ? string.Empty : $"; {router.DhcpClient} was started again there, and its lease may differ")));
        }

        // The uplink's record is read wherever the uplink is: in the router, or back in the host
        // when a Remove was cut off after giving it back (then it still carries the record).
        var stranded = uplink is null ? state.Links(h).Link(router.Uplink) is { } inHost && RecordOfThisRouter(inHost, router.Name) is not null ? inHost : null : null;
        var saved = UplinkRecord.Parse((uplink ?? stranded)?.Alias);
        var addresses = saved?.Addresses ?? Array.Empty<Ipv4Cidr>();
        var gateway = saved?.Gateway;
        if (uplink is not null)
        {
            // Moving a link to another namespace takes its addresses and brings it down; the undo
            // moves it back and gives it the router's addresses, state and routes again.
            var back = new List<CommandLine> { new MoveLink(atHost, router.Uplink, atRouter, r).Command };
            back.AddRange(Restore.Settings(state, r, uplink, master: false));
            var giveBack = new MoveLink(atRouter, router.Uplink, atHost, HostReference);
            steps.Add(Step.Link($"Give the uplink {router.Uplink} back to {_host.DisplayName}", r, giveBack.Arguments.ToArray(), null, s => s.Links(r).Link(router.Uplink) is null)
                .Carrying(giveBack)
                .WithUndo(back));
        }

        if (uplink is not null || stranded is not null)
        {
            steps.AddRange(addresses.Select(a => AddressStep(atHost, router.Uplink, a)));
            if (saved?.WasUp != false)
            {
                steps.Add(new SetLinkState(atHost, router.Uplink).ToStep($"Bring {router.Uplink} up"));
            }
        }

        var links = new[] { (Name: router.BridgePort, Inside: LanInterface), (Name: router.HostInterface, Inside: HostLinkInterface) }.Select(l =>
        {
            var step = new DeleteLink(atHost, l.Name).ToStep($"Delete {l.Name}");
            return (l.Name, Step: state.Links(h).Link(l.Name) is { } end
                ? step.WithUndo(() => (Restore.Veth(state, h, end, r, state.Links(r).Link(l.Inside), l.Inside), null))
                : step);
        }).ToArray();

        // A host whose traffic goes through the router (-RouteHostTraffic) has its default route on the
        // host link: that link goes first, so that the uplink's default route can be added, and its
        // undo puts the route back.
        var early = state.Routes(h).Any(x => x.IsDefault && x.Device == router.HostInterface)
            ? links.Where(l => l.Name == router.HostInterface).Select(l => l.Step).ToHashSet()
            : new HashSet<Step>();
        steps.AddRange(early);

        if (saved is not null && gateway is not null)
        {
            var route = new AddRoute(atHost, "default", gateway, router.Uplink);
            steps.Add(Step.Link($"Restore the host's default route via {gateway}", h, route.Arguments.ToArray(), route.Undo.Arguments.ToArray(), s => s.Routes(h).Any(x => x.IsDefault && Equals(x.Gateway, gateway))).Carrying(route));
        }

        if (uplink is not null || stranded is not null)
        {
            // The record goes last: until everything it describes is back, a run cut off here and
            // started again finds the uplink's settings in it.
            var restoreAlias = new SetAlias(atHost, router.Uplink, saved?.Alias ?? string.Empty, (uplink ?? stranded)!.Alias ?? string.Empty);
            steps.Add(Step.Link($"Restore the alias of {router.Uplink}", h, restoreAlias.Arguments.ToArray(), restoreAlias.Undo!.Arguments.ToArray(), null).Carrying(restoreAlias));
        }

        // The executor holds the namespace open while the plan runs, so the undo mounts it back on its
        // name with lo, forwarding, the whole firewall and any link left in it exactly as they were,
        // and nothing in it is read for an undo that is not needed; the links moved out come back
        // with the undo of the steps above.
        steps.Add(new DeleteNamespace(r).ToStep($"Delete the namespace {r}"));
        if (_exists($"/etc/netns/{r}/resolv.conf"))
        {
            steps.Add(Step.Program($"Delete /etc/netns/{r}", new CommandLine("rm", "-r", $"/etc/netns/{r}"), null, null)
                .WithUndo(
                    new[] { new CommandLine("install", "-D", "-m", "0644", "/dev/null", $"/etc/netns/{r}/resolv.conf") },
                    $"/etc/netns/{r}/resolv.conf is made again empty, until the DHCP client writes it"));
        }

        // The LAN's dnsmasq was stopped with the router's processes; its folder goes with the namespace.
        var dhcp = Dnsmasq.Folders(r);
        if (dhcp.Count > 0)
        {
            steps.Add(Step.Program($"Delete the DHCP server's files {string.Join(", ", dhcp)}", new CommandLine("rm", new[] { "-rf", "--" }.Concat(dhcp)), null, null)
                .Tolerating($"{string.Join(", ", dhcp)} could not be deleted; delete them by hand"));
        }

        // The router's links go last: nothing after waits for them, so the executor deletes them with
        // the plan's other link deletions in one kernel operation (one unregistration, not one each),
        // and their peers, in the namespace deleted by name above, go with them.
        steps.AddRange(links.Where(l => !early.Contains(l.Step)).Select(l => l.Step));

        var restore = string.Join("; ", addresses.Select(a => $"ip{HostFlag} addr add {a} dev {router.Uplink}")
            .Append($"ip{HostFlag} link set dev {router.Uplink} up")
            .Concat(gateway is null ? Array.Empty<string>() : new[] { $"ip{HostFlag} route add default via {gateway} dev {router.Uplink}" }));
        var recovery = $"THE UPLINK MAY NOT BE RESTORED. If '{router.Uplink}' is still in the namespace '{r}', give it back with 'ip -n {r} link set dev {router.Uplink} netns {HostReference}'; then restore it with: {restore}.";
        return new Plan($"Remove router {router.Name} and give {router.Uplink} back", $"{router.Name} ({r})", steps, recovery);
    }

    private string HostReference => _host.Sandbox ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private string HostFlag => _host.Sandbox is null ? string.Empty : " -n " + _host.Sandbox;

    /// <summary>The router's IPv4 firewall, in the order iptables-save prints its rules.</summary>
    private static IEnumerable<RuleOperation> FirewallSteps(string name, NetNamespace r, string uplink, Ipv4Cidr lan, Ipv4Cidr hostLink, bool dhcp)
    {
        var owner = Owner(name);
        string[] Owned(params string[] spec) => [.. spec[..^2], "-m", "comment", "--comment", owner, .. spec[^2..]];
        yield return new SetPolicy(r, "filter", "FORWARD", "DROP", "ACCEPT");
        yield return new SetPolicy(r, "filter", "INPUT", "DROP", "ACCEPT");
        foreach (var (table, chain, parent) in new[] { ("filter", ForwardChain, "FORWARD"), ("filter", InputChain, "INPUT"), ("nat", PostroutingChain, "POSTROUTING") })
        {
            yield return new CreateChain(r, table, chain);
            yield return new AppendRule(r, table, parent, Owned("-j", chain));
        }

        // To the router itself: its own traffic, answers, pings from the LAN and the host, and DHCP
        // answers on a DHCP uplink; then the user's chain; the rest falls to the DROP policy.
        yield return new CreateChain(r, "filter", UserInputChain);
        foreach (var rule in InputRules(owner, dhcp ? uplink : null, ipv6: false))
        {
            yield return new AppendRule(r, "filter", InputChain, rule);
        }

        // No packet from the WAN may carry a source of the LAN, of the host link or a martian one: a
        // forwarded server would take it for a neighbour (the hairpin rule masquerades LAN sources).
        yield return new CreateChain(r, "raw", AntiSpoofChain);
        yield return new AppendRule(r, "raw", "PREROUTING", Owned("-i", uplink, "-j", AntiSpoofChain));
        foreach (var source in new[] { lan.ToString(), hostLink.ToString() }.Concat(Martians))
        {
            yield return new AppendRule(r, "raw", AntiSpoofChain, Owned("-s", source, "-j", "DROP"));
        }

        yield return new AppendRule(r, "nat", PostroutingChain, Owned("-o", uplink, "-j", "MASQUERADE"));
        foreach (var inside in new[] { LanInterface, HostLinkInterface })
        {
            yield return new AppendRule(r, "filter", ForwardChain, Owned("-i", inside, "-o", uplink, "-j", "ACCEPT"));
            yield return new AppendRule(r, "filter", ForwardChain, Owned("-i", uplink, "-o", inside, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"));
        }
    }

    /// <summary>What a step of the router's firewall says it does.</summary>
    private static string? Describe(RuleOperation operation) => operation switch
    {
        SetPolicy { Chain: "FORWARD" } => "Drop forwarded packets by default",
        SetPolicy => "Drop packets to the router itself by default",
        CreateChain { Chain: UserInputChain } => $"Create the chain {UserInputChain} for your own INPUT rules",
        _ => null,
    };

    /// <summary>IPv6 is not routed yet: nothing is forwarded and the router accepts only its own traffic, answers and neighbour discovery.</summary>
    private static IEnumerable<Step> Firewall6Steps(string name, NetNamespace r)
    {
        var owner = Owner(name);
        foreach (var chain in new[] { "FORWARD", "INPUT" })
        {
            yield return new SetPolicy(r, "filter", chain, "DROP", "ACCEPT") { Ipv6 = true }.ToStep($"Drop {(chain == "INPUT" ? "IPv6 packets to the router itself" : "forwarded IPv6 packets")} by default");
        }

        foreach (var chain in new[] { InputChain, UserInputChain })
        {
            yield return new CreateChain(r, "filter", chain) { Ipv6 = true }.ToStep($"Create the IPv6 chain {chain}");
        }

        var hook = new AppendRule(r, "filter", "INPUT", ["-m", "comment", "--comment", owner, "-j", InputChain]) { Ipv6 = true };
        foreach (var rule in InputRules(owner, null, ipv6: true).Select(spec => new AppendRule(r, "filter", InputChain, spec) { Ipv6 = true }).Prepend(hook))
        {
            yield return rule.ToStep($"Add the IPv6 rule {rule.Line}");
        }
    }

    /// <summary>The rules of <see cref="InputChain"/> (their specs after <c>-A VLAN-INPUT</c>), in the order iptables-save prints them.</summary>
    private static IEnumerable<string[]> InputRules(string owner, string? dhcpUplink, bool ipv6)
    {
        string[] Accept(params string[] match) => [.. match, "-m", "comment", "--comment", owner, "-j", "ACCEPT"];
        yield return Accept("-i", "lo");
        yield return Accept("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED");
        if (ipv6)
        {
            // Neighbour solicitations and advertisements; router advertisements stay dropped.
            yield return Accept("-p", "ipv6-icmp", "-m", "icmp6", "--icmpv6-type", "135");
            yield return Accept("-p", "ipv6-icmp", "-m", "icmp6", "--icmpv6-type", "136");
        }
        else
        {
            // Pings from the LAN and the host; ICMP errors about the router's own connections are RELATED.
            yield return Accept("-i", LanInterface, "-p", "icmp", "-m", "icmp", "--icmp-type", "8");
            yield return Accept("-i", HostLinkInterface, "-p", "icmp", "-m", "icmp", "--icmp-type", "8");
            if (dhcpUplink is not null)
            {
                yield return Accept("-i", dhcpUplink, "-p", "udp", "-m", "udp", "--sport", "67", "--dport", "68");
            }
        }

        yield return ["-m", "comment", "--comment", owner, "-j", UserInputChain];
    }

    /// <summary>The first /30 from 100.64.0.1/30 on that overlaps no address or route of the host, nor the LAN or the uplink's network.</summary>
    private Ipv4Cidr FreeHostLink(RouterRequest request, Ipv4Cidr lan, IReadOnlyList<Ipv4Cidr> uplinkAddresses, IReadOnlyList<Router> routers, KernelState state)
    {
        var taken = new List<Ipv4Cidr> { lan.Network };
        taken.AddRange((request.UplinkAddress is { } a ? new[] { a } : uplinkAddresses).Select(x => x.Network));
        taken.AddRange(state.Links(_host.Sandbox).Links.SelectMany(l => l.Addresses).Select(x => x.Network));
        taken.AddRange(routers.Select(x => x.HostLinkCidr.Network));
        foreach (var route in state.Routes(_host.Sandbox).Where(x => !x.IsDefault))
        {
            if (Ipv4Cidr.TryParse(route.Destination.Contains('/', StringComparison.Ordinal) ? route.Destination : route.Destination + "/32", out var network, out _))
            {
                taken.Add(network.Network);
            }
        }

        for (var i = 0; i < 1024; i++)
        {
            var candidate = FirstHostLink.Offset(4 * i);
            if (!taken.Any(t => candidate.Overlaps(t)))
            {
                return candidate;
            }
        }

        throw new VlanException(
            ErrorIds.SubnetOverlap,
            VlanErrorKind.InvalidOperation,
            request.Name,
            $"No /30 from {RouterRequest.DefaultHostLink} to 100.64.15.253/30 is free for the host ↔ router link. Give one with -HostLink, such as 192.168.253.1/30.");
    }

    private static Step AddressStep(NetNamespace ns, string link, Ipv4Cidr address) =>
        new AddAddress(ns, link, address).ToStep($"Give {link} the address {address}");

    /// <summary>Brings up a link the plan made or moved in: its deletion or move back undoes it.</summary>
    private static Step UpStep(NetNamespace ns, string link) =>
        new SetLinkState(ns, link, Revert: false).ToStep($"Bring {link} up");

    private IReadOnlyList<CommandLine> RestoreUplinkCommands(NetNamespace r, string uplink, IReadOnlyList<Ipv4Cidr> addresses, IPAddress? gateway, bool wasUp, string alias)
    {
        var h = _host.Namespace;
        var operations = new List<IpOperation>
        {
            new MoveLink(r, uplink, h, HostReference),
            new SetAlias(h, uplink, alias),
        };
        operations.AddRange(addresses.Select(a => new AddAddress(h, uplink, a)));
        if (wasUp)
        {
            operations.Add(new SetLinkState(h, uplink));
        }

        if (gateway is not null)
        {
            operations.Add(new AddRoute(h, "default", gateway, uplink));
        }

        return operations.Select(o => o.Command).ToArray();
    }

    /// <summary>The uplink record a link carries when it names the given router, else null.</summary>
    private static UplinkRecord? RecordOfThisRouter(LinkState? link, string router) =>
        UplinkRecord.Parse(link?.Alias) is { } record && record.Router == router ? record : null;

    private static void CheckUplink(LinkState uplink, RouterRequest request, IReadOnlyList<Router> routers)
    {
        string? reason = uplink.Name == "lo" ? "it is the loopback link"
            : uplink.IsBridge ? "it is a bridge"
            : uplink.Master is not null ? $"it is plugged into the bridge '{uplink.Master}'"
            : uplink.Name == request.BridgePort || uplink.Name == request.HostInterface ? "it is one of the router's own links"
            : UplinkRecord.Parse(uplink.Alias) is { } record
                ? record.Router == request.Name
                    ? null
                    : $"it carries the record of the router '{record.Router}', which did not finish adding or removing it. Run Remove-VlanRouterNamespace -Name {record.Router} to give it back its settings, or Add-VlanRouterNamespace again with -Name {record.Router} to finish"
            : OwnObjects.WhyLink(uplink, routers);
        if (reason is not null)
        {
            throw new VlanException(
                ErrorIds.UplinkInvalid,
                VlanErrorKind.InvalidArgument,
                request.Uplink,
                $"'{request.Uplink}' cannot be the uplink: {reason}. Give the link that reaches your network (eth0, enp0s25, wlan0 …) as -Uplink.");
        }
    }

    private void CheckAddresses(RouterRequest request, Ipv4Cidr hostLink, Ipv4Cidr lan, IPAddress gateway, IReadOnlyList<Ipv4Cidr> uplinkAddresses, NamespaceState hostLinks, bool exists)
    {
        var holder = hostLinks.HolderOf(gateway);
        if (holder is not null && !exists)
        {
            throw new VlanException(
                ErrorIds.AddressInUse,
                VlanErrorKind.ResourceExists,
                gateway.ToString(),
                $"-GatewayAddress {gateway} is already used by '{holder.Name}' in {_host.DisplayName}. Choose another address in {lan.Network}.");
        }

        var uplinkNets = (request.UplinkAddress is { } a ? new[] { a } : uplinkAddresses).Select(x => x.Network);
        foreach (var (what, net) in new[] { ("the LAN", lan.Network) }.Concat(uplinkNets.Select(n => ("the uplink's network", n))))
        {
            if (hostLink.Overlaps(net))
            {
                throw new VlanException(
                    ErrorIds.SubnetOverlap,
                    VlanErrorKind.InvalidArgument,
                    hostLink.ToString(),
                    $"-HostLink {hostLink} overlaps {what} {net}. Choose a /30 elsewhere, such as the default {RouterRequest.DefaultHostLink}.");
            }
        }

        if (request.UplinkAddress is { } address && request.UplinkGateway is { } uplinkGateway && !address.Contains(uplinkGateway))
        {
            throw new VlanException(
                ErrorIds.AddressOutsideSubnet,
                VlanErrorKind.InvalidArgument,
                uplinkGateway.ToString(),
                $"-UplinkGateway {uplinkGateway} is not in the uplink's network {address.Network}. Give the gateway of that network.");
        }
    }

    internal static IPAddress GatewayFor(RouterRequest request, Ipv4Cidr lan)
    {
        if (request.GatewayAddress is not null)
        {
            return request.GatewayAddress;
        }

        // The seed's choice: .254 of the LAN (172.24.0.254 on 172.24.0.0/16), or the last host of a smaller LAN.
        var seed = lan.Host(254);
        return lan.PrefixLength <= 24 ? seed.Address : Ipv4Cidr.Parse($"{lan.Broadcast}/{lan.PrefixLength}").Offset(-1).Address;
    }
}
