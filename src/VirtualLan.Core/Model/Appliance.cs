using System.Net;

namespace VirtualLan;

/// <summary>The kinds of virtual appliance a LAN can hold.</summary>
public enum ApplianceKind
{
    /// <summary>A plain network namespace (seed 004's containers).</summary>
    Namespace,

    /// <summary>A Docker container, plugged in with a veth of its own.</summary>
    Container,

    /// <summary>A whole Docker bridge network, joined to the LAN's bridge (seed 000's way).</summary>
    DockerNetwork,

    /// <summary>A tap device for a QEMU VM.</summary>
    Tap,

    /// <summary>An existing link, such as a VirtualBox host-only adapter (vboxnet0).</summary>
    Interface,
}

/// <summary>A virtual appliance plugged into a LAN's bridge.</summary>
public sealed class Appliance
{
    /// <summary>Gets or initializes the appliance's name: the namespace, container, Docker network, tap or link name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or initializes the kind of appliance.</summary>
    public required ApplianceKind Kind { get; init; }

    /// <summary>Gets or initializes the bridge it is plugged into.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the bridge port that connects it (a veth end, the tap, or the link itself).</summary>
    public required string HostInterface { get; init; }

    /// <summary>Gets or initializes the appliance's own interface: inside its namespace, or the guest's NIC for a tap.</summary>
    public string? Interface { get; init; }

    /// <summary>Gets or initializes the appliance's address on the LAN with its prefix, such as 172.24.2.2/16 (for a tap or a VirtualBox adapter: the address the guest should take).</summary>
    public Ipv4Cidr? Cidr { get; init; }

    /// <summary>Gets the appliance's address on the LAN, such as 172.24.2.2 (so "root@$($vm.Address)" is a login), or null.</summary>
    public IPAddress? Address => Cidr?.Address;

    /// <summary>Gets the prefix length of the appliance's address, such as 16, or null.</summary>
    public int? PrefixLength => Cidr?.PrefixLength;

    /// <summary>Gets or initializes the appliance's default gateway: the router's address, or the bridge's when the host is the gateway.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets or initializes the MAC address of the appliance's interface (for a tap: the one to give the guest's NIC).</summary>
    public string? MacAddress { get; init; }

    /// <summary>Gets or initializes the appliance's network namespace: a name under /run/netns or a container's /proc path.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets or initializes the container id, for a container.</summary>
    public string? ContainerId { get; init; }

    /// <summary>Gets or initializes Docker's bridge, for a Docker network.</summary>
    public string? DockerBridge { get; init; }

    /// <summary>Gets or initializes the arguments to give QEMU, for a tap.</summary>
    public string? QemuArguments { get; init; }

    /// <summary>Gets or initializes the sandbox the appliance belongs to, or null.</summary>
    public string? Sandbox { get; init; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
