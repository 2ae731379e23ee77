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
    public HostReaders(NetworkHost host, Func<KernelState, IReadOnlyList<Appliance>>? appliances = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        Routers = new RouterReader(host);
        HostNat = new HostNatReader(host);
        Forwards = new ForwardReader(host, Routers, appliances ?? (_ => Array.Empty<Appliance>()));
    }

    /// <summary>Gets the namespace that plays the host.</summary>
    public NetworkHost Host { get; }

    /// <summary>Gets the reader of routers.</summary>
    public RouterReader Routers { get; }

    /// <summary>Gets the reader of port forwards.</summary>
    public ForwardReader Forwards { get; }

    /// <summary>Gets the reader of host NAT.</summary>
    public HostNatReader HostNat { get; }

    /// <summary>The readers of a host whose forwards name their appliances, read from the appliance records.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Docker, for the appliance kinds.</param>
    /// <returns>The readers.</returns>
    public static HostReaders For(NetworkHost host, Docker docker) =>
        new(host, state => new ApplianceService(host, docker).List(state, live: false));

    /// <summary>Reads one bridge (the bridge planner's reading, until bridges have a reader of their own).</summary>
    /// <param name="name">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The bridge.</returns>
    /// <exception cref="VlanException">There is no bridge of that name.</exception>
    public Bridge Bridge(string name, KernelState state) => new BridgeService(Host).Read(name, state);
}
