using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>Adds a route: <c>ip route add DESTINATION [via GATEWAY] [dev LINK] [onlink]</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Destination">"default" or a prefix.</param>
/// <param name="Via">The next hop, or null for a route straight out of the link.</param>
/// <param name="Device">The outgoing link, or null to let the kernel find it from the next hop.</param>
/// <param name="OnLink">Whether the next hop is on the link whatever the addresses say.</param>
public sealed record AddRoute(NetNamespace Namespace, string Destination, IPAddress? Via, string? Device = null, bool OnLink = false) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => Route.Arguments("add", Destination, Via, Device, OnLink);

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteRoute(Namespace, Destination, Via, Device);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Route.Exists(state, Namespace, Destination, Via, Device);
}

/// <summary>Deletes a route: <c>ip route del DESTINATION [via GATEWAY] [dev LINK]</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Destination">"default" or a prefix.</param>
/// <param name="Via">The next hop, or null.</param>
/// <param name="Device">The outgoing link, or null.</param>
public sealed record DeleteRoute(NetNamespace Namespace, string Destination, IPAddress? Via, string? Device = null) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => Route.Arguments("del", Destination, Via, Device, false);

    /// <inheritdoc />
    public override IpOperation Undo => new AddRoute(Namespace, Destination, Via, Device);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => !Route.Exists(state, Namespace, Destination, Via, Device);
}

/// <summary>
/// Sets a route whatever was there: <c>ip route replace DESTINATION via GATEWAY [dev LINK]</c>; the
/// undo puts back the route it replaced, or deletes it when there was none.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Destination">"default" or a prefix.</param>
/// <param name="Via">The next hop, or null.</param>
/// <param name="Device">The outgoing link, or null.</param>
/// <param name="Previous">The route it replaces, or null.</param>
public sealed record ReplaceRoute(NetNamespace Namespace, string Destination, IPAddress? Via, string? Device, RouteState? Previous) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => Route.Arguments("replace", Destination, Via, Device, false);

    /// <inheritdoc />
    public override IpOperation Undo => Previous is { } previous
        ? new ReplaceRoute(Namespace, previous.Destination, previous.Gateway, previous.Device, null)
        : new DeleteRoute(Namespace, Destination, Via, Device);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Route.Exists(state, Namespace, Destination, Via, Device);
}

/// <summary>Helpers of the route operations.</summary>
internal static class Route
{
    public static IReadOnlyList<string> Arguments(string verb, string destination, IPAddress? via, string? device, bool onLink) =>
        ["route", verb, destination, .. Link.Optional("via", via?.ToString()), .. Link.Optional("dev", device), .. onLink ? ["onlink"] : Array.Empty<string>()];

    public static bool Exists(KernelState state, NetNamespace ns, string destination, IPAddress? via, string? device) =>
        state.Routes(ns).Any(r => r.Destination == destination && Equals(r.Gateway, via) && (device is null || r.Device == device));
}
