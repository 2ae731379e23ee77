using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Readers;

/// <summary>
/// The readers of one host, made once and handed to the planners that need them: a planner asks a
/// reader what exists and never builds another planner to find out.
/// </summary>
public sealed class HostReaders
{
    /// <summary>Initializes a new instance of the <see cref="HostReaders"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="appliances">Lists the appliances from their records (to name the one behind a forward), or null to name none.</param>
    /// <param name="planned">Objects an earlier stage of a sync makes, answered for what the kernel does not hold yet; null for none.</param>
    public HostReaders(NetworkHost host, Func<KernelState, IReadOnlyList<Appliance>>? appliances = null, PlannedObjects? planned = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        Planned = planned ?? new PlannedObjects();
        Routers = new RouterReader(host, Planned);
        HostNat = new HostNatReader(host, Planned);
        var list = appliances ?? (_ => Array.Empty<Appliance>());
        Forwards = new ForwardReader(host, Routers, state => PlannedObjects.Merge(list(state), Planned.Appliances, a => a.Kind + "/" + a.Name));
    }

    /// <summary>Gets the namespace that plays the host.</summary>
    public NetworkHost Host { get; }

    /// <summary>Gets the objects planned ahead of the kernel (empty unless a sync plans a stage from an earlier one not yet applied).</summary>
    public PlannedObjects Planned { get; }

    /// <summary>Gets the reader of routers.</summary>
    public RouterReader Routers { get; }

    /// <summary>Gets the reader of port forwards.</summary>
    public ForwardReader Forwards { get; }

    /// <summary>Gets the reader of host NAT.</summary>
    public HostNatReader HostNat { get; }

    /// <summary>The readers of a host whose forwards name their appliances, read from the appliance records.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Docker, for the appliance kinds.</param>
    /// <param name="planned">Objects an earlier stage of a sync makes, or null for none.</param>
    /// <returns>The readers.</returns>
    public static HostReaders For(NetworkHost host, Docker docker, PlannedObjects? planned = null) =>
        new(host, state => new ApplianceService(host, docker).List(state, live: false), planned);

    /// <summary>
    /// Reads one bridge (the bridge planner's reading, until bridges have a reader of their own), or
    /// the planned one when the kernel holds no link of that name.
    /// </summary>
    /// <param name="name">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The bridge.</returns>
    /// <exception cref="VlanException">There is no bridge of that name.</exception>
    public Bridge Bridge(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Links(Host.Sandbox).Link(name) is null && Planned.Bridges.FirstOrDefault(b => b.Name == name) is { } planned
            ? planned
            : new BridgeService(Host).Read(name, state);
    }
}
