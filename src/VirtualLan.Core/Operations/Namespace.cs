using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>Creates a named network namespace: <c>ip netns add NAME</c>, run in the process's own namespace.</summary>
/// <param name="Name">The name under /run/netns.</param>
public sealed record AddNamespace(string Name) : IpOperation(NetNamespace.Own)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["netns", "add", Name];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteNamespace(Name);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Exists(Name);
}

/// <summary>Deletes a named network namespace: <c>ip netns delete NAME</c>. What it held is put back from the state by the planner.</summary>
/// <param name="Name">The name under /run/netns.</param>
public sealed record DeleteNamespace(string Name) : IpOperation(NetNamespace.Own)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["netns", "delete", Name];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => !state.NamespaceNames.Contains(Name, StringComparer.Ordinal);
}
