namespace VirtualLan;

/// <summary>
/// One difference between a configuration document and the live LAN, written by
/// Test-VlanConfiguration: what differs, what the document expects and what is there.
/// </summary>
public sealed class ConfigurationDrift
{
    /// <summary>Gets what kind of object differs: bridge, router, host NAT, appliance or port forward.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the object's name (a port forward: ROUTER/PROTO/PORTS).</summary>
    public required string Name { get; init; }

    /// <summary>Gets what differs: Present, a field of the document (address, mtu, …), or State when the object is there with its settings but some of what the module set up is not (an address flushed, a rule deleted, a jump out of order).</summary>
    public required string Property { get; init; }

    /// <summary>Gets what the document expects.</summary>
    public required string Expected { get; init; }

    /// <summary>Gets what the live LAN has.</summary>
    public required string Actual { get; init; }

    /// <summary>Gets the commands Sync-VlanConfiguration would run for it (for State), or none.</summary>
    public IReadOnlyList<string> Commands { get; init; } = Array.Empty<string>();

    /// <summary>Gets what differs, as one phrase: "bridge virtualnet0 mtu".</summary>
    public string What => $"{Kind} {Name} {Property}";

    /// <inheritdoc />
    public override string ToString() => $"{What}: expected {Expected}, actual {Actual}";
}

/// <summary>What Test-VlanConfiguration found: whether the live LAN matches the document, and each difference.</summary>
public sealed class ConfigurationTestResult
{
    /// <summary>Gets the document's path.</summary>
    public required string Path { get; init; }

    /// <summary>Gets a value indicating whether the live LAN matches the document.</summary>
    public bool InDesiredState => Drift.Count == 0;

    /// <summary>Gets one object per difference.</summary>
    public required IReadOnlyList<ConfigurationDrift> Drift { get; init; }

    /// <summary>Gets the appliances whose process is gone (a stopped container, a VM not running): reported, not drift.</summary>
    public IReadOnlyList<string> NotRunning { get; init; } = Array.Empty<string>();

    /// <inheritdoc />
    public override string ToString() => InDesiredState ? "in desired state" : $"{Drift.Count} difference(s)";
}
