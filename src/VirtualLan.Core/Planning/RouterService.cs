using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>
/// Plans router namespaces (seed 000's PAT router) and reads them back. The router's metadata
/// lives in the alias of its lo, and what the uplink had in the host lives in the uplink's own
/// alias, so both survive the session that made them.
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
    private readonly Func<string, string?> _locate;
    private readonly Func<string, bool> _exists;

    /// <summary>Initializes a new instance of the <see cref="RouterService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="locate">Finds a program on disk, or returns null (for the DHCP client).</param>
    /// <param name="exists">Tells whether a file exists.</param>
    public RouterService(NetworkHost host, Func<string, string?> locate, Func<string, bool> exists)
    {
        _host = host;
        _locate = locate;
        _exists = exists;
    }

    /// <summary>The comment that names the router owning a rule.</summary>
    /// <param name="name">The router name.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string name) => "virtuallan:router/" + name;

    /// <summary>Plans a router namespace.</summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The bridge, uplink or addresses do not fit, or a router exists with other settings.</exception>
    public Plan PlanAdd(RouterRequest request, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        var r = _host.NamespaceFor(request.Name);
        var hostLinks = state.Links(h);
        var routerLinks = state.Links(r);

        var bridge = new BridgeService(_host).Read(request.Bridge, state);
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

        var existing = routerLinks.Exists ? AliasRecord.Parse(routerLinks.Link("lo")?.Alias, "router") : null;

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

        foreach (var other in Routers(state).Where(o => o.Name != request.Name && o.Bridge == request.Bridge))
        {
            throw new VlanException(
                ErrorIds.RouterConflict,
                VlanErrorKind.ResourceExists,
                request.Name,
                $"The bridge '{request.Bridge}' already has the router '{other.Name}'. A LAN has one gateway; remove it first with Remove-VlanRouterNamespace -Name {other.Name}.");
        }

        if (new HostNatService(_host).Read(request.Bridge, state) is { } hostNat)
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
            if (existing["bridge"] != request.Bridge || existing["uplink"] != request.Uplink || existing["gw"] != gateway.ToString()
                || (!request.HostLinkIsDefault && existing["hostlink"] != request.HostLink.ToString()) || existing["mode"] != request.Mode.ToString())
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
            var saved = AliasRecord.Parse(uplinkInRouter.Alias, "uplink") ?? throw new VlanException(
                ErrorIds.UplinkInvalid, VlanErrorKind.InvalidOperation, request.Uplink, $"The link '{request.Uplink}' is already in the namespace '{r}' but carries no record of the host's settings. Move it back by hand first.");
            savedUplink = saved.ToString();
            uplinkAddresses = ParseAddresses(saved["addrs"]);
            uplinkGateway = saved["gw"] is { Length: > 0 } g ? IPAddress.Parse(g) : null;
        }
        else if (RecordOfThisRouter(uplinkInHost, request.Name) is { } stranded)
        {
            // The uplink is in the host but already carries this router's record: a run cut off
            // after recording it and before moving it, or a Remove cut off after giving it back.
            // What it had before the router is in the record, not on the link any more.
            CheckUplink(uplinkInHost!, request, Routers(state));
            savedUplink = uplinkInHost!.Alias!;
            uplinkAddresses = ParseAddresses(stranded["addrs"]);
            uplinkGateway = stranded["gw"] is { Length: > 0 } g ? IPAddress.Parse(g) : null;
        }
        else
        {
            var uplink = uplinkInHost ?? throw new VlanException(
                ErrorIds.UplinkNotFound,
                VlanErrorKind.ObjectNotFound,
                request.Uplink,
                $"There is no link named '{request.Uplink}' in {_host.DisplayName}. Run 'ip link' to see the links, and give the one that reaches your network as -Uplink.");
            CheckUplink(uplink, request, Routers(state));
            uplinkAddresses = uplink.Addresses;
            uplinkGateway = state.Routes(h).FirstOrDefault(x => x.IsDefault && x.Device == uplink.Name)?.Gateway;
            savedUplink = new AliasRecord("uplink", new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["router"] = request.Name,
                ["addrs"] = string.Join(',', uplink.Addresses),
                ["gw"] = uplinkGateway?.ToString() ?? string.Empty,
                ["up"] = uplink.IsUp ? "1" : "0",
                ["mtu"] = uplink.Mtu.ToString(CultureInfo.InvariantCulture),
                ["alias"] = uplink.Alias ?? string.Empty,
            }).ToString();
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
            : existing?["hostlink"] is { Length: > 0 } kept ? Ipv4Cidr.Parse(kept)
            : FreeHostLink(request, lan, uplinkAddresses, state);
        CheckAddresses(request, hostLink, lan, gateway, uplinkAddresses, hostLinks, existing is not null);
        var dhcpClient = request.Mode == UplinkMode.Dhcp ? existing?["client"] ?? DhcpClients.Choose(_exists, _locate) : null;
        var peer = HostLinkPeer(hostLink);
        var record = new AliasRecord("router", new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["bridge"] = request.Bridge,
            ["client"] = dhcpClient ?? string.Empty,
            ["gw"] = gateway.ToString(),
            ["host"] = _host.Sandbox ?? string.Empty,
            ["hostlink"] = hostLink.ToString(),
            ["mode"] = request.Mode.ToString(),
            ["uplink"] = request.Uplink,
        });

        var steps = new List<Step>();
        steps.Add(Step.Program($"Create the router namespace {r}", new CommandLine("ip", "netns", "add", r), new CommandLine("ip", "netns", "delete", r), s => s.NamespaceNames.Contains(r)));
        steps.Add(Step.Link($"Record the router's settings on lo in {r}", r, new[] { "link", "set", "dev", "lo", "alias", record.ToString() }, null, s => s.Links(r).Link("lo")?.Alias == record.ToString()));
        steps.Add(Step.Link($"Bring lo up in {r}", r, new[] { "link", "set", "dev", "lo", "up" }, null, s => s.Links(r).Link("lo")?.IsUp == true));
        steps.Add(Step.Program(
            $"Enable IPv4 forwarding inside {r} only",
            NetworkHost.ExecIn(r, "sysctl", new[] { "-qw", "net.ipv4.ip_forward=1" }),
            null,
            s => s.Sysctl(r, "net.ipv4.ip_forward") == "1"));
        var ipv6 = _exists("/proc/sys/net/ipv6");
        var hardening = ipv6 ? Ipv4Hardening.Concat(Ipv6Hardening).ToArray() : Ipv4Hardening;
        steps.Add(Step.Program(
            $"Harden {r}: strict reverse-path filtering{(ipv6 ? ", no IPv6 router advertisements nor IPv6 forwarding" : string.Empty)}",
            NetworkHost.ExecIn(r, "sysctl", new[] { "-qw" }.Concat(hardening.Select(x => $"{x.Key}={x.Value}"))),
            null,
            s => s.Sysctls(r, hardening.Select(x => x.Key).ToArray())?.SequenceEqual(hardening.Select(x => x.Value)) == true));
        steps.AddRange(FirewallSteps(request.Name, r, request.Uplink, lan.Network, hostLink.Network, request.Mode == UplinkMode.Dhcp));
        if (ipv6)
        {
            steps.AddRange(Firewall6Steps(request.Name, r));
        }


        // The LAN leg (seed: vnetveth0 on the bridge, vnetveth1 in the router with the gateway address).
        var lanCidr = Ipv4Cidr.Parse($"{gateway}/{lan.PrefixLength}");
        steps.Add(Step.Link($"Create the router's LAN leg {request.BridgePort} ↔ {LanInterface}", h, new[] { "link", "add", request.BridgePort, "type", "veth", "peer", "name", LanInterface, "netns", r }, new[] { "link", "del", request.BridgePort }, s => s.Links(h).Link(request.BridgePort) is not null));
        steps.Add(Step.Link($"Plug {request.BridgePort} into {request.Bridge}", h, new[] { "link", "set", "dev", request.BridgePort, "master", request.Bridge, "up" }, null, s => s.Links(h).Link(request.BridgePort) is { IsUp: true } p && p.Master == request.Bridge));
        steps.Add(AddressStep(r, LanInterface, lanCidr));
        steps.Add(UpStep(r, LanInterface));

        // The host ↔ router link (seed: router_veth0 in the host, router_veth1 in the router).
        var peerCidr = Ipv4Cidr.Parse($"{peer}/{hostLink.PrefixLength}");
        steps.Add(Step.Link($"Create the host ↔ router link {request.HostInterface} ↔ {HostLinkInterface}", h, new[] { "link", "add", request.HostInterface, "type", "veth", "peer", "name", HostLinkInterface, "netns", r }, new[] { "link", "del", request.HostInterface }, s => s.Links(h).Link(request.HostInterface) is not null));
        steps.Add(Step.Link($"Record the router's settings on {request.HostInterface}", h, new[] { "link", "set", "dev", request.HostInterface, "alias", record.ToString() }, null, s => s.Links(h).Link(request.HostInterface)?.Alias == record.ToString()));
        steps.Add(AddressStep(h, request.HostInterface, hostLink));
        steps.Add(UpStep(h, request.HostInterface));
        steps.Add(AddressStep(r, HostLinkInterface, peerCidr));
        steps.Add(UpStep(r, HostLinkInterface));

        // The uplink goes last, so a failure before it never touches the host's connection, and a
        // failure after it is undone first (the rollback runs in reverse).
        var uplinkName = request.Uplink;
        var originalAlias = AliasRecord.Parse(savedUplink, "uplink")!["alias"] ?? string.Empty;
        steps.Add(Step.Link($"Record the uplink's settings on {uplinkName}", h, new[] { "link", "set", "dev", uplinkName, "alias", savedUplink }, new[] { "link", "set", "dev", uplinkName, "alias", originalAlias }, s => s.Links(r).Link(uplinkName) is not null || s.Links(h).Link(uplinkName)?.Alias == savedUplink));
        steps.Add(Step.ProgramWithUndo(
            $"Move the uplink {uplinkName} into {r}",
            NetworkHost.IpIn(h, new[] { "link", "set", "dev", uplinkName, "netns", r }),
            RestoreUplinkCommands(r, uplinkName, uplinkAddresses, uplinkGateway, AliasRecord.Parse(savedUplink, "uplink")!["up"] != "0", originalAlias),
            s => s.Links(r).Link(uplinkName) is not null));
        switch (request.Mode)
        {
            case UplinkMode.Dhcp:
                steps.Add(UpStep(r, uplinkName));
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
                steps.AddRange(addresses.Select(a => AddressStep(r, uplinkName, a)));
                steps.Add(UpStep(r, uplinkName));
                if (routerGateway is not null)
                {
                    var gw = routerGateway.ToString();
                    steps.Add(Step.Link($"Route the router's traffic out of {uplinkName} via {gw}", r, new[] { "route", "add", "default", "via", gw, "dev", uplinkName }, null, s => s.Routes(r).Any(x => x.IsDefault && Equals(x.Gateway, routerGateway))));
                }

                break;
        }

        if (request.RouteHostTraffic)
        {
            var via = peer.ToString();
            steps.Add(Step.Link(
                $"Route the host's traffic through the router via {via}",
                h,
                new[] { "route", "add", "default", "via", via, "dev", request.HostInterface },
                new[] { "route", "del", "default", "via", via, "dev", request.HostInterface },
                s => s.Routes(h).Any(x => x.IsDefault && Equals(x.Gateway, peer) && x.Device == request.HostInterface)));
        }

        return new Plan($"Add router {request.Name} for {request.Bridge} with uplink {uplinkName}", $"{request.Name} ({r}), taking the uplink {uplinkName} from {_host.DisplayName}", steps);
    }

    /// <summary>Lists the routers of the host.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The routers.</returns>
    public IReadOnlyList<Router> Routers(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Derived("routers/" + _host.DisplayName, () => ReadRouters(state));
    }

    private IReadOnlyList<Router> ReadRouters(KernelState state)
    {

        // The router's record is also on its host link (NAME-hl), so one read of the host's links
        // finds every router, however many appliance namespaces there are.
        var routers = new List<Router>();
        foreach (var link in state.Links(_host.Sandbox).Links.Where(l => l.Name.EndsWith("-hl", StringComparison.Ordinal)))
        {
            var record = AliasRecord.Parse(link.Alias, "router");
            var name = link.Name[..^3];
            var ns = _host.NamespaceFor(name);
            if (record is not null && record["host"] == (_host.Sandbox ?? string.Empty) && state.Exists(ns))
            {
                routers.Add(Describe(name, ns, record, state));
            }
        }

        return routers.OrderBy(r => r.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Finds the routers a removal cut off after their host link was deleted and before their
    /// namespace was: <see cref="Routers"/> no longer lists them, but their namespace still holds the
    /// record on lo. Only namespaces not already known are read (one read each).
    /// </summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="known">Namespaces known to be something else, such as appliances, which are not read.</param>
    /// <returns>The routers left half-removed.</returns>
    public IReadOnlyList<Router> Leftovers(KernelState state, IEnumerable<string?> known)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(known);
        var skip = known.OfType<string>().Concat(Routers(state).Select(r => r.Namespace)).Append(_host.Sandbox ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var prefix = _host.Sandbox is null ? string.Empty : _host.Sandbox + ".";
        var found = new List<Router>();
        foreach (var ns in state.NamespaceNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Length > prefix.Length && !skip.Contains(n)))
        {
            var record = AliasRecord.Parse(state.Links(ns).Link("lo")?.Alias, "router");
            if (record is not null && record["host"] == (_host.Sandbox ?? string.Empty))
            {
                found.Add(Describe(ns[prefix.Length..], ns, record, state));
            }
        }

        return found;
    }

    /// <summary>Reads one router.</summary>
    /// <param name="name">The router name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The router.</returns>
    /// <exception cref="VlanException">There is no router of that name.</exception>
    public Router Read(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Routers(state).FirstOrDefault(x => x.Name == name) is { } router)
        {
            return router;
        }

        // A router cut off before its host link got its record is still found by its namespace.
        var ns = _host.NamespaceFor(name);
        var record = state.Exists(ns) ? AliasRecord.Parse(state.Links(ns).Link("lo")?.Alias, "router") : null;
        return record is not null && record["host"] == (_host.Sandbox ?? string.Empty) ? Describe(name, ns, record, state) : throw NotFound(name);
    }

    /// <summary>
    /// Plans the removal of a router: its processes stopped, the uplink given back to the host with
    /// the addresses, state and default route it had, the router's links deleted, the namespace deleted.
    /// </summary>
    /// <param name="name">The router name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">There is no router of that name.</exception>
    public Plan PlanRemove(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var router = Read(Names.Interface(name, "Name"), state);
        var h = _host.Sandbox;
        var r = router.Namespace;
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
        var saved = AliasRecord.Parse((uplink ?? stranded)?.Alias, "uplink");
        var addresses = ParseAddresses(saved?["addrs"]);
        var gateway = saved?["gw"] is { Length: > 0 } g ? IPAddress.Parse(g) : null;
        if (uplink is not null)
        {
            // Moving a link to another namespace takes its addresses and brings it down; the undo
            // moves it back and gives it the router's addresses, state and routes again.
            var back = new List<CommandLine> { NetworkHost.IpIn(h, new[] { "link", "set", "dev", router.Uplink, "netns", r }) };
            back.AddRange(Restore.Settings(state, r, uplink, master: false));
            steps.Add(Step.Link($"Give the uplink {router.Uplink} back to {_host.DisplayName}", r, new[] { "link", "set", "dev", router.Uplink, "netns", HostReference }, null, s => s.Links(r).Link(router.Uplink) is null)
                .WithUndo(back));
        }

        if (uplink is not null || stranded is not null)
        {
            steps.AddRange(addresses.Select(a => AddressStep(h, router.Uplink, a)));
            if (saved?["up"] != "0")
            {
                steps.Add(Step.Link($"Bring {router.Uplink} up", h, new[] { "link", "set", "dev", router.Uplink, "up" }, new[] { "link", "set", "dev", router.Uplink, "down" }, s => s.Links(h).Link(router.Uplink)?.IsUp == true));
            }
        }

        foreach (var (link, inside) in new[] { (router.BridgePort, LanInterface), (router.HostInterface, HostLinkInterface) })
        {
            var step = Step.Link($"Delete {link}", h, new[] { "link", "del", link }, null, s => s.Links(h).Link(link) is null);
            steps.Add(state.Links(h).Link(link) is { } end
                ? step.WithUndo(() => (Restore.Veth(state, h, end, r, state.Links(r).Link(inside), inside), null))
                : step);
        }

        if (saved is not null && gateway is not null)
        {
            var gw = gateway.ToString();
            steps.Add(Step.Link($"Restore the host's default route via {gw}", h, new[] { "route", "add", "default", "via", gw, "dev", router.Uplink }, new[] { "route", "del", "default", "via", gw, "dev", router.Uplink }, s => s.Routes(h).Any(x => x.IsDefault && Equals(x.Gateway, gateway))));
        }

        if (uplink is not null || stranded is not null)
        {
            // The record goes last: until everything it describes is back, a run cut off here and
            // started again finds the uplink's settings in it.
            var record = (uplink ?? stranded)!.Alias ?? string.Empty;
            steps.Add(Step.Link($"Restore the alias of {router.Uplink}", h, new[] { "link", "set", "dev", router.Uplink, "alias", saved?["alias"] ?? string.Empty }, new[] { "link", "set", "dev", router.Uplink, "alias", record }, null));
        }

        // The undo makes the namespace again with lo, forwarding and the whole firewall as they are;
        // the links come back with the undo of the steps above.
        var others = state.Links(r).Links.Where(l => l.Name != "lo" && l.Name != router.Uplink && l.Name != LanInterface && l.Name != HostLinkInterface).Select(l => l.Name).ToArray();
        steps.Add(Step.Program($"Delete the namespace {r}", new CommandLine("ip", "netns", "delete", r), null, s => !s.NamespaceNames.Contains(r))
            .WithUndo(Restore.Namespace(state, r, (_exists("/proc/sys/net/ipv6") ? Ipv4Hardening.Concat(Ipv6Hardening) : Ipv4Hardening).Select(x => x.Key).ToArray()), others.Length == 0 ? null : $"the links {string.Join(", ", others)} that were in {r} are gone"));
        if (_exists($"/etc/netns/{r}/resolv.conf"))
        {
            steps.Add(Step.Program($"Delete /etc/netns/{r}", new CommandLine("rm", "-r", $"/etc/netns/{r}"), null, null)
                .WithUndo(
                    new[] { new CommandLine("install", "-D", "-m", "0644", "/dev/null", $"/etc/netns/{r}/resolv.conf") },
                    $"/etc/netns/{r}/resolv.conf is made again empty, until the DHCP client writes it"));
        }

        var restore = string.Join("; ", addresses.Select(a => $"ip{HostFlag} addr add {a} dev {router.Uplink}")
            .Append($"ip{HostFlag} link set dev {router.Uplink} up")
            .Concat(gateway is null ? Array.Empty<string>() : new[] { $"ip{HostFlag} route add default via {gateway} dev {router.Uplink}" }));
        var recovery = $"THE UPLINK MAY NOT BE RESTORED. If '{router.Uplink}' is still in the namespace '{r}', give it back with 'ip -n {r} link set dev {router.Uplink} netns {HostReference}'; then restore it with: {restore}.";
        return new Plan($"Remove router {router.Name} and give {router.Uplink} back", $"{router.Name} ({r})", steps, recovery);
    }

    private string HostReference => _host.Sandbox ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private string HostFlag => _host.Sandbox is null ? string.Empty : " -n " + _host.Sandbox;

    private Router Describe(string name, string ns, AliasRecord record, KernelState state)
    {
        var links = state.Links(ns);
        var uplink = record["uplink"] ?? string.Empty;
        var hostLink = Ipv4Cidr.Parse(record["hostlink"]);
        var hostInterface = name + "-hl";
        var lanPrefix = links.Link(LanInterface) is { Addresses.Count: > 0 } lan ? lan.Addresses[0].PrefixLength : 0;
        return new Router
        {
            Name = name,
            Namespace = ns,
            Bridge = record["bridge"] ?? string.Empty,
            GatewayAddress = IPAddress.Parse(record["gw"] ?? "0.0.0.0"),
            PrefixLength = lanPrefix,
            Uplink = uplink,
            UplinkAddress = links.Link(uplink)?.Addresses.Count > 0 ? links.Link(uplink)!.Addresses[0] : null,
            UplinkGateway = state.Routes(ns).FirstOrDefault(x => x.IsDefault)?.Gateway,
            UplinkMode = Enum.Parse<UplinkMode>(record["mode"] ?? nameof(UplinkMode.Keep)),
            DhcpClient = record["client"] is { Length: > 0 } client ? client : null,
            LanInterface = LanInterface,
            BridgePort = name + "-br",
            HostInterface = hostInterface,
            HostLink = hostLink,
            HostLinkPeer = HostLinkPeer(hostLink),
            RoutesHostTraffic = state.Routes(_host.Sandbox).Any(x => x.IsDefault && x.Device == hostInterface),
            ForwardPolicy = state.Firewall(ns).Policy("filter", "FORWARD") ?? "ACCEPT",
            InputPolicy = state.Firewall(ns).Policy("filter", "INPUT") ?? "ACCEPT",
            Sandbox = _host.Sandbox,
        };
    }

    private static IEnumerable<Step> FirewallSteps(string name, string r, string uplink, Ipv4Cidr lan, Ipv4Cidr hostLink, bool dhcp)
    {
        var owner = Owner(name);
        yield return Step.Firewall("Drop forwarded packets by default", r, "filter", new[] { "-P", "FORWARD", "DROP" }, new[] { "-P", "FORWARD", "ACCEPT" }, s => s.Firewall(r).Policy("filter", "FORWARD") == "DROP");
        yield return Step.Firewall("Drop packets to the router itself by default", r, "filter", new[] { "-P", "INPUT", "DROP" }, new[] { "-P", "INPUT", "ACCEPT" }, s => s.Firewall(r).Policy("filter", "INPUT") == "DROP");
        foreach (var (table, chain, parent) in new[] { ("filter", ForwardChain, "FORWARD"), ("filter", InputChain, "INPUT"), ("nat", PostroutingChain, "POSTROUTING") })
        {
            yield return Step.Firewall($"Create the chain {chain}", r, table, new[] { "-N", chain }, new[] { "-X", chain }, s => s.Firewall(r).HasChain(table, chain));
            yield return Rule(r, table, new[] { "-A", parent, "-m", "comment", "--comment", owner, "-j", chain });
        }

        // To the router itself: its own traffic, answers, pings from the LAN and the host, and DHCP
        // answers on a DHCP uplink; then the user's chain; the rest falls to the DROP policy.
        yield return Step.Firewall($"Create the chain {UserInputChain} for your own INPUT rules", r, "filter", new[] { "-N", UserInputChain }, new[] { "-X", UserInputChain }, s => s.Firewall(r).HasChain("filter", UserInputChain));
        foreach (var rule in InputRules(owner, dhcp ? uplink : null, ipv6: false))
        {
            yield return Rule(r, "filter", rule);
        }

        // No packet from the WAN may carry a source of the LAN, of the host link or a martian one: a
        // forwarded server would take it for a neighbour (the hairpin rule masquerades LAN sources).
        yield return Step.Firewall($"Create the chain {AntiSpoofChain}", r, "raw", new[] { "-N", AntiSpoofChain }, new[] { "-X", AntiSpoofChain }, s => s.Firewall(r).HasChain("raw", AntiSpoofChain));
        yield return Rule(r, "raw", new[] { "-A", "PREROUTING", "-i", uplink, "-m", "comment", "--comment", owner, "-j", AntiSpoofChain });
        foreach (var source in new[] { lan.ToString(), hostLink.ToString() }.Concat(Martians))
        {
            yield return Rule(r, "raw", new[] { "-A", AntiSpoofChain, "-s", source, "-m", "comment", "--comment", owner, "-j", "DROP" });
        }

        yield return Rule(r, "nat", new[] { "-A", PostroutingChain, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "MASQUERADE" });
        foreach (var inside in new[] { LanInterface, HostLinkInterface })
        {
            yield return Rule(r, "filter", new[] { "-A", ForwardChain, "-i", inside, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "ACCEPT" });
            yield return Rule(r, "filter", new[] { "-A", ForwardChain, "-i", uplink, "-o", inside, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", owner, "-j", "ACCEPT" });
        }
    }

    /// <summary>IPv6 is not routed yet: nothing is forwarded and the router accepts only its own traffic, answers and neighbour discovery.</summary>
    private static IEnumerable<Step> Firewall6Steps(string name, string r)
    {
        var owner = Owner(name);
        foreach (var chain in new[] { "FORWARD", "INPUT" })
        {
            yield return Step.Firewall6($"Drop {(chain == "INPUT" ? "IPv6 packets to the router itself" : "forwarded IPv6 packets")} by default", r, "filter", new[] { "-P", chain, "DROP" }, new[] { "-P", chain, "ACCEPT" }, s => s.Firewall6(r).Policy("filter", chain) == "DROP");
        }

        foreach (var chain in new[] { InputChain, UserInputChain })
        {
            yield return Step.Firewall6($"Create the IPv6 chain {chain}", r, "filter", new[] { "-N", chain }, new[] { "-X", chain }, s => s.Firewall6(r).HasChain("filter", chain));
        }

        foreach (var rule in InputRules(owner, null, ipv6: true).Prepend(new[] { "-A", "INPUT", "-m", "comment", "--comment", owner, "-j", InputChain }))
        {
            var line = RestoreInput.Line(rule);
            yield return Step.Firewall6($"Add the IPv6 rule {line}", r, "filter", rule, ApplianceService.Delete(rule), s => s.Firewall6(r).HasRule("filter", line));
        }
    }

    /// <summary>The rules of <see cref="InputChain"/>, in the order iptables-save prints them.</summary>
    private static IEnumerable<string[]> InputRules(string owner, string? dhcpUplink, bool ipv6)
    {
        string[] Accept(params string[] match) => new[] { "-A", InputChain }.Concat(match).Concat(new[] { "-m", "comment", "--comment", owner, "-j", "ACCEPT" }).ToArray();
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

        yield return new[] { "-A", InputChain, "-m", "comment", "--comment", owner, "-j", UserInputChain };
    }

    /// <summary>The first /30 from 100.64.0.1/30 on that overlaps no address or route of the host, nor the LAN or the uplink's network.</summary>
    private Ipv4Cidr FreeHostLink(RouterRequest request, Ipv4Cidr lan, IReadOnlyList<Ipv4Cidr> uplinkAddresses, KernelState state)
    {
        var taken = new List<Ipv4Cidr> { lan.Network };
        taken.AddRange((request.UplinkAddress is { } a ? new[] { a } : uplinkAddresses).Select(x => x.Network));
        taken.AddRange(state.Links(_host.Sandbox).Links.SelectMany(l => l.Addresses).Select(x => x.Network));
        taken.AddRange(Routers(state).Select(x => x.HostLink.Network));
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

    private static Step Rule(string ns, string table, string[] append)
    {
        var delete = (string[])append.Clone();
        delete[0] = "-D";
        var line = RestoreInput.Line(append);
        return Step.Firewall($"Add the rule {line}", ns, table, append, delete, s => s.Firewall(ns).HasRule(table, line));
    }

    private static Step AddressStep(string? ns, string link, Ipv4Cidr address) =>
        Step.Link($"Give {link} the address {address}", ns, new[] { "addr", "add", address.ToString(), "dev", link }, new[] { "addr", "del", address.ToString(), "dev", link }, s => s.Links(ns).Link(link)?.Addresses.Contains(address) == true);

    private static Step UpStep(string? ns, string link) =>
        Step.Link($"Bring {link} up", ns, new[] { "link", "set", "dev", link, "up" }, null, s => s.Links(ns).Link(link)?.IsUp == true);

    private IReadOnlyList<CommandLine> RestoreUplinkCommands(string r, string uplink, IReadOnlyList<Ipv4Cidr> addresses, IPAddress? gateway, bool wasUp, string alias)
    {
        var h = _host.Sandbox;
        var commands = new List<CommandLine>
        {
            NetworkHost.IpIn(r, new[] { "link", "set", "dev", uplink, "netns", HostReference }),
            NetworkHost.IpIn(h, new[] { "link", "set", "dev", uplink, "alias", alias }),
        };
        commands.AddRange(addresses.Select(a => NetworkHost.IpIn(h, new[] { "addr", "add", a.ToString(), "dev", uplink })));
        if (wasUp)
        {
            commands.Add(NetworkHost.IpIn(h, new[] { "link", "set", "dev", uplink, "up" }));
        }

        if (gateway is not null)
        {
            commands.Add(NetworkHost.IpIn(h, new[] { "route", "add", "default", "via", gateway.ToString(), "dev", uplink }));
        }

        return commands;
    }

    /// <summary>The uplink record a link carries when it names the given router, else null.</summary>
    private static AliasRecord? RecordOfThisRouter(LinkState? link, string router) =>
        AliasRecord.Parse(link?.Alias, "uplink") is { } record && record["router"] == router ? record : null;

    private static void CheckUplink(LinkState uplink, RouterRequest request, IReadOnlyList<Router> routers)
    {
        string? reason = uplink.Name == "lo" ? "it is the loopback link"
            : uplink.IsBridge ? "it is a bridge"
            : uplink.Master is not null ? $"it is plugged into the bridge '{uplink.Master}'"
            : uplink.Name == request.BridgePort || uplink.Name == request.HostInterface ? "it is one of the router's own links"
            : AliasRecord.Parse(uplink.Alias, "uplink") is { } record
                ? record["router"] == request.Name
                    ? null
                    : $"it carries the record of the router '{record["router"]}', which did not finish adding or removing it. Run Remove-VlanRouterNamespace -Name {record["router"]} to give it back its settings, or Add-VlanRouterNamespace again with -Name {record["router"]} to finish"
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

    private static IPAddress GatewayFor(RouterRequest request, Ipv4Cidr lan)
    {
        if (request.GatewayAddress is not null)
        {
            return request.GatewayAddress;
        }

        // The seed's choice: .254 of the LAN (172.24.0.254 on 172.24.0.0/16), or the last host of a smaller LAN.
        var seed = lan.Host(254);
        return lan.PrefixLength <= 24 ? seed.Address : Ipv4Cidr.Parse($"{lan.Broadcast}/{lan.PrefixLength}").Offset(-1).Address;
    }

    private static IPAddress HostLinkPeer(Ipv4Cidr hostLink)
    {
        var up = hostLink.Offset(1);
        return up.Network == hostLink.Network && !up.IsBroadcastAddress ? up.Address : hostLink.Offset(-1).Address;
    }

    private static IReadOnlyList<Ipv4Cidr> ParseAddresses(string? text) =>
        string.IsNullOrEmpty(text) ? Array.Empty<Ipv4Cidr>() : text.Split(',').Select(Ipv4Cidr.Parse).ToArray();

    private VlanException NotFound(string name) =>
        new(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, name, $"There is no router named '{name}' in {_host.DisplayName}. Run Get-VlanRouterNamespace to see the routers there.");
}
