using System.Globalization;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Configuration;

/// <summary>
/// Reads the live LAN into a <see cref="LanDocument"/>: every object the module owns, as a user
/// would declare it (names, addresses, modes), through the module's readers and records, from one
/// state read and without reading inside any appliance. What the kernel chose (MACs, ifindexes,
/// PIDs) and what follows from the rest (a gateway that is the default one, an interface named
/// eth0) is left out.
/// </summary>
public sealed class LanDocumentReader
{
    private readonly NetworkHost _host;
    private readonly HostReaders _readers;

    /// <summary>Initializes a new instance of the <see cref="LanDocumentReader"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="readers">The host's readers.</param>
    public LanDocumentReader(NetworkHost host, HostReaders readers)
    {
        _host = host;
        _readers = readers;
    }

    /// <summary>Reads the LAN.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The document, sorted as it is written.</returns>
    public LanDocument Read(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bridges = new BridgeService(_host).List(state, includeUnmanaged: false);
        var routers = _readers.Routers.Routers(state);
        var hostNat = _readers.HostNat.List(state);
        var forwards = _readers.Forwards.List(state);
        var appliances = state.Links(_host.Sandbox).Links
            .Select(port => (Port: port, Record: Records.ApplianceRecord.Parse(port.Alias)))
            .Where(p => p.Record is not null && p.Port.Master == p.Record.Bridge)
            .ToArray();

        return LanDocumentJson.Sorted(new LanDocument
        {
            Bridges = bridges.Where(b => b.Cidr is not null).Select(b => new BridgeEntry { Name = b.Name, Address = b.Cidr!.Value.ToString(), Mtu = b.Mtu }).ToArray(),
            Routers = routers.Select(r => new RouterEntry
            {
                Name = r.Name,
                Bridge = r.Bridge,
                Gateway = r.GatewayAddress.ToString(),
                Uplink = r.Uplink,
                UplinkMode = r.UplinkMode.ToString().ToLowerInvariant(),
                UplinkAddress = r.UplinkMode == UplinkMode.Static ? r.UplinkCidr?.ToString() : null,
                UplinkGateway = r.UplinkMode == UplinkMode.Static ? r.UplinkGateway?.ToString() : null,
                HostLink = r.HostLinkCidr.ToString(),
                RouteHostTraffic = r.RoutesHostTraffic,
            }).ToArray(),
            HostNat = hostNat.Select(n => new HostNatEntry { Bridge = n.Bridge, Uplink = n.Uplink }).ToArray(),
            Dhcp = new DhcpService(_readers, _ => null, p => Directory.Exists(p) || File.Exists(p), Dnsmasq.ReadOrNull).List(state).Select(d => new DhcpEntry
            {
                Bridge = d.Bridge,
                Domain = d.Domain == DhcpService.DefaultDomain ? null : d.Domain,
                Range = bridges.FirstOrDefault(b => b.Name == d.Bridge)?.Cidr is { } lan && (d.Ranges[^1].First, d.Ranges[^1].Last).Equals(DhcpService.DefaultRange(lan)) ? null : $"{d.Ranges[^1].First}-{d.Ranges[^1].Last}",
                LeaseSeconds = d.LeaseTime == DhcpService.DefaultLeaseTime ? null : (int)d.LeaseTime.TotalSeconds,
                SearchDomains = d.SearchDomains.SequenceEqual(new[] { d.Domain }) ? null : d.SearchDomains,
            }).ToArray(),
            Appliances = appliances.Select(p =>
            {
                var a = p.Record!;
                var defaultGateway = routers.FirstOrDefault(r => r.Bridge == a.Bridge)?.GatewayAddress
                    ?? bridges.FirstOrDefault(b => b.Name == a.Bridge)?.Address;
                return new ApplianceEntry
                {
                    Kind = LanDocumentRules.NameOf(a.Kind),
                    Name = a.Name,
                    Bridge = a.Bridge,
                    Address = a.Kind == ApplianceKind.DockerNetwork ? null : a.Address?.ToString(),
                    Gateway = a.Gateway is null || a.Gateway.Equals(defaultGateway) ? null : a.Gateway.ToString(),
                    InterfaceName = a.Interface is null or "eth0" ? null : a.Interface,
                    Create = a.Kind == ApplianceKind.Namespace && a.Created == true,
                    ReaddressContainers = a.Kind == ApplianceKind.DockerNetwork && a.ContainerAddresses is not null,

                    // A tap the module made is made again for the user who owned it (QEMU runs as them).
                    TapOwner = a.Kind == ApplianceKind.Tap && a.Created == true ? p.Port.TunOwner : null,
                };
            }).ToArray(),
            PortForwards = forwards.Select(f => new PortForwardEntry
            {
                Router = f.Router,
                Protocol = f.Protocol.ToString().ToLowerInvariant(),
                ExternalPort = f.ExternalPort,
                InternalAddress = f.InternalAddress.ToString(),
                InternalPort = f.InternalPortFirst == f.ExternalPortFirst ? null : f.InternalPortFirst.ToString(CultureInfo.InvariantCulture),
                ExternalAddress = f.ExternalAddress.Equals(routers.FirstOrDefault(r => r.Name == f.Router)?.UplinkAddress) ? null : f.ExternalAddress.ToString(),
            }).ToArray(),
            Tunnels = new TunnelService(_readers, _ => Array.Empty<Appliance>()).List(state).Select(t => new TunnelEntry
            {
                Bridge = t.Bridge,
                Vni = t.Vni,
                Port = t.Port == TunnelRequest.DefaultPort ? null : t.Port,
                Peers = t.Peers.Select(p => p.ToString()).ToArray(),
                Local = t.Router is not null && t.Local.Equals(routers.FirstOrDefault(r => r.Name == t.Router)?.UplinkAddress) ? null : t.Local.ToString(),
                HostIndex = t.HostIndex,
            }).ToArray(),
        });
    }
}
