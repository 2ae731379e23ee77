using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>A validated request to plug an appliance into a LAN: what Connect-VlanAppliance was asked.</summary>
public sealed class ApplianceRequest
{
    private ApplianceRequest()
    {
    }

    /// <summary>Gets the kind of appliance.</summary>
    public required ApplianceKind Kind { get; init; }

    /// <summary>Gets the appliance's name: the namespace, container, Docker network, tap or link to plug in.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the bridge.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the address asked for, or null to take the next free one of the kind's pool.</summary>
    public string? Address { get; init; }

    /// <summary>Gets the gateway asked for, or null for the router's (or the bridge's when the host is the gateway).</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets the name of the appliance's interface inside its namespace, or null for the default.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Gets the user to own a tap the module creates, so QEMU can run unprivileged.</summary>
    public string? TapOwner { get; init; }

    /// <summary>Gets a value indicating whether the containers of a Docker network are given LAN addresses.</summary>
    public bool Readdress { get; init; }

    /// <summary>Gets a value indicating whether a container's working default route (from Docker) is replaced by one via the LAN's gateway too.</summary>
    public bool ReplaceDefaultRoute { get; init; }

    /// <summary>Gets a value indicating whether a missing namespace is created.</summary>
    public bool CreateNamespace { get; init; }

    /// <summary>Checks the parameters of Connect-VlanAppliance.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="target">The namespace, container, network, tap or link.</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="address">The address, or null.</param>
    /// <param name="gateway">The gateway, or null.</param>
    /// <param name="interfaceName">The interface name inside the appliance, or null.</param>
    /// <param name="tapOwner">The tap's owner, or null.</param>
    /// <param name="readdress">Whether to re-address a Docker network's containers.</param>
    /// <param name="create">Whether to create a missing namespace.</param>
    /// <param name="replaceDefaultRoute">Whether a container's working default route is replaced as well as one that leads nowhere.</param>
    /// <returns>The request.</returns>
    /// <exception cref="VlanException">A parameter is invalid.</exception>
    public static ApplianceRequest Create(
        ApplianceKind kind, string? target, string? bridge, string? address, string? gateway, string? interfaceName, string? tapOwner, bool readdress, bool create = false, bool replaceDefaultRoute = false)
    {
        var checkedTarget = kind switch
        {
            ApplianceKind.Namespace => Names.Namespace(target, "Namespace"),
            ApplianceKind.Tap => Names.Interface(target, "Tap"),
            ApplianceKind.Interface => Names.Interface(target, "Interface"),
            ApplianceKind.Container => CheckDockerName(target, "Container"),
            _ => CheckDockerName(target, "DockerNetwork"),
        };
        if (address is not null && address.Contains(':', StringComparison.Ordinal))
        {
            throw new VlanException(ErrorIds.IPv6NotSupported, VlanErrorKind.InvalidArgument, address, $"-Address '{address}' is an IPv6 address; VirtualLan manages IPv4 LANs only.");
        }

        if (address is not null && !address.Contains('/', StringComparison.Ordinal))
        {
            RouterRequest.ParseUnicast(address, "Address");
        }
        else if (address is not null)
        {
            RouterRequest.CheckHost(Ipv4Cidr.Parse(address), address, "Address");
        }

        return new ApplianceRequest
        {
            Kind = kind,
            Name = checkedTarget,
            Bridge = Names.Interface(bridge, "Bridge"),
            Address = address,
            Gateway = gateway is null ? null : RouterRequest.ParseUnicast(gateway, "Gateway"),
            InterfaceName = interfaceName is null ? null : Names.Interface(interfaceName, "InterfaceName"),
            TapOwner = tapOwner is null ? null : CheckDockerName(tapOwner, "TapOwner"),
            Readdress = readdress,
            CreateNamespace = create,
            ReplaceDefaultRoute = replaceDefaultRoute,
        };
    }

    private static string CheckDockerName(string? name, string parameter)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '-' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            throw new VlanException(
                ErrorIds.InvalidName,
                VlanErrorKind.InvalidArgument,
                name,
                $"-{parameter} '{name}' is not a valid name: use letters, digits, '_', '.' or '-', not starting with '-'.");
        }

        return name;
    }
}
