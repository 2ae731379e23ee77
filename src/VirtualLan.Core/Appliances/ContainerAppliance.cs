using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>A Docker container, plugged in with a veth of its own (next to Docker's interfaces).</summary>
internal sealed class ContainerAppliance : VethAppliance
{
    /// <summary>Initializes a new instance of the <see cref="ContainerAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers.</param>
    public ContainerAppliance(NetworkHost host, Docker docker)
        : base(host, docker)
    {
    }

    /// <inheritdoc />
    public override ApplianceKind Kind => ApplianceKind.Container;

    /// <inheritdoc />
    public override Appliance PlanConnect(Connection connection, List<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var request = connection.Request;
        var state = connection.State;
        var container = Docker.Container(request.Name);
        var ns = container.NetworkNamespace;
        var port = "vl-" + container.Id[..12];
        var recorded = connection.Recorded;
        if (recorded is null && OwnObjects.WhyNamespace(ns, state) is { } own)
        {
            throw new VlanException(ErrorIds.NamespaceInvalid, VlanErrorKind.InvalidArgument, request.Name, $"The container '{request.Name}' cannot be an appliance: its network namespace {ns} is not its own, {own}.");
        }

        var links = state.Links(ns);
        var inside = request.InterfaceName ?? recorded?.Interface
            ?? Enumerable.Range(0, 16).Select(i => "eth" + i.ToString(CultureInfo.InvariantCulture)).First(n => links.Link(n) is null);
        var replacing = recorded?.OldGateway is { } kept
            ? new RouteState("default", kept, recorded.OldDevice)
            : DockerRoute(connection, ns, inside);
        PlugVeth(connection, port, ns, inside, created: false, steps, onlyIfNoDefault: true, containerId: container.Id, replacing: replacing);
        return new Appliance
        {
            Name = request.Name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = inside,
            Cidr = connection.Address, Gateway = connection.Gateway, Namespace = ns, ContainerId = container.Id, Sandbox = Host.Sandbox,
            MacAddress = InsideMac(connection, ns, inside),
        };
    }

    /// <summary>
    /// Tells whether a default route's gateway leads nowhere: a gateway that no link of the host
    /// holds any more (Docker's, taken off br-… by -DockerNetwork), or one on an --internal
    /// Docker network, which never forwards, leads nowhere.
    /// </summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads Docker networks.</param>
    /// <param name="gateway">The gateway.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="gone">Addresses about to be taken off the host's links.</param>
    /// <returns>True when traffic sent via the gateway goes nowhere.</returns>
    internal static bool LeadsNowhere(NetworkHost host, Docker docker, IPAddress gateway, KernelState state, IReadOnlyCollection<IPAddress> gone)
    {
        var holder = state.Links(host.Sandbox).Links.FirstOrDefault(l => l.Addresses.Any(a => a.Address.Equals(gateway)));
        if (holder is null || gone.Contains(gateway))
        {
            return true;
        }

        if (!holder.Name.StartsWith("br-", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            return docker.Network(holder.Name[3..]).Internal;
        }
        catch (VlanException)
        {
            return false;
        }
    }

    /// <summary>The container's default route from Docker when it is to be replaced: it leads nowhere, or the user asked.</summary>
    private RouteState? DockerRoute(Connection connection, string ns, string inside)
    {
        var route = connection.State.Routes(ns).FirstOrDefault(r => r.IsDefault);
        if (route is null || route.Device == inside || Equals(route.Gateway, connection.Gateway))
        {
            return null;
        }

        return connection.Request.ReplaceDefaultRoute
            || (route.Gateway is { } via && LeadsNowhere(Host, Docker, via, connection.State, Array.Empty<IPAddress>()))
            ? new RouteState("default", route.Gateway, route.Device)
            : null;
    }

    /// <inheritdoc />
    protected override string? NamespaceOf(ApplianceRecord record, bool readLive) =>
        readLive ? ContainerNamespace.TryFind(Docker, record.ContainerId) : null;
}
