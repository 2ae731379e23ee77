using System.Globalization;
using System.Net;
using VirtualLan.Planning;

namespace VirtualLan.Configuration;

/// <summary>
/// What a configuration document must hold beyond its schema, checked before anything is read or
/// run: each name once, every bridge or router referred to declared, every address inside its LAN
/// and held once, and the fields of one kind given to that kind only.
/// </summary>
public static class LanDocumentRules
{
    /// <summary>Checks a document that passed its schema.</summary>
    /// <param name="document">The document, in the order it was written.</param>
    /// <param name="source">Where it came from, for the messages.</param>
    /// <exception cref="VlanException"><see cref="ErrorIds.ConfigurationInvalid"/>, the JSON path as target.</exception>
    public static void Check(LanDocument document, string source)
    {
        ArgumentNullException.ThrowIfNull(document);
        var lans = new Dictionary<string, Ipv4Cidr>(StringComparer.Ordinal);
        var held = new Dictionary<IPAddress, string>();
        for (var i = 0; i < document.Bridges.Count; i++)
        {
            var bridge = document.Bridges[i];
            var path = $"$.bridges[{Index(i)}]";
            Unique(lans.ContainsKey(bridge.Name), source, path + ".name", $"the bridge '{bridge.Name}' is declared twice");
            var cidr = Guarded(source, path + ".address", () =>
            {
                var request = BridgeRequest.Create(bridge.Name, bridge.Address, bridge.Mtu, force: true);
                return request.Address;
            });
            var overlapping = lans.FirstOrDefault(l => l.Value.Overlaps(cidr));
            if (overlapping.Key is not null)
            {
                Fail(source, path + ".address", $"the LAN {cidr.Network} of '{bridge.Name}' overlaps {overlapping.Value.Network} of '{overlapping.Key}'");
            }

            lans[bridge.Name] = cidr;
            held[cidr.Address] = path + ".address";
        }

        var routers = new Dictionary<string, (string Bridge, IPAddress Gateway)>(StringComparer.Ordinal);
        for (var i = 0; i < document.Routers.Count; i++)
        {
            var router = document.Routers[i];
            var path = $"$.routers[{Index(i)}]";
            Unique(routers.ContainsKey(router.Name), source, path + ".name", $"the router '{router.Name}' is declared twice");
            var lan = LanOf(lans, router.Bridge, source, path + ".bridge");
            if (routers.Values.Any(r => r.Bridge == router.Bridge))
            {
                Fail(source, path + ".bridge", $"the bridge '{router.Bridge}' has a router already; a LAN has one");
            }

            Guarded(source, path, () => RouterRequest.Create(router.Name, router.Bridge, router.Gateway, router.Uplink, router.UplinkMode == "dhcp", router.UplinkAddress, router.UplinkGateway, router.HostLink, router.RouteHostTraffic));
            var gateway = router.Gateway is not null ? IPAddress.Parse(router.Gateway)
                : lan.PrefixLength <= 24 ? lan.Host(254).Address
                : Ipv4Cidr.Parse($"{lan.Broadcast}/{lan.PrefixLength.ToString(CultureInfo.InvariantCulture)}").Offset(-1).Address;
            Inside(lan, gateway, source, path + ".gateway", router.Bridge);
            Once(held, gateway, source, path + ".gateway");
            routers[router.Name] = (router.Bridge, gateway);
        }

        var natted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.HostNat.Count; i++)
        {
            var nat = document.HostNat[i];
            var path = $"$.hostNat[{Index(i)}]";
            LanOf(lans, nat.Bridge, source, path + ".bridge");
            Unique(!natted.Add(nat.Bridge), source, path + ".bridge", $"host NAT for '{nat.Bridge}' is declared twice");
            if (routers.Values.Any(r => r.Bridge == nat.Bridge))
            {
                Fail(source, path + ".bridge", $"the bridge '{nat.Bridge}' has a router, which is its way out; host NAT and a router do not go together on one LAN");
            }
        }

        var served = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Dhcp.Count; i++)
        {
            var dhcp = document.Dhcp[i];
            var path = $"$.dhcp[{Index(i)}]";
            LanOf(lans, dhcp.Bridge, source, path + ".bridge");
            Unique(!served.Add(dhcp.Bridge), source, path + ".bridge", $"DHCP for '{dhcp.Bridge}' is declared twice");
        }

        var stretched = new HashSet<string>(StringComparer.Ordinal);
        var vnis = new HashSet<int>();
        for (var i = 0; i < document.Tunnels.Count; i++)
        {
            var tunnel = document.Tunnels[i];
            var path = $"$.tunnels[{Index(i)}]";
            LanOf(lans, tunnel.Bridge, source, path + ".bridge");
            Unique(!stretched.Add(tunnel.Bridge), source, path + ".bridge", $"a tunnel for '{tunnel.Bridge}' is declared twice; a LAN has one tunnel, with all its peers");
            Unique(!vnis.Add(tunnel.Vni), source, path + ".vni", $"the VNI {tunnel.Vni} is declared for two bridges");
            Guarded(source, path, () => TunnelRequest.Create(tunnel.Bridge, tunnel.Peers, tunnel.Vni, tunnel.Port ?? TunnelRequest.DefaultPort, tunnel.Local, tunnel.HostIndex));
        }

        var appliances = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Appliances.Count; i++)
        {
            var appliance = document.Appliances[i];
            var path = $"$.appliances[{Index(i)}]";
            Unique(!appliances.Add(appliance.Name), source, path + ".name", $"the appliance '{appliance.Name}' is declared twice");
            var lan = LanOf(lans, appliance.Bridge, source, path + ".bridge");
            var kind = KindOf(appliance.Kind);
            OnlyFor(appliance.Create, kind == ApplianceKind.Namespace, source, path + ".create", "namespace");
            OnlyFor(appliance.TapOwner is not null, kind == ApplianceKind.Tap, source, path + ".tapOwner", "tap");
            OnlyFor(appliance.ReaddressContainers, kind == ApplianceKind.DockerNetwork, source, path + ".readdressContainers", "dockerNetwork");
            OnlyFor(appliance.ReplaceDefaultRoute, kind == ApplianceKind.Container, source, path + ".replaceDefaultRoute", "container");
            OnlyFor(appliance.InterfaceName is not null, kind is ApplianceKind.Namespace or ApplianceKind.Container, source, path + ".interfaceName", "namespace or container");
            OnlyFor(appliance.Address is not null, kind != ApplianceKind.DockerNetwork, source, path + ".address", "namespace, container, tap or interface (a Docker network's addresses are Docker's)");
            Guarded(source, path, () => ApplianceRequest.Create(kind, appliance.Name, appliance.Bridge, appliance.Address, appliance.Gateway, appliance.InterfaceName, appliance.TapOwner, appliance.ReaddressContainers, appliance.Create, appliance.ReplaceDefaultRoute));
            if (appliance.Address is { } text)
            {
                var address = Ipv4Cidr.Parse(text.Contains('/', StringComparison.Ordinal) ? text : $"{text}/{lan.PrefixLength.ToString(CultureInfo.InvariantCulture)}");
                Inside(lan, address.Address, source, path + ".address", appliance.Bridge);
                if (address.PrefixLength != lan.PrefixLength)
                {
                    Fail(source, path + ".address", $"{address} has another prefix than its LAN {lan.Network}");
                }

                if (address.Address.Equals(address.Network.Address) || address.Address.Equals(lan.Broadcast))
                {
                    Fail(source, path + ".address", $"{address.Address} is the network or broadcast address of {lan.Network}, not a host's");
                }

                Once(held, address.Address, source, path + ".address");
            }

            if (appliance.Gateway is { } gateway)
            {
                Inside(lan, IPAddress.Parse(gateway), source, path + ".gateway", appliance.Bridge);
            }
        }

        var forwarded = new List<(string Router, string Protocol, int First, int Last, string Path)>();
        for (var i = 0; i < document.PortForwards.Count; i++)
        {
            var forward = document.PortForwards[i];
            var path = $"$.portForwards[{Index(i)}]";
            if (!routers.TryGetValue(forward.Router, out var router))
            {
                Fail(source, path + ".router", $"the router '{forward.Router}' is not declared in $.routers");
            }

            var (first, last) = Guarded(source, path + ".externalPort", () => PortForwardService.ParsePorts(forward.ExternalPort, "ExternalPort"));
            if (forward.InternalPort is not null)
            {
                var (internalFirst, internalLast) = Guarded(source, path + ".internalPort", () => PortForwardService.ParsePorts(forward.InternalPort, "InternalPort"));
                if (internalFirst != internalLast && internalLast - internalFirst != last - first)
                {
                    Fail(source, path + ".internalPort", $"{forward.InternalPort} does not cover as many ports as {forward.ExternalPort}");
                }
            }

            var target = IPAddress.Parse(forward.InternalAddress);
            var lan = lans[router.Bridge];
            Inside(lan, target, source, path + ".internalAddress", router.Bridge);
            if (target.Equals(router.Gateway) || target.Equals(lans[router.Bridge].Address))
            {
                Fail(source, path + ".internalAddress", $"{target} is the router's or the host's own address, not an appliance's");
            }

            var clash = forwarded.FirstOrDefault(f => f.Router == forward.Router && f.Protocol == forward.Protocol && f.First <= last && first <= f.Last);
            if (clash.Path is not null)
            {
                Fail(source, path + ".externalPort", $"{forward.Protocol} {forward.ExternalPort} on '{forward.Router}' overlaps the forward at {clash.Path}");
            }

            forwarded.Add((forward.Router, forward.Protocol, first, last, path));
        }
    }

    /// <summary>Maps a document's kind to the module's.</summary>
    /// <param name="kind">The kind as written: namespace, container, dockerNetwork, tap or interface.</param>
    /// <returns>The kind.</returns>
    public static ApplianceKind KindOf(string kind) => kind switch
    {
        "namespace" => ApplianceKind.Namespace,
        "container" => ApplianceKind.Container,
        "dockerNetwork" => ApplianceKind.DockerNetwork,
        "tap" => ApplianceKind.Tap,
        "interface" => ApplianceKind.Interface,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kind of the schema."),
    };

    /// <summary>Maps the module's kind to the document's.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>namespace, container, dockerNetwork, tap or interface.</returns>
    public static string NameOf(ApplianceKind kind) => kind == ApplianceKind.DockerNetwork ? "dockerNetwork" : kind.ToString().ToLowerInvariant();

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static Ipv4Cidr LanOf(Dictionary<string, Ipv4Cidr> lans, string bridge, string source, string path) =>
        lans.TryGetValue(bridge, out var lan) ? lan : throw Error(source, path, $"the bridge '{bridge}' is not declared in $.bridges");

    private static void Inside(Ipv4Cidr lan, IPAddress address, string source, string path, string bridge)
    {
        if (!lan.Contains(address))
        {
            Fail(source, path, $"{address} is outside the LAN {lan.Network} of '{bridge}'");
        }
    }

    private static void Once(Dictionary<IPAddress, string> held, IPAddress address, string source, string path)
    {
        if (held.TryGetValue(address, out var other))
        {
            Fail(source, path, $"{address} is held at {other} already; an address belongs to one host");
        }

        held[address] = path;
    }

    private static void Unique(bool taken, string source, string path, string what)
    {
        if (taken)
        {
            Fail(source, path, what);
        }
    }

    private static void OnlyFor(bool given, bool fits, string source, string path, string kinds)
    {
        if (given && !fits)
        {
            Fail(source, path, $"this field belongs to appliances of kind {kinds}");
        }
    }

    private static T Guarded<T>(string source, string path, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (VlanException e)
        {
            throw new VlanException(ErrorIds.ConfigurationInvalid, VlanErrorKind.InvalidData, path, $"{source} cannot be built as written, at {path}: {e.Message} (In the document, the parameter is the field of that name.) Nothing was changed.", e);
        }
    }

    private static void Fail(string source, string path, string what) => throw Error(source, path, what);

    private static VlanException Error(string source, string path, string what) =>
        new(ErrorIds.ConfigurationInvalid, VlanErrorKind.InvalidData, path, $"{source} cannot be built as written, at {path}: {what}. Fix the document; nothing was changed.");
}
