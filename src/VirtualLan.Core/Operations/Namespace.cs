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

/// <summary>
/// Deletes a named network namespace: <c>ip netns delete NAME</c>. The executor holds the namespace
/// open while the plan runs (<see cref="NamespaceHold"/>), so the deletion is undone exactly by
/// mounting it back on its name, and the kernel frees it (with the links still in it) only after
/// the plan, when the hold is closed.
/// </summary>
/// <param name="Name">The name under /run/netns.</param>
public sealed record DeleteNamespace(string Name) : IpOperation(NetNamespace.Own)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["netns", "delete", Name];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => !state.NamespaceNames.Contains(Name, StringComparer.Ordinal);
}
