using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// Plugs a link into a bridge and brings it up, in one command: <c>ip link set dev LINK master BRIDGE up</c>.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Bridge">The bridge.</param>
/// <param name="Unplug">
/// Whether the undo unplugs it (<c>nomaster</c>); false for a link the plan made, whose deletion undoes this too.
/// </param>
public sealed record PlugLink(NetNamespace Namespace, string Link, string Bridge, bool Unplug = false) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["link", "set", "dev", Link, "master", Bridge, "up"];

    /// <inheritdoc />
    public override IpOperation? Undo => Unplug ? new SetNoMaster(Namespace, Link, null) : null;

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link) is { IsUp: true } link && link.Master == Bridge;
}
