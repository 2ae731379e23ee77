using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>
/// Tells the links and namespaces VirtualLan made, so that no cmdlet takes one of them as a user's
/// link or namespace: plugging a router's LAN leg in as an adapter, or taking another router's host
/// link as an uplink, would break what the module built (issue 14, hole 7).
/// </summary>
internal static class OwnObjects
{
    /// <summary>Says why a link of the host is VirtualLan's own, or null when it is not.</summary>
    /// <param name="link">The link.</param>
    /// <param name="routers">The routers of the host.</param>
    /// <returns>The reason, for a message ("it is …"), or null.</returns>
    public static string? WhyLink(LinkState link, IReadOnlyList<Router> routers)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(routers);
        if (routers.FirstOrDefault(r => r.BridgePort == link.Name || r.HostInterface == link.Name) is { } router)
        {
            return $"it is one of the links of the router '{router.Name}'";
        }

        return AliasRecord.KindOf(link.Alias) switch
        {
            null => null,
            "appliance" => $"it is the port of the appliance '{Records.ApplianceRecord.Parse(link.Alias)?.Name}'",
            Records.UplinkRecord.RecordKind => "it is already the uplink of a router",
            "bridge" => "it is a VirtualLan bridge",
            Records.RouterRecord.RecordKind => "it is one of a router's links",
            var kind => $"VirtualLan made it (its alias holds a {kind} record)",
        };
    }

    /// <summary>Says why a namespace is VirtualLan's own router or sandbox, or null when it is not.</summary>
    /// <param name="namespaceName">The namespace: a name, or a /proc/PID/ns/net path.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The reason, for a message ("it is …"), or null.</returns>
    public static string? WhyNamespace(string namespaceName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Exists(namespaceName))
        {
            return null;
        }

        return AliasRecord.KindOf(state.Links(namespaceName).Link("lo")?.Alias) switch
        {
            Records.RouterRecord.RecordKind => "it is a VirtualLan router's namespace",
            "sandbox" => "it is a VirtualLan sandbox",
            _ => null,
        };
    }
}
