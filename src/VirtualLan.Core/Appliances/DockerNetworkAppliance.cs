using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// A whole Docker bridge network joined to the LAN (seed 000's way): a veth between the two
/// bridges, Docker's address taken off its bridge, the LAN let through Docker's isolation in
/// DOCKER-USER, and with -Readdress each container given a LAN address and route (its Docker ones
/// recorded on its interface to be given back).
/// </summary>
internal sealed class DockerNetworkAppliance : IApplianceKind
{
    private readonly NetworkHost _host;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="DockerNetworkAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public DockerNetworkAppliance(NetworkHost host, Docker docker)
    {
        _host = host;
        _docker = docker;
    }

    /// <inheritdoc />
    public ApplianceKind Kind => ApplianceKind.DockerNetwork;

    /// <summary>The comment that names the appliance owning a rule.</summary>
    /// <param name="name">The appliance.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string name) => "virtuallan:appliance/" + name;

    /// <inheritdoc />
    public bool ReservesAddress(ApplianceRequest request) => !request.Readdress;

    /// <inheritdoc />
    public Appliance PlanConnect(Connection connection, List<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        var request = connection.Request;
        var state = connection.State;
        var gateway = connection.Gateway;
        var h = _host.Namespace;
        var network = _docker.Network(request.Name);
        var dockerBridge = state.Links(h).Link(network.Bridge) ?? throw new VlanException(
            ErrorIds.InterfaceNotFound, VlanErrorKind.ObjectNotFound, network.Bridge, $"Docker's bridge '{network.Bridge}' for '{network.Name}' is not in {_host.DisplayName}. Is DOCKER_HOST the engine of this host?");
        var port = "vl-n" + network.Id[..11];
        var peer = "vl-p" + network.Id[..11];
        var recorded = connection.Recorded;
        var readdressed = new List<(string Container, Ipv4Cidr Old, Ipv4Cidr New, string Ns, string Interface)>();
        if (request.Readdress)
        {
            foreach (var (id, name, old) in network.Containers)
            {
                var container = _docker.Container(id);
                var links = state.Links(container.NetworkNamespace);
                var inside = links.Links.FirstOrDefault(l => old is not null && l.Addresses.Contains(old.Value))
                    ?? links.Links.FirstOrDefault(l => ReaddressedRecord.Parse(l.Alias)?.Network == network.Name);
                if (inside is null)
                {
                    continue;
                }

                var previous = ReaddressedRecord.Parse(inside.Alias);
                var fresh = previous?.New ?? AddressPool.Next(connection.Lan, ApplianceKind.DockerNetwork, connection.Used);
                connection.Used.Add(fresh.Address);
                readdressed.Add((name, previous?.Old ?? old!.Value, fresh, container.NetworkNamespace, inside.Name));
            }
        }

        var record = new ApplianceRecord
        {
            Bridge = request.Bridge,
            DockerAddresses = recorded?.DockerAddresses ?? dockerBridge.Addresses,
            DockerBridge = network.Bridge,
            Gateway = gateway,
            Kind = request.Kind,
            Name = network.Name,
            Peer = peer,
            ContainerAddresses = readdressed.Select(r => r.New.Address).ToArray(),
        }.Write();
        steps.Add(new CreateVeth(h, port, peer).ToStep($"Create the veth {port} ↔ {peer} between the bridges"));
        steps.Add(new SetAlias(h, port, record).ToStep($"Record {network.Name} on {port}"));
        steps.Add(new PlugLink(h, port, request.Bridge).ToStep($"Plug {port} into {request.Bridge}"));
        steps.Add(new PlugLink(h, peer, network.Bridge).ToStep($"Plug {peer} into Docker's {network.Bridge}"));
        foreach (var old in dockerBridge.Addresses)
        {
            steps.Add(new DeleteAddress(h, network.Bridge, old).Testing($"Take Docker's address {old} off {network.Bridge}", s => s.Links(h).Link(network.Bridge)?.Addresses.Contains(old) == false));
        }

        if (state.Firewall(h).HasChain("filter", "DOCKER-USER"))
        {
            // DOCKER-USER is where Docker lets users decide first; Docker never flushes it, so the
            // exception survives a dockerd restart, and Docker's own isolation rules stay untouched.
            steps.Add(new InsertRule(h, "filter", "DOCKER-USER", Accept(network.Bridge, network.Name)).ToStep($"Let the LAN through Docker's isolation of {network.Bridge}"));
            steps.AddRange(DockerUserJump.PlanFirst(h, state));
        }

        if (!request.Readdress)
        {
            PlanLostGateways(connection, network, dockerBridge, steps);
        }

        foreach (var (container, old, fresh, ns, inside) in readdressed)
        {
            // Docker gives even --internal containers a default route via its bridge's address,
            // which is gone now: the LAN's gateway replaces it, and the old one is kept for Disconnect.
            var at = NetNamespace.From(ns);
            var oldGateway = state.Routes(ns).FirstOrDefault(r => r.IsDefault)?.Gateway;
            var previous = ReaddressedRecord.Parse(state.Links(ns).Link(inside)?.Alias);
            var keptGateway = previous is not null ? previous.OldGateway : Equals(oldGateway, gateway) ? null : oldGateway;
            var mark = new ReaddressedRecord { Network = network.Name, New = fresh, OldGateway = keptGateway, Old = old }.Write();
            steps.Add(new AddAddress(at, inside, fresh).ToStep($"Give {container} the LAN address {fresh}"));
            steps.Add(new SetAlias(at, inside, mark, string.Empty).ToStep($"Record {container}'s Docker address"));
            steps.Add(new ReplaceRoute(at, "default", gateway, inside, keptGateway is null ? null : new RouteState("default", keptGateway, inside))
                .Testing($"Route {container}'s traffic via {gateway}", s => s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway))));
            steps.Add(new DeleteAddress(at, inside, old).Testing($"Take Docker's address {old} off {container}", s => s.Links(ns).Link(inside)?.Addresses.Contains(old) == false));
        }

        return new Appliance
        {
            Name = network.Name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = peer,
            Gateway = gateway, DockerBridge = network.Bridge, Sandbox = _host.Sandbox,
        };
    }

    /// <inheritdoc />
    public IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Namespace;
        var name = record.Name;
        var dockerBridge = record.DockerBridge!;
        DockerNetwork? network = null;
        try
        {
            network = _docker.Network(name);
        }
        catch (VlanException)
        {
            // The network is gone; its containers went with it, so only our links and rules remain.
        }

        foreach (var (id, container, _) in network?.Containers ?? Array.Empty<(string, string, Ipv4Cidr?)>())
        {
            var ns = _docker.Container(id).NetworkNamespace;
            var at = NetNamespace.From(ns);
            foreach (var link in state.Links(ns).Links)
            {
                var mark = ReaddressedRecord.Parse(link.Alias);
                if (mark?.Network != name)
                {
                    continue;
                }

                var gw = record.Gateway!;

                // The default route as it is now (via the LAN's gateway) is what undoing the route step puts back.
                var current = state.Routes(ns).FirstOrDefault(r => r.IsDefault && r.Device == link.Name)?.AddArguments?.ToArray();
                var restoreRoute = current is null ? new DeleteRoute(at, "default", null, link.Name).Arguments : current.Select((a, i) => i == 1 ? "replace" : a).ToArray();
                yield return new AddAddress(at, link.Name, mark.Old).ToStep($"Give {container} back its Docker address");
                yield return mark.OldGateway is { } ogw
                    ? new ReplaceRoute(at, "default", ogw, link.Name, null).Shaped($"Give {container} back its default route via {ogw}", restoreRoute, null)
                    : new DeleteRoute(at, "default", gw, link.Name).Shaped($"Remove {container}'s route via {gw}", restoreRoute, s => !s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gw)));
                yield return new DeleteAddress(at, link.Name, mark.New).Testing($"Take the LAN address off {container}", s => s.Links(ns).Link(link.Name)?.Addresses.Contains(mark.New) == false);
                yield return new SetAlias(at, link.Name, string.Empty, link.Alias!).Testing($"Clear {container}'s record", null);
            }
        }

        var accept = new DeleteRule(h, "filter", "DOCKER-USER", Accept(dockerBridge, name));
        if (!accept.IsDone(state))
        {
            yield return accept.Shaped("Remove the LAN's exception from DOCKER-USER", accept.UndoArguments, null);
        }

        var staying = state.Links(h).Links
            .Select(l => ApplianceRecord.Parse(l.Alias))
            .Count(r => r?.Kind == ApplianceKind.DockerNetwork && r.Name != name && !leaving.Contains(r.Name));
        if (staying == 0)
        {
            foreach (var step in DockerUserJump.PlanRemove(h, state))
            {
                yield return step;
            }
        }

        var peerName = record.Peer ?? "vl-p" + port.Name[4..];
        yield return new DeleteLink(h, port.Name).ToStep($"Unplug {name}")
            .WithUndo(() => (Restore.Veth(state, h, port, h, state.Links(h).Link(peerName), peerName), null));
        foreach (var old in record.DockerAddresses ?? Array.Empty<Ipv4Cidr>())
        {
            yield return new AddAddress(h, dockerBridge, old).Testing($"Give Docker's {dockerBridge} back {old}", s => s.Links(h).Link(dockerBridge) is null || s.Links(h).Link(dockerBridge)!.Addresses.Contains(old));
        }
    }

    /// <inheritdoc />
    public (IReadOnlyList<Step> Steps, string? Notice) PlanSet(LinkState port, ApplianceRecord record, ApplianceRecord changed, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(record);

        // The network has no address of its own on the LAN; its containers' addresses are Docker's
        // (or, re-addressed, chosen from the pool for each), so there is nothing one address could change.
        throw new VlanException(
            ErrorIds.ApplianceNotSettable,
            VlanErrorKind.InvalidOperation,
            record.Name,
            $"'{record.Name}' is a Docker network: it has no address of its own on the LAN, and its containers' addresses and gateway are Docker's or chosen per container. Connect a container on its own with Connect-VlanAppliance -Container to give it an address, or Disconnect-VlanAppliance {record.Name} and connect it again with other settings.");
    }

    /// <inheritdoc />
    public Appliance Describe(LinkState port, ApplianceRecord record, KernelState state, bool readLive)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        return new Appliance
        {
            Name = record.Name,
            Kind = Kind,
            Bridge = record.Bridge,
            HostInterface = port.Name,
            Interface = record.Peer,
            Cidr = record.Address,
            Gateway = record.Gateway,
            DockerBridge = record.DockerBridge,
            Sandbox = _host.Sandbox,
        };
    }

    /// <summary>
    /// Without -ReaddressContainers, Docker's gateway goes off br-… and the network's containers
    /// routed through it lose the internet: one joined with -Container too is routed via the LAN's
    /// gateway on its own leg (its Docker route recorded, given back when it is disconnected); the
    /// others are named in a warning.
    /// </summary>
    private void PlanLostGateways(Connection connection, DockerNetwork network, LinkState dockerBridge, List<Step> steps)
    {
        var h = _host.Namespace;
        var gone = dockerBridge.Addresses.Select(a => a.Address).ToArray();
        var state = connection.State;
        var ports = state.Links(h).Links
            .Select(l => (Port: l, Record: ApplianceRecord.Parse(l.Alias)))
            .Where(p => p.Record?.Kind == ApplianceKind.Container && p.Record.ContainerId is not null)
            .ToArray();
        var lost = new List<string>();
        foreach (var (id, name, _) in network.Containers)
        {
            var ns = ContainerNamespace.TryFind(_docker, id);
            var route = ns is null ? null : state.Routes(ns).FirstOrDefault(r => r.IsDefault);
            if (ns is null || route?.Gateway is not { } via || !gone.Contains(via))
            {
                continue;
            }

            var (port, record) = ports.FirstOrDefault(p => id.StartsWith(p.Record!.ContainerId!, StringComparison.Ordinal));
            if (record?.Interface is not { } inside || record.Gateway is not { } gateway)
            {
                lost.Add(name);
                continue;
            }

            var kept = record with { OldGateway = via, OldDevice = route.Device };
            steps.Add(new SetAlias(h, port.Name, kept.Write(), port.Alias).ToStep($"Record {name}'s Docker route on {port.Name}"));
            steps.Add(new ReplaceRoute(NetNamespace.From(ns), "default", gateway, inside, route)
                .Testing($"Route {name}'s traffic via {gateway} instead of Docker's {via}", s => s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway) && r.Device == inside)));
        }

        if (lost.Count > 0)
        {
            connection.Warnings.Add(
                $"Docker's gateway {string.Join(", ", gone.Select(a => a.ToString()))} goes off {network.Bridge}, so the running container(s) {string.Join(", ", lost)} of '{network.Name}' lose their default route: they reach the LAN but nothing beyond it. "
                + $"Join each with Connect-VlanAppliance -Container NAME (a LAN leg routed via {connection.Gateway}), or join the network with -ReaddressContainers.");
        }
    }

    private static IReadOnlyList<string> Accept(string dockerBridge, string name) =>
        ["-i", dockerBridge, "-o", dockerBridge, "-m", "comment", "--comment", Owner(name), "-j", "ACCEPT"];
}
