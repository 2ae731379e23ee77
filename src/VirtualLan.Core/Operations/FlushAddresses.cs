using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>Takes every IPv4 address off a link: <c>ip -4 addr flush dev LINK</c>. The planner, which read them, attaches the undo.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
public sealed record FlushAddresses(NetNamespace Namespace, string Link) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-4", "addr", "flush", "dev", Link];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.Addresses.Count == 0;
}
