namespace VirtualLan.Linux;

/// <summary>
/// The links of one network namespace, read in one <c>ip -json</c> call. Plans are checked
/// against this snapshot, so a cmdlet reads the kernel once however many steps it has.
/// </summary>
public sealed class NamespaceState
{
    private readonly Dictionary<string, LinkState> _byName;

    /// <summary>Initializes a new instance of the <see cref="NamespaceState"/> class.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="exists">Whether the namespace exists.</param>
    /// <param name="links">Its links.</param>
    public NamespaceState(NetNamespace at, bool exists, IReadOnlyList<LinkState> links)
    {
        Namespace = at;
        Exists = exists;
        Links = links;
        _byName = links.ToDictionary(l => l.Name, StringComparer.Ordinal);
    }

    /// <summary>Gets the namespace.</summary>
    public NetNamespace Namespace { get; }

    /// <summary>Gets a value indicating whether the namespace exists.</summary>
    public bool Exists { get; }

    /// <summary>Gets the links.</summary>
    public IReadOnlyList<LinkState> Links { get; }

    /// <summary>Finds a link by name.</summary>
    /// <param name="name">The interface name.</param>
    /// <returns>The link, or null.</returns>
    public LinkState? Link(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Lists the links enslaved to a bridge, by name.</summary>
    /// <param name="bridge">The bridge name.</param>
    /// <returns>The port names in index order.</returns>
    public IReadOnlyList<string> PortsOf(string bridge) =>
        Links.Where(l => l.Master == bridge).OrderBy(l => l.Index).Select(l => l.Name).ToArray();

    /// <summary>Finds the link that holds an IPv4 address, if any.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The link holding it, or null.</returns>
    public LinkState? HolderOf(System.Net.IPAddress address) =>
        Links.FirstOrDefault(l => l.Addresses.Any(a => a.Address.Equals(address)));
}
