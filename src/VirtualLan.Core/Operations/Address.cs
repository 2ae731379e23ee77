using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>Gives a link an address: <c>ip addr add CIDR dev LINK</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Address">The address with its prefix.</param>
public sealed record AddAddress(NetNamespace Namespace, string Link, Ipv4Cidr Address) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["addr", "add", Address.ToString(), "dev", Link];

    /// <inheritdoc />
    public override IpOperation Undo => new DeleteAddress(Namespace, Link, Address);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.Addresses.Contains(Address) == true;
}

/// <summary>Takes an address off a link: <c>ip addr del CIDR dev LINK</c>.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Link">The link.</param>
/// <param name="Address">The address with its prefix.</param>
public sealed record DeleteAddress(NetNamespace Namespace, string Link, Ipv4Cidr Address) : IpOperation(Namespace)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["addr", "del", Address.ToString(), "dev", Link];

    /// <inheritdoc />
    public override IpOperation Undo => new AddAddress(Namespace, Link, Address);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => state.Links(Namespace).Link(Link)?.Addresses.Contains(Address) != true;
}
