namespace VirtualLan.Linux;

/// <summary>
/// Where <see cref="KernelState"/> reads the network's state from: links with their addresses,
/// routes, neighbours and namespaces. <see cref="CommandLineKernelReader"/> asks <c>ip -json</c>;
/// <see cref="Netlink.NetlinkKernelReader"/> asks rtnetlink and gives the same values, so planners
/// cannot tell them apart. A failed read throws <see cref="CommandFailedException"/> naming
/// the equivalent <c>ip</c> command line.
/// </summary>
public interface IKernelReader
{
    /// <summary>Returns the names under /run/netns, as <c>ip -json netns list</c> lists them.</summary>
    /// <returns>The names, in directory order.</returns>
    IReadOnlyList<string> NamespaceNames();

    /// <summary>Returns the links of a namespace with their IPv4 addresses, as <c>ip -details -json addr show</c> gives them.</summary>
    /// <param name="at">The namespace (one that exists).</param>
    /// <returns>The links, in the kernel's order.</returns>
    IReadOnlyList<LinkState> Links(NetNamespace at);

    /// <summary>Returns the IPv4 routes of the main table, as <c>ip -4 -json route show</c> gives them.</summary>
    /// <param name="at">The namespace (one that exists).</param>
    /// <returns>The routes.</returns>
    IReadOnlyList<RouteState> Routes(NetNamespace at);

    /// <summary>Returns the confirmed IPv4 neighbours on a link, as <see cref="RouteState.ParseNeighbors"/> keeps them from <c>ip -4 -json neigh show dev LINK</c>.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="link">The link.</param>
    /// <returns>The neighbours.</returns>
    IReadOnlyList<Neighbor> Neighbors(NetNamespace at, string link);

    /// <summary>Returns the names of the namespaces a namespace assigned an id to, as <c>ip -n NS -json netns list</c> shows them with an id (not <c>netns list-id</c>: the kernel's dump of ids stops after one page, 134 ids on 6.18).</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The names under /run/netns.</returns>
    IReadOnlyList<string> PeerNamespaces(NetNamespace at);

    /// <summary>Returns kernel settings of a namespace as <c>sysctl -n KEY…</c> prints them: one value per line.</summary>
    /// <param name="at">The namespace (one that exists).</param>
    /// <param name="keys">The keys (net.ipv4.ip_forward, …).</param>
    /// <returns>The output.</returns>
    string Sysctls(NetNamespace at, IReadOnlyList<string> keys);

    /// <summary>
    /// Returns the policies of the IPv4 firewall's built-in chains without reading the rules, or
    /// null when this reader cannot (the caller then reads them with iptables-save).
    /// </summary>
    /// <param name="at">The namespace (one that exists).</param>
    /// <returns>"table/chain" → ACCEPT or DROP for each built-in chain that exists, or null.</returns>
    IReadOnlyDictionary<string, string>? ChainPolicies(NetNamespace at);
}
