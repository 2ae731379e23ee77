using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>A plain network namespace (seed 004's containers), made with -Create or given.</summary>
internal sealed class NamespaceAppliance : VethAppliance
{
    /// <summary>Initializes a new instance of the <see cref="NamespaceAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Unused by this kind; kept for the shared base.</param>
    public NamespaceAppliance(NetworkHost host, Docker docker)
        : base(host, docker)
    {
    }

    /// <inheritdoc />
    public override ApplianceKind Kind => ApplianceKind.Namespace;

    /// <inheritdoc />
    public override Appliance PlanConnect(Connection connection, List<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        var request = connection.Request;
        var state = connection.State;
        var recorded = connection.Recorded;
        var ns = Host.NamespaceFor(request.Name);
        var existed = state.Exists(ns);
        var created = recorded?.Created == true || !existed;
        if (existed && recorded is null && OwnObjects.WhyNamespace(ns, state) is { } own)
        {
            throw new VlanException(ErrorIds.NamespaceInvalid, VlanErrorKind.InvalidArgument, request.Name, $"The namespace '{ns}' cannot be an appliance: {own}. Give a namespace of your own, or -Create a new one.");
        }

        if (!existed && !request.CreateNamespace)
        {
            throw new VlanException(
                ErrorIds.NamespaceNotFound,
                VlanErrorKind.ObjectNotFound,
                request.Name,
                $"There is no network namespace '{ns}'. Add -Create to make it, or create it yourself ('ip netns add {ns}').");
        }

        if (!existed)
        {
            // An ip step outside any namespace: the creation of many namespaces goes to one ip -batch.
            steps.Add(new AddNamespace(ns).ToStep($"Create the namespace {ns}"));
        }

        var inside = request.InterfaceName ?? recorded?.Interface ?? "eth0";
        if (recorded is null && state.Links(ns).Link(inside) is not null)
        {
            throw new VlanException(ErrorIds.ApplianceConflict, VlanErrorKind.ResourceExists, request.Name, $"The namespace '{ns}' already has a link named '{inside}'. Give another name with -InterfaceName.");
        }

        var port = ApplianceNaming.PortName(request.Name);
        PlugVeth(connection, port, ns, inside, created, steps, onlyIfNoDefault: false);
        return new Appliance
        {
            Name = request.Name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = inside,
            Cidr = connection.Address, Gateway = connection.Gateway, Namespace = ns, Sandbox = Host.Sandbox,
            MacAddress = InsideMac(connection, ns, inside),
        };
    }

    /// <inheritdoc />
    public override IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(state);
        var steps = base.PlanDisconnect(port, record, state, leaving, keepNamespace).ToList();

        // The namespace made with -Create goes with the appliance, unless kept or a process still
        // runs in it (deleting its name would leave that process in a namespace nothing names). Its
        // name goes before the veth: the executor holds the namespace open until the plan ends (a
        // rollback mounts it back), so the veth's deletion stays the plan's last, atomic, operation
        // and its undo never reads the inside. A crash in between frees the namespace, and the veth
        // with it.
        if (record.Created == true && !keepNamespace && record.Namespace is { } ns && state.Exists(ns) && state.Pids(ns).Count == 0)
        {
            steps.Insert(steps.Count - 1, new DeleteNamespace(ns).ToStep($"Delete the namespace {ns} made for {record.Name}"));
        }
        else if (record.Created == true && record.Namespace is { } gone && !state.Exists(gone))
        {
            // A run cut off after deleting the name: the kernel is freeing the namespace, and the veth
            // goes with it at any moment, so its deletion may find nothing to delete.
            steps[^1] = steps[^1].Tolerating(string.Empty);
        }

        return steps;
    }

    /// <inheritdoc />
    protected override string? NamespaceOf(ApplianceRecord record, bool readLive) => record.Namespace;
}
