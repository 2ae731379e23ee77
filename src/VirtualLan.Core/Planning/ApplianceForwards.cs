using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Planning;

/// <summary>
/// The port forwards that lead to an appliance (those of its LAN's routers whose target is one of its
/// addresses): they follow it to a new address (Set-VlanAppliance) and go with it (Disconnect-VlanAppliance).
/// Planned with <see cref="PortForwardService"/>'s own plans, so the rules are exactly those it writes.
/// </summary>
public sealed class ApplianceForwards
{
    private readonly PortForwardService _forwards;
    private readonly NetworkHost _host;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="ApplianceForwards"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public ApplianceForwards(NetworkHost host, Docker docker)
    {
        _host = host;
        _docker = docker;
        _forwards = new PortForwardService(host, docker);
    }

    /// <summary>Lists the forwards of a LAN's routers to some addresses.</summary>
    /// <param name="bridge">The LAN's bridge.</param>
    /// <param name="addresses">The appliance's addresses.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The forwards.</returns>
    public IReadOnlyList<PortForward> To(string bridge, IReadOnlyCollection<IPAddress> addresses, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(state);
        if (addresses.Count == 0)
        {
            return Array.Empty<PortForward>();
        }

        var readers = HostReaders.For(_host, _docker);
        var routers = readers.Routers.Routers(state).Where(r => r.Bridge == bridge).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        return readers.Forwards.List(state).Where(f => routers.Contains(f.Router) && addresses.Contains(f.InternalAddress)).ToArray();
    }

    /// <summary>Plans moving forwards to an appliance's new address: each forward's rules are removed and written again with the new target.</summary>
    /// <param name="forwards">The forwards, from <see cref="To"/>.</param>
    /// <param name="address">The new address.</param>
    /// <param name="appliance">The appliance.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps, in order.</returns>
    public IEnumerable<Step> PlanFollow(IReadOnlyList<PortForward> forwards, IPAddress address, string appliance, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(forwards);
        foreach (var forward in forwards)
        {
            foreach (var step in _forwards.PlanRemove(forward.Router, forward.Protocol, forward.ExternalPort, state).Steps)
            {
                yield return step;
            }

            var (plan, _) = _forwards.PlanAdd(
                forward.Router, forward.Protocol, forward.ExternalPort, forward.InternalPortFirst.ToString(CultureInfo.InvariantCulture), address, forward.ExternalAddress, appliance, state, replacing: forward);
            foreach (var step in plan.Steps)
            {
                yield return step;
            }
        }
    }

    /// <summary>Plans removing forwards, each exactly as Remove-VlanPortForward does.</summary>
    /// <param name="forwards">The forwards, from <see cref="To"/>.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps, in order.</returns>
    public IEnumerable<Step> PlanRemove(IReadOnlyList<PortForward> forwards, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(forwards);
        return forwards.SelectMany(f => _forwards.PlanRemove(f.Router, f.Protocol, f.ExternalPort, state).Steps);
    }

    /// <summary>Names forwards for a plan's title, such as "tcp/4000 → 172.24.1.2:80 of router".</summary>
    /// <param name="forwards">The forwards.</param>
    /// <returns>The text.</returns>
    public static string Describe(IReadOnlyList<PortForward> forwards)
    {
        ArgumentNullException.ThrowIfNull(forwards);
        return string.Join(", ", forwards.Select(f => $"{f} of {f.Router}"));
    }
}
