using System.Net;
using VirtualLan.Appliances;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Configuration;

/// <summary>
/// The topology a configuration document declares, for a LAN that is not built yet: the same
/// objects the readers return for a live LAN, made from the document's entries with the names and
/// addresses the planners would give them, joined by <see cref="TopologyReader.Build"/>. What only
/// the kernel or Docker decides (MACs, MTUs left to the kernel, a container's port name, addresses
/// allocated at sync) is left out.
/// </summary>
public static class DocumentTopology
{
    /// <summary>The port name shown for a container or Docker network, whose real name comes from its Docker id.</summary>
    public const string DockerPort = "vl-…";

    /// <summary>Makes the topology of a document, as it would be built on a host.</summary>
    /// <param name="document">The document, checked (<see cref="LanDocumentRules"/>).</param>
    /// <param name="host">The host it would be built on (names of namespaces are prefixed in a sandbox).</param>
    /// <param name="bridges">The bridges whose LANs to take; null or empty for all.</param>
    /// <returns>The topology.</returns>
    public static Topology From(LanDocument document, NetworkHost host, IReadOnlyCollection<string>? bridges = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(host);
        var lans = document.Bridges
            .Where(b => bridges is not { Count: > 0 } || bridges.Contains(b.Name))
            .Select(b => Bridge(b, host))
            .ToArray();
        var routers = document.Routers.Select(r => Router(r, lans, host)).OfType<Router>().ToArray();
        var appliances = document.Appliances.Select(a => Appliance(a, lans, host)).ToArray();
        var forwards = document.PortForwards.Select(f => Forward(f, routers, appliances, host)).OfType<PortForward>().ToArray();
        var nats = document.HostNat
            .Select(n => (Entry: n, Lan: lans.FirstOrDefault(b => b.Name == n.Bridge)))
            .Where(n => n.Lan?.Cidr is not null)
            .Select(n => new HostNat { Bridge = n.Entry.Bridge, Subnet = n.Lan!.Cidr!.Value.Network, Uplink = n.Entry.Uplink, IpForward = "1", PreviousIpForward = "0", Sandbox = host.Sandbox })
            .ToArray();
        var tunnels = document.Tunnels
            .Where(t => lans.Any(b => b.Name == t.Bridge))
            .Select(t => new Tunnel
            {
                Bridge = t.Bridge,
                Vni = t.Vni,
                Port = t.Port ?? TunnelRequest.DefaultPort,
                Local = t.Local is { } local && IPAddress.TryParse(local, out var address) ? address : IPAddress.Any,
                Peers = t.Peers.Select(IPAddress.Parse).ToArray(),
                Mtu = 0,
                Device = "vx" + t.Vni.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Router = routers.FirstOrDefault(r => r.Bridge == t.Bridge)?.Name,
                HostIndex = t.HostIndex,
                Sandbox = host.Sandbox,
            })
            .ToArray();
        var dhcp = document.Dhcp
            .Select(d => (Entry: d, Lan: lans.FirstOrDefault(b => b.Name == d.Bridge), Router: routers.FirstOrDefault(r => r.Bridge == d.Bridge)))
            .Where(d => d.Lan?.Address is not null)
            .Select(d => new DhcpServer
            {
                Bridge = d.Entry.Bridge,
                Router = d.Router?.Name,
                Namespace = d.Router?.Namespace ?? host.Sandbox,
                Interface = d.Router is null ? d.Entry.Bridge : RouterService.LanInterface,
                ServerAddress = d.Router?.GatewayAddress ?? d.Lan!.Address!,
                Gateway = d.Router?.GatewayAddress ?? d.Lan!.Address,
                Domain = d.Entry.Domain ?? DhcpService.DefaultDomain,
                SearchDomains = d.Entry.SearchDomains ?? new[] { d.Entry.Domain ?? DhcpService.DefaultDomain },
                LeaseTime = d.Entry.LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DhcpService.DefaultLeaseTime,
                Ranges = Array.Empty<DhcpRange>(),
                Upstreams = Array.Empty<IPAddress>(),
                Folder = string.Empty,
                Sandbox = host.Sandbox,
            })
            .ToArray();
        return TopologyReader.Build(host, lans, routers, appliances, forwards, nats, (_, _) => null, tunnels, dhcp);
    }

    /// <summary>The bridge an entry declares, as <see cref="BridgeService"/> reads it once made (no MAC, no ports).</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="host">The host it is made on.</param>
    /// <returns>The bridge.</returns>
    public static Bridge Bridge(BridgeEntry entry, NetworkHost host)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(host);
        return new Bridge(entry.Name, Ipv4Cidr.Parse(entry.Address), null, entry.Mtu ?? 1500, "UP", host.Sandbox, Array.Empty<string>(), isManaged: true);
    }

    private static Router? Router(RouterEntry entry, IReadOnlyList<Bridge> lans, NetworkHost host)
    {
        if (lans.FirstOrDefault(b => b.Name == entry.Bridge)?.Cidr is not { } lan)
        {
            return null;
        }

        var request = RouterRequest.Create(entry.Name, entry.Bridge, entry.Gateway, entry.Uplink, entry.UplinkMode == "dhcp", entry.UplinkAddress, entry.UplinkGateway, entry.HostLink, entry.RouteHostTraffic);
        return new Router
        {
            Name = request.Name,
            Namespace = host.NamespaceFor(request.Name),
            Bridge = request.Bridge,
            GatewayAddress = RouterService.GatewayFor(request, lan),
            PrefixLength = lan.PrefixLength,
            Uplink = request.Uplink,
            UplinkCidr = request.UplinkAddress,
            UplinkGateway = request.UplinkGateway,
            UplinkMode = request.Mode,
            LanInterface = RouterService.LanInterface,
            BridgePort = request.BridgePort,
            HostInterface = request.HostInterface,
            HostLinkCidr = request.HostLink,
            HostLinkPeer = RouterReader.HostLinkPeer(request.HostLink),
            RoutesHostTraffic = request.RouteHostTraffic,
            ForwardPolicy = "DROP",
            Sandbox = host.Sandbox,
        };
    }

    private static Appliance Appliance(ApplianceEntry entry, IReadOnlyList<Bridge> lans, NetworkHost host)
    {
        var kind = LanDocumentRules.KindOf(entry.Kind);
        var prefix = lans.FirstOrDefault(b => b.Name == entry.Bridge)?.PrefixLength ?? 32;
        return new Appliance
        {
            Name = entry.Name,
            Kind = kind,
            Bridge = entry.Bridge,
            HostInterface = kind switch
            {
                ApplianceKind.Namespace => ApplianceNaming.PortName(entry.Name),
                ApplianceKind.Tap or ApplianceKind.Interface => entry.Name,
                _ => DockerPort,
            },
            Interface = kind == ApplianceKind.Interface ? null : entry.InterfaceName ?? "eth0",
            Cidr = entry.Address is not { } address ? null : Ipv4Cidr.Parse(address.Contains('/', StringComparison.Ordinal) ? address : FormattableString.Invariant($"{address}/{prefix}")),
            Gateway = entry.Gateway is { } gateway ? IPAddress.Parse(gateway) : null,
            Namespace = kind == ApplianceKind.Namespace ? host.NamespaceFor(entry.Name) : null,
            Sandbox = host.Sandbox,
        };
    }

    private static PortForward? Forward(PortForwardEntry entry, IReadOnlyList<Router> routers, IReadOnlyList<Appliance> appliances, NetworkHost host)
    {
        var router = routers.FirstOrDefault(r => r.Name == entry.Router);
        if (router is null)
        {
            return null;
        }

        var external = PortForwardService.ParsePorts(entry.ExternalPort, "ExternalPort");
        var internalPort = PortForwardService.ParsePorts(entry.InternalPort ?? entry.ExternalPort, "InternalPort");
        var address = IPAddress.Parse(entry.InternalAddress);
        return new PortForward
        {
            Router = router.Name,
            Protocol = Enum.Parse<ForwardProtocol>(entry.Protocol, ignoreCase: true),
            ExternalAddress = entry.ExternalAddress is { } outside ? IPAddress.Parse(outside) : router.UplinkCidr?.Address ?? IPAddress.Any,
            ExternalPortFirst = external.First,
            ExternalPortLast = external.Last,
            InternalAddress = address,
            InternalPortFirst = internalPort.First,
            Appliance = appliances.FirstOrDefault(a => Equals(a.Address, address))?.Name,
            NatLoopback = true,
            Sandbox = host.Sandbox,
        };
    }
}
