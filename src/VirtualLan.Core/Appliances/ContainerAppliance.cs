using System.Globalization;
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
        PlugVeth(connection, port, ns, inside, created: false, steps, onlyIfNoDefault: true, containerId: container.Id);
        return new Appliance
        {
            Name = request.Name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = inside,
            Address = connection.Address, Gateway = connection.Gateway, Namespace = ns, ContainerId = container.Id, Sandbox = Host.Sandbox,
            MacAddress = InsideMac(connection, ns, inside),
        };
    }

    /// <inheritdoc />
    protected override string? NamespaceOf(ApplianceRecord record, bool readLive) =>
        readLive ? ContainerNamespace.TryFind(Docker, record.ContainerId) : null;
}
