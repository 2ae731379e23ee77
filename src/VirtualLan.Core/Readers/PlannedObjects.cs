namespace VirtualLan.Readers;

/// <summary>
/// The objects a staged plan makes before the next stage is planned (a sync's bridges, routers,
/// host NAT and appliances), as their planners say they will be. The readers of
/// <see cref="HostReaders"/> answer with them for what the kernel does not hold yet, so a later
/// stage is planned from the declared objects when the earlier one was not applied (-WhatIf);
/// what the kernel holds always wins. Steps still test "already done" against the kernel, where
/// these objects are absent, so their commands are listed.
/// </summary>
public sealed class PlannedObjects
{
    private readonly List<Bridge> _bridges = new();
    private readonly List<Router> _routers = new();
    private readonly List<HostNat> _hostNat = new();
    private readonly List<Appliance> _appliances = new();

    /// <summary>Gets the bridges planned.</summary>
    public IReadOnlyList<Bridge> Bridges => _bridges;

    /// <summary>Gets the routers planned.</summary>
    public IReadOnlyList<Router> Routers => _routers;

    /// <summary>Gets the host NAT planned.</summary>
    public IReadOnlyList<HostNat> HostNat => _hostNat;

    /// <summary>Gets the appliances planned.</summary>
    public IReadOnlyList<Appliance> Appliances => _appliances;

    /// <summary>Adds a bridge a plan makes (replacing one of the same name).</summary>
    /// <param name="bridge">The bridge as it will be.</param>
    public void Add(Bridge bridge)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        _bridges.RemoveAll(b => b.Name == bridge.Name);
        _bridges.Add(bridge);
    }

    /// <summary>Adds a router a plan makes (replacing one of the same name).</summary>
    /// <param name="router">The router as it will be.</param>
    public void Add(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        _routers.RemoveAll(r => r.Name == router.Name);
        _routers.Add(router);
    }

    /// <summary>Adds host NAT a plan turns on (replacing that of the same bridge).</summary>
    /// <param name="nat">The host NAT as it will be.</param>
    public void Add(HostNat nat)
    {
        ArgumentNullException.ThrowIfNull(nat);
        _hostNat.RemoveAll(n => n.Bridge == nat.Bridge);
        _hostNat.Add(nat);
    }

    /// <summary>Adds an appliance a plan connects (replacing one of the same kind and name).</summary>
    /// <param name="appliance">The appliance as it will be.</param>
    public void Add(Appliance appliance)
    {
        ArgumentNullException.ThrowIfNull(appliance);
        _appliances.RemoveAll(a => a.Name == appliance.Name && a.Kind == appliance.Kind);
        _appliances.Add(appliance);
    }

    /// <summary>The objects the kernel holds, followed by the planned ones it does not hold yet.</summary>
    /// <typeparam name="T">The objects' type.</typeparam>
    /// <param name="live">What the kernel holds.</param>
    /// <param name="planned">What is planned.</param>
    /// <param name="key">What identifies an object.</param>
    /// <returns>The objects.</returns>
    internal static IReadOnlyList<T> Merge<T>(IReadOnlyList<T> live, IReadOnlyList<T> planned, Func<T, string> key)
    {
        if (planned.Count == 0)
        {
            return live;
        }

        var held = live.Select(key).ToHashSet(StringComparer.Ordinal);
        return live.Concat(planned.Where(p => !held.Contains(key(p)))).ToArray();
    }
}
