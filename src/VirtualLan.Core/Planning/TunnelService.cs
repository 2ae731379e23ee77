using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans VXLAN tunnels that stretch a bridge's LAN to other hosts (Add-, Get-, Remove-VlanTunnel,
/// Add-/Remove-VlanTunnelPeer). The device is made where the underlay is — in the router's namespace,
/// on its uplink, when a router owns the bridge, then moved next to the bridge (its UDP socket stays
/// with the underlay) — and recorded on its own alias (<see cref="TunnelRecord"/>). Every broadcast
/// and unknown frame goes to each peer by unicast (all-zero FDB entries), learning stays on, and the
/// MTU of the tunnel, the bridge, its ports and the appliances' inside interfaces is the underlay's
/// minus <see cref="Overhead"/>, so nothing too big is dropped silently.
/// </summary>
public sealed class TunnelService
{
    /// <summary>What VXLAN over IPv4 adds to each frame: outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14.</summary>
    public const int Overhead = 50;

    /// <summary>The smallest tunnel MTU the module accepts: IPv4's minimum datagram every host must take.</summary>
    public const int MinimumMtu = 576;

    private const string AllZero = "00:00:00:00:00:00";

    private readonly NetworkHost _host;
    private readonly HostReaders _readers;
    private readonly Func<KernelState, IReadOnlyList<Appliance>> _appliances;

    /// <summary>Initializes a new instance of the <see cref="TunnelService"/> class.</summary>
    /// <param name="readers">The host's readers.</param>
    /// <param name="appliances">Lists the appliances (their inside interfaces take the tunnel's MTU).</param>
    public TunnelService(HostReaders readers, Func<KernelState, IReadOnlyList<Appliance>> appliances)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _host = readers.Host;
        _appliances = appliances;
    }

    /// <summary>The VXLAN device of a VNI.</summary>
    /// <param name="vni">The VNI.</param>
    /// <returns>vx followed by the VNI.</returns>
    public static string DeviceName(int vni) => "vx" + vni.ToString(CultureInfo.InvariantCulture);

    /// <summary>The comment of the router's rules that let a tunnel's packets in.</summary>
    /// <param name="device">The tunnel's device.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string device) => "virtuallan:tunnel/" + device;

    /// <summary>This host's index in a LAN stretched by a tunnel, or null when the bridge has none (its pools are whole).</summary>
    /// <param name="host">The host.</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The index, or null.</returns>
    public static int? HostIndexOf(NetworkHost host, string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(state);
        return state.Links(host.Namespace).Links.Select(l => TunnelRecord.Parse(l.Alias)).FirstOrDefault(r => r?.Bridge == bridge)?.HostIndex;
    }

    /// <summary>Lists the tunnels the module made on this host.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The tunnels.</returns>
    public IReadOnlyList<Tunnel> List(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var routers = _readers.Routers.Routers(state);
        return state.Links(_host.Namespace).Links
            .Select(l => (Link: l, Record: TunnelRecord.Parse(l.Alias)))
            .Where(t => t.Record is not null)
            .Select(t => Describe(t.Link, t.Record!, routers.FirstOrDefault(r => r.Name == t.Record!.Router), state))
            .ToArray();
    }

    /// <summary>Reads the tunnel of a bridge.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The tunnel.</returns>
    /// <exception cref="VlanException">The bridge has no tunnel.</exception>
    public Tunnel Read(string bridge, KernelState state) =>
        List(state).FirstOrDefault(t => t.Bridge == bridge)
        ?? throw new VlanException(ErrorIds.TunnelNotFound, VlanErrorKind.ObjectNotFound, bridge, $"The bridge '{bridge}' has no tunnel in {_host.DisplayName}. Run Get-VlanTunnel to see the tunnels, or make one with Add-VlanTunnel -Bridge {bridge} -Peer ADDRESS -Vni N.");

    /// <summary>Plans a tunnel.</summary>
    /// <param name="request">The checked request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The tunnel does not fit: see the error ids Tunnel*.</exception>
    public Plan PlanAdd(TunnelRequest request, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Namespace;
        _readers.Bridge(request.Bridge, state);
        var device = DeviceName(request.Vni);
        var tunnels = List(state);
        if (tunnels.FirstOrDefault(t => t.Vni == request.Vni || t.Bridge == request.Bridge) is { } existing)
        {
            var shared = existing.Peers.Intersect(request.Peers).FirstOrDefault();
            var why = shared is not null && existing.Vni == request.Vni
                ? $"A tunnel to {shared} with VNI {request.Vni} is already there ({existing.Device} on '{existing.Bridge}')."
                : $"The bridge '{existing.Bridge}' already has the tunnel {existing.Device} (VNI {existing.Vni}); a LAN has one VNI.";
            throw new VlanException(ErrorIds.TunnelExists, VlanErrorKind.ResourceExists, device, $"{why} Add more hosts with Add-VlanTunnelPeer -Bridge {existing.Bridge} -Peer ADDRESS, or remove it first with Remove-VlanTunnel -Bridge {existing.Bridge}.");
        }

        if (state.Links(h).Link(device) is not null)
        {
            throw new VlanException(ErrorIds.TunnelExists, VlanErrorKind.ResourceExists, device, $"A link named '{device}' is already in {_host.DisplayName}, not made by VirtualLan. Delete it, or give another -Vni.");
        }

        var router = _readers.Routers.Routers(state).FirstOrDefault(r => r.Bridge == request.Bridge);
        var underlay = Underlay(request, router, state);
        var mtu = Math.Min(underlay.Link.Mtu - Overhead, state.Links(h).Link(request.Bridge)!.Mtu);
        if (underlay.Link.Mtu - Overhead < MinimumMtu)
        {
            throw new VlanException(ErrorIds.TunnelMtuTooSmall, VlanErrorKind.InvalidOperation, underlay.Link.Name, $"The underlay link '{underlay.Link.Name}' has the MTU {underlay.Link.Mtu}: less the {Overhead} bytes VXLAN adds, {underlay.Link.Mtu - Overhead} is below {MinimumMtu}, which a LAN cannot work with. Raise the underlay's MTU (1550 keeps the LAN at 1500).");
        }

        if (!tunnels.Any(t => t.Port == request.Port && t.Router == router?.Name) && state.UdpPortBound(underlay.Namespace, request.Port))
        {
            throw new VlanException(ErrorIds.TunnelPortInUse, VlanErrorKind.ResourceExists, request.Port.ToString(CultureInfo.InvariantCulture), $"UDP port {request.Port} is already bound in {(router is null ? _host.DisplayName : "the router namespace " + router.Namespace)} (ss -uln shows it). Stop what holds it, or give every host of the LAN another -Port.");
        }

        var bridgeMtu = state.Links(h).Link(request.Bridge)!.Mtu;
        var record = new TunnelRecord
        {
            Bridge = request.Bridge,
            Vni = request.Vni,
            Port = request.Port,
            Local = underlay.Local,
            Peers = request.Peers,
            Router = router?.Name,
            HostIndex = request.HostIndex,
            PreviousMtu = bridgeMtu,
        };
        var steps = new List<Step>();
        steps.AddRange(Firewall(record, router, request.Peers, add: true));
        steps.AddRange(MtuSteps(request.Bridge, router, mtu, state));
        steps.AddRange(Build(record, underlay.Link.Name, mtu, state));
        // A guest on a tap or an adapter sets its own MTU: the module can only say which.
        var guests = _appliances(state).Where(a => a.Bridge == request.Bridge && a.Kind is ApplianceKind.Tap or ApplianceKind.Interface).Select(a => a.Name).ToArray();
        return new Plan($"Stretch {request.Bridge} to {string.Join(", ", request.Peers)} over VXLAN {request.Vni} (MTU {mtu})", $"{device} on {request.Bridge} in {_host.DisplayName}", steps)
        {
            Warnings = guests.Length == 0 ? [] : [$"The LAN's MTU becomes {mtu}. {string.Join(", ", guests)} configure their own interface: set its MTU to {mtu} in the guest (or QEMU's virtio-net host_mtu={mtu}), or packets over {mtu} bytes from it are dropped."],
        };
    }

    /// <summary>Plans the removal of a bridge's tunnel: the device, the router's rules, and the MTU set back.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    public Plan PlanRemove(string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var tunnel = Read(bridge, state);
        var h = _host.Namespace;
        var link = state.Links(h).Link(tunnel.Device)!;
        var record = TunnelRecord.Parse(link.Alias)!;
        var router = _readers.Routers.Routers(state).FirstOrDefault(r => r.Name == record.Router);
        var rebuild = Build(record, tunnel.Underlay ?? string.Empty, link.Mtu, state, link.MacAddress).Select(s => s.Command).ToArray();
        var steps = new List<Step>
        {
            new DeleteLink(h, tunnel.Device).ToStep($"Delete the VXLAN device {tunnel.Device}").WithUndo(rebuild),
        };
        steps.AddRange(MtuSteps(bridge, router, record.PreviousMtu, state));
        steps.AddRange(Firewall(record, router, record.Peers, add: false));
        return new Plan($"Remove the tunnel {tunnel.Device} of {bridge} and set its MTU back to {record.PreviousMtu}", $"{tunnel.Device} on {bridge} in {_host.DisplayName}", steps);
    }

    /// <summary>Plans adding and removing peers of a bridge's tunnel.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <param name="add">The peers to add.</param>
    /// <param name="remove">The peers to remove.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    public Plan PlanPeers(string bridge, IReadOnlyList<IPAddress> add, IReadOnlyList<IPAddress> remove, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        var tunnel = Read(bridge, state);
        var h = _host.Namespace;
        var link = state.Links(h).Link(tunnel.Device)!;
        var record = TunnelRecord.Parse(link.Alias)!;
        if (add.FirstOrDefault(p => record.Peers.Contains(p)) is { } there)
        {
            throw new VlanException(ErrorIds.TunnelExists, VlanErrorKind.ResourceExists, there.ToString(), $"A tunnel to {there} with VNI {record.Vni} is already there ({tunnel.Device} on '{bridge}').");
        }

        if (add.FirstOrDefault(p => p.Equals(record.Local)) is { } self)
        {
            throw new VlanException(ErrorIds.TunnelPeerInvalid, VlanErrorKind.InvalidArgument, self.ToString(), $"{self} is this host's own underlay address. Give the other hosts' addresses as -Peer.");
        }

        if (remove.FirstOrDefault(p => !record.Peers.Contains(p)) is { } missing)
        {
            throw new VlanException(ErrorIds.TunnelNotFound, VlanErrorKind.ObjectNotFound, missing.ToString(), $"The tunnel {tunnel.Device} of '{bridge}' has no peer {missing}; its peers are {string.Join(", ", record.Peers)}.");
        }

        var router = _readers.Routers.Routers(state).FirstOrDefault(r => r.Name == record.Router);
        var changed = record with { Peers = record.Peers.Except(remove).Concat(add).ToArray() };
        var steps = new List<Step>();
        steps.AddRange(Firewall(record, router, add, add: true));
        steps.Add(new SetAlias(h, tunnel.Device, changed.Write(), link.Alias ?? string.Empty).ToStep($"Record the peers {string.Join(", ", changed.Peers)} on {tunnel.Device}"));
        steps.AddRange(add.Select(p => Fdb(tunnel.Device, p, add: true)));
        steps.AddRange(remove.Select(p => Fdb(tunnel.Device, p, add: false)));
        steps.AddRange(Firewall(record, router, remove, add: false));
        return new Plan($"Change the peers of {tunnel.Device} on {bridge}: {string.Join(", ", changed.Peers)}", $"{tunnel.Device} on {bridge} in {_host.DisplayName}", steps);
    }

    private (NetNamespace Namespace, LinkState Link, IPAddress Local) Underlay(TunnelRequest request, Router? router, KernelState state)
    {
        var u = router is null ? _host.Namespace : NetNamespace.Named(router.Namespace);
        var where = router is null ? _host.DisplayName : $"the router namespace {router.Namespace}";
        var links = state.Links(u);
        IPAddress local;
        if (request.Local is { } given)
        {
            local = given;
        }
        else if (router is not null)
        {
            local = router.UplinkAddress ?? throw new VlanException(ErrorIds.TunnelLocalInvalid, VlanErrorKind.InvalidOperation, router.Uplink, $"The router '{router.Name}' owns the uplink '{router.Uplink}', which has no address yet. Wait for its DHCP lease, or give -Local.");
        }
        else
        {
            var peer = request.Peers[0];
            var onLink = links.Links.SelectMany(l => l.Addresses).FirstOrDefault(a => a.Network.Contains(peer) && a.PrefixLength < 32);
            var viaRoute = state.Routes(u).FirstOrDefault(r => r.IsDefault && r.Device is not null);
            local = onLink.PrefixLength > 0 ? onLink.Address
                : viaRoute?.Source is { } source ? IPAddress.Parse(source)
                : viaRoute is not null && links.Link(viaRoute.Device!)?.Addresses is { Count: > 0 } held ? held[0].Address
                : throw new VlanException(ErrorIds.TunnelPeerInvalid, VlanErrorKind.InvalidOperation, peer.ToString(), $"{peer} is unreachable from {where}: no link's network holds it and there is no default route. Connect the underlay, or give -Local.");
        }

        var link = links.HolderOf(local) ?? throw new VlanException(ErrorIds.TunnelLocalInvalid, VlanErrorKind.InvalidArgument, local.ToString(), $"-Local {local} is not an address of a link in {where}, where the tunnel's packets go out. Give an address the underlay link holds, or leave -Local out.");
        foreach (var peer in request.Peers)
        {
            if (peer.Equals(local))
            {
                throw new VlanException(ErrorIds.TunnelPeerInvalid, VlanErrorKind.InvalidArgument, peer.ToString(), $"{peer} is this host's own underlay address. Give the other hosts' addresses as -Peer.");
            }

            var reachable = state.Routes(u).Any(r => r.IsDefault || (Ipv4Cidr.TryParse(r.Destination.Contains('/', StringComparison.Ordinal) ? r.Destination : r.Destination + "/32", out var net, out _) && net.Network.Contains(peer)));
            if (!reachable)
            {
                throw new VlanException(ErrorIds.TunnelPeerInvalid, VlanErrorKind.InvalidOperation, peer.ToString(), $"{peer} is unreachable from {where}: no route leads to it. Connect the underlay, or correct -Peer.");
            }
        }

        return (u, link, local);
    }

    private IEnumerable<Step> Build(TunnelRecord record, string underlayLink, int mtu, KernelState state, string? mac = null)
    {
        var h = _host.Namespace;
        var device = DeviceName(record.Vni);
        var router = record.Router is null ? null : _readers.Routers.Routers(state).FirstOrDefault(r => r.Name == record.Router);
        if (router is null)
        {
            yield return new CreateVxlan(h, device, record.Vni, record.Port, record.Local, underlayLink, mtu, mac).ToStep($"Create the VXLAN device {device} (VNI {record.Vni}, UDP {record.Port}, from {record.Local} on {underlayLink}, MTU {mtu})");
        }
        else
        {
            // Made on the router's uplink and moved next to the bridge: its UDP socket stays in the
            // router's namespace, where the underlay is, and the router's firewall guards it.
            var r = NetNamespace.Named(router.Namespace);
            yield return new CreateVxlan(r, device, record.Vni, record.Port, record.Local, underlayLink, mtu, mac).ToStep($"Create the VXLAN device {device} on {router.Name}'s uplink {underlayLink} (VNI {record.Vni}, UDP {record.Port}, from {record.Local}, MTU {mtu})");
            yield return new MoveLink(r, device, h, HostReference, router.Namespace).ToStep($"Move {device} into {_host.DisplayName}, next to {record.Bridge}");
        }

        yield return new SetAlias(h, device, record.Write()).ToStep($"Record the tunnel on {device}");
        foreach (var peer in record.Peers)
        {
            yield return Fdb(device, peer, add: true);
        }

        yield return new PlugLink(h, device, record.Bridge).ToStep($"Plug {device} into {record.Bridge}");
    }

    private IEnumerable<Step> MtuSteps(string bridge, Router? router, int mtu, KernelState state)
    {
        var h = _host.Namespace;
        var links = state.Links(h);
        foreach (var port in links.PortsOf(bridge).Select(links.Link).Where(l => l!.Mtu != mtu && l.Kind != "vxlan"))
        {
            yield return new SetMtu(h, port!.Name, mtu, port.Mtu).ToStep($"Set the MTU of {port.Name} to {mtu}");
        }

        if (router is not null && state.Links(NetNamespace.Named(router.Namespace)).Link(router.LanInterface) is { } lan && lan.Mtu != mtu)
        {
            yield return new SetMtu(NetNamespace.Named(router.Namespace), lan.Name, mtu, lan.Mtu).ToStep($"Set the MTU of {router.Name}'s {lan.Name} to {mtu}");
        }

        foreach (var appliance in _appliances(state).Where(a => a.Bridge == bridge && a.Namespace is not null && a.Interface is not null && a.Kind is ApplianceKind.Namespace or ApplianceKind.Container))
        {
            var at = NetNamespace.From(appliance.Namespace);
            if (state.Exists(at) && state.Links(at).Link(appliance.Interface!) is { } inside && inside.Mtu != mtu)
            {
                yield return new SetMtu(at, inside.Name, mtu, inside.Mtu).ToStep($"Set the MTU of {appliance.Name}'s {inside.Name} to {mtu}");
            }
        }

        if (links.Link(bridge) is { } b && b.Mtu != mtu)
        {
            yield return new SetMtu(h, bridge, mtu, b.Mtu).ToStep($"Set the MTU of {bridge} to {mtu}");
        }
    }

    private static IEnumerable<Step> Firewall(TunnelRecord record, Router? router, IEnumerable<IPAddress> peers, bool add)
    {
        if (router is null)
        {
            yield break;
        }

        var r = NetNamespace.Named(router.Namespace);
        foreach (var peer in peers)
        {
            string[] spec = ["-s", peer + "/32", "-i", router.Uplink, "-p", "udp", "-m", "udp", "--dport", record.Port.ToString(CultureInfo.InvariantCulture), "-m", "comment", "--comment", Owner(DeviceName(record.Vni)), "-j", "ACCEPT"];
            yield return add
                ? new InsertRule(r, "filter", RouterService.InputChain, spec).ToStep($"Let VXLAN from {peer} into {router.Name} (UDP {record.Port})")
                : RuleRemoval.Delete(new DeleteRule(r, "filter", RouterService.InputChain, spec), $"Stop letting VXLAN from {peer} into {router.Name}");
        }
    }

    private Step Fdb(string device, IPAddress peer, bool add)
    {
        var h = _host.Namespace;
        string[] entry = [AllZero, "dev", device, "dst", peer.ToString()];
        var append = h.Exec("bridge", ["fdb", "append", .. entry]);
        var delete = h.Exec("bridge", ["fdb", "del", .. entry]);
        return add
            ? Step.Program($"Send {device}'s broadcasts and unknown frames to {peer}", append, delete, null)
            : Step.Program($"Stop sending {device}'s frames to {peer}", delete, append, null);
    }

    private Tunnel Describe(LinkState link, TunnelRecord record, Router? router, KernelState state) => new()
    {
        Bridge = record.Bridge,
        Vni = record.Vni,
        Port = record.Port,
        Local = record.Local,
        Peers = record.Peers,
        Mtu = link.Mtu,
        Device = link.Name,
        Router = record.Router,
        Underlay = router?.Uplink ?? state.Links(_host.Namespace).HolderOf(record.Local)?.Name,
        HostIndex = record.HostIndex,
        Sandbox = _host.Sandbox,
    };

    private string HostReference => _host.Sandbox ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
}
