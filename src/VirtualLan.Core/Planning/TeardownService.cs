using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Planning;

/// <summary>
/// Plans taking down a LAN: the bridge, and with recursion everything the module built on it, as
/// one plan made from one read of the state.
/// </summary>
public sealed class TeardownService
{
    private readonly NetworkHost _host;
    private readonly Func<string, string?> _locate;
    private readonly Func<string, bool> _exists;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="TeardownService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="locate">Finds a program on the PATH (for the routers' DHCP clients).</param>
    /// <param name="exists">Tells whether a file exists.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public TeardownService(NetworkHost host, Func<string, string?> locate, Func<string, bool> exists, Docker docker)
    {
        _host = host;
        _locate = locate;
        _exists = exists;
        _docker = docker;
    }

    /// <summary>
    /// Plans removing a bridge. With <paramref name="recurse"/>, everything on it goes in the same
    /// plan, each part in its own order: appliances, host NAT, routers (their forwards live in their
    /// namespaces and go with them), then the bridge; the host's link deletions go together at the end
    /// (<see cref="PlanExecutor.Combine"/>).
    /// </summary>
    /// <param name="name">The bridge.</param>
    /// <param name="recurse">True to remove what is on it too.</param>
    /// <param name="force">True to remove a bridge the module did not make.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="keepNamespaces">True to keep the namespaces the module made for appliances (-Create).</param>
    /// <returns>The plan, and the bridge's ports the module did not plug in (they are unplugged and stay).</returns>
    /// <exception cref="VlanException">The bridge is in use and <paramref name="recurse"/> is false, or it cannot be removed.</exception>
    public (Plan Plan, IReadOnlyList<string> ForeignPorts) PlanRemoveBridge(string name, bool recurse, bool force, KernelState state, bool keepNamespaces = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        var readers = HostReaders.For(_host, _docker);
        var routerService = new RouterService(readers, _locate, _exists);
        var applianceService = new ApplianceService(_host, _docker);
        var hostNatService = new HostNatService(readers);
        var all = applianceService.List(state, live: false);
        var appliances = all.Where(a => a.Bridge == name).ToArray();
        var routers = readers.Routers.Routers(state).Where(r => r.Bridge == name).ToArray();
        if (recurse)
        {
            // A removal cut off after deleting a router's host link leaves its namespace, which only its lo still names.
            routers = routers.Concat(readers.Routers.Leftovers(state, all.Select(a => a.Namespace)).Where(r => r.Bridge == name)).ToArray();
        }

        var hostNat = readers.HostNat.Read(name, state);

        // A LAN's dnsmasq in a router goes with the router; one in the host's namespace is disabled here.
        var dhcp = routers.Length == 0 && _exists(Linux.Dnsmasq.Folder(_host.Sandbox, name));
        var tunnelService = new TunnelService(readers, _ => all);
        var tunnel = tunnelService.List(state).FirstOrDefault(t => t.Bridge == name);
        if (!recurse && (routers.Length > 0 || appliances.Length > 0 || hostNat is not null || dhcp || tunnel is not null))
        {
            var users = routers.Select(r => "the router " + r.Name)
                .Concat(tunnel is null ? Array.Empty<string>() : new[] { "the tunnel " + tunnel.Device })
                .Concat(appliances.Select(a => "the appliance " + a.Name))
                .Concat(hostNat is null ? Array.Empty<string>() : new[] { "host NAT" })
                .Concat(dhcp ? new[] { "its DHCP server" } : Array.Empty<string>());
            throw new VlanException(
                ErrorIds.BridgeInUse,
                VlanErrorKind.InvalidOperation,
                name,
                $"The bridge '{name}' still has {string.Join(", ", users)}. Add -Recurse to remove them with it, or remove them first.");
        }

        var plans = new List<Plan>();
        if (tunnel is not null)
        {
            plans.Add(tunnelService.PlanRemove(name, state));
        }

        var leaving = appliances.Select(a => a.Name).ToArray();
        // Forwards live in the routers' namespaces, removed below; a namespace made with -Create goes unless kept.
        plans.AddRange(appliances.Select(a => applianceService.PlanDisconnect(a.Name, state, leaving, keepNamespaces, withForwards: routers.Length == 0)));
        if (hostNat is not null)
        {
            plans.Add(hostNatService.PlanDisable(name, state));
        }

        if (dhcp)
        {
            plans.Add(new DhcpService(readers, _locate, _exists, Linux.Dnsmasq.ReadOrNull).PlanDisable(name, state));
        }

        plans.AddRange(routers.Select(r => routerService.PlanRemove(r.Name, state, tunnelGoes: true)));
        plans.Add(new BridgeService(_host).PlanRemove(name, force, state));

        var ours = appliances.Select(a => a.HostInterface).Concat(routers.Select(r => r.BridgePort)).Concat(tunnel is null ? Array.Empty<string>() : new[] { tunnel.Device }).ToHashSet(StringComparer.Ordinal);
        var foreign = state.Links(_host.Sandbox).PortsOf(name).Where(p => !ours.Contains(p)).ToArray();
        var title = plans.Count == 1 ? plans[0].Title : $"Remove bridge {name} with everything on it";
        return (PlanExecutor.Combine(title, $"{name} in {_host.DisplayName}", plans, state), foreign);
    }
}
