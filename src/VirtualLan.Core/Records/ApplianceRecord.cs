using System.Globalization;
using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// What the module keeps in the alias of an appliance's bridge port (<c>virtuallan:appliance
/// addr=… bridge=… kind=… name=… …</c>): enough to find the appliance, read it back and undo exactly
/// what connecting it did. The keys are defined here and nowhere else; the text written is the one
/// earlier versions wrote (keys in ordinal order, values escaped), so LANs built by them are read.
/// </summary>
public sealed record ApplianceRecord
{
    /// <summary>The record kind after <c>virtuallan:</c>.</summary>
    public const string RecordKind = "appliance";

    private const string AddressKey = "addr";
    private const string BridgeKey = "bridge";
    private const string ContainerAddressesKey = "caddrs";
    private const string ContainerIdKey = "cid";
    private const string CreatedKey = "created";
    private const string DockerAddressesKey = "daddrs";
    private const string DockerBridgeKey = "dbr";
    private const string GatewayKey = "gw";
    private const string InterfaceKey = "if";
    private const string KindKey = "kind";
    private const string MacKey = "mac";
    private const string NameKey = "name";
    private const string NamespaceKey = "ns";
    private const string OldAddressesKey = "oaddrs";
    private const string OldAliasKey = "oalias";
    private const string OldDeviceKey = "odev";
    private const string OldGatewayKey = "ogw";
    private const string OldUpKey = "oup";
    private const string PeerKey = "peer";

    /// <summary>Gets the appliance's name (namespace, container, network, tap or link).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the appliance's kind.</summary>
    public required ApplianceKind Kind { get; init; }

    /// <summary>Gets the bridge it is plugged into.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets its address on the LAN, or null (a Docker network has none of its own).</summary>
    public Ipv4Cidr? Address { get; init; }

    /// <summary>Gets the gateway it was given.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets the interface inside the appliance (namespace, container), or null.</summary>
    public string? Interface { get; init; }

    /// <summary>Gets the namespace of a namespace appliance, as the host names it, or null.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets the short id of a container appliance, or null.</summary>
    public string? ContainerId { get; init; }

    /// <summary>Gets whether the module made the namespace or tap (and so deletes it), or null when the kind does not say.</summary>
    public bool? Created { get; init; }

    /// <summary>Gets the guest's MAC address of a tap, or null.</summary>
    public string? MacAddress { get; init; }

    /// <summary>Gets the alias the link had before (tap, interface), or null.</summary>
    public string? OldAlias { get; init; }

    /// <summary>Gets the addresses an interface had before, or null.</summary>
    public IReadOnlyList<Ipv4Cidr>? OldAddresses { get; init; }

    /// <summary>Gets the gateway of the default route a container had before (Docker's, replaced because it led nowhere), or null.</summary>
    public IPAddress? OldGateway { get; init; }

    /// <summary>Gets the link of the default route a container had before, or null.</summary>
    public string? OldDevice { get; init; }

    /// <summary>Gets whether an interface was up before, or null.</summary>
    public bool? OldUp { get; init; }

    /// <summary>Gets Docker's bridge of a Docker network, or null.</summary>
    public string? DockerBridge { get; init; }

    /// <summary>Gets the addresses taken off Docker's bridge, or null.</summary>
    public IReadOnlyList<Ipv4Cidr>? DockerAddresses { get; init; }

    /// <summary>Gets the veth end plugged into Docker's bridge, or null.</summary>
    public string? Peer { get; init; }

    /// <summary>Gets the LAN addresses given to a Docker network's containers, or null.</summary>
    public IReadOnlyList<IPAddress>? ContainerAddresses { get; init; }

    /// <summary>Reads an alias; null when it is not an appliance record.</summary>
    /// <param name="alias">The alias, or null.</param>
    /// <returns>The record, or null.</returns>
    public static ApplianceRecord? Parse(string? alias)
    {
        var record = AliasRecord.Parse(alias, RecordKind);
        if (record is null || record[NameKey] is not { } name || record[BridgeKey] is not { } bridge
            || !Enum.TryParse<ApplianceKind>(record[KindKey], out var kind) || !Enum.IsDefined(kind))
        {
            return null;
        }

        return new ApplianceRecord
        {
            Name = name,
            Kind = kind,
            Bridge = bridge,
            Address = record[AddressKey] is { Length: > 0 } address ? Ipv4Cidr.Parse(address) : null,
            Gateway = record[GatewayKey] is { Length: > 0 } gateway ? IPAddress.Parse(gateway) : null,
            Interface = record[InterfaceKey],
            Namespace = record[NamespaceKey],
            ContainerId = record[ContainerIdKey],
            Created = record[CreatedKey] is { } created ? created == "1" : null,
            MacAddress = record[MacKey],
            OldAlias = record[OldAliasKey],
            OldAddresses = Cidrs(record[OldAddressesKey]),
            OldGateway = record[OldGatewayKey] is { Length: > 0 } oldGateway ? IPAddress.Parse(oldGateway) : null,
            OldDevice = record[OldDeviceKey],
            OldUp = record[OldUpKey] is { } up ? up != "0" : null,
            DockerBridge = record[DockerBridgeKey],
            DockerAddresses = Cidrs(record[DockerAddressesKey]),
            Peer = record[PeerKey],
            ContainerAddresses = record[ContainerAddressesKey] is { } addresses
                ? addresses.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToArray()
                : null,
        };
    }

    /// <summary>Writes the record as alias text.</summary>
    /// <returns>The text.</returns>
    /// <exception cref="VlanException"><see cref="ErrorIds.RecordTooLong"/>: it does not fit in an alias.</exception>
    public string Write()
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [BridgeKey] = Bridge,
            [KindKey] = Kind.ToString(),
            [NameKey] = Name,
        };
        Put(values, AddressKey, Address?.ToString());
        Put(values, GatewayKey, Gateway?.ToString());
        Put(values, InterfaceKey, Interface);
        Put(values, NamespaceKey, Namespace);
        Put(values, ContainerIdKey, ContainerId);
        Put(values, CreatedKey, Created is { } created ? (created ? "1" : "0") : null);
        Put(values, MacKey, MacAddress);
        Put(values, OldAliasKey, OldAlias);
        Put(values, OldAddressesKey, OldAddresses is null ? null : string.Join(',', OldAddresses));
        Put(values, OldGatewayKey, OldGateway?.ToString());
        Put(values, OldDeviceKey, OldDevice);
        Put(values, OldUpKey, OldUp is { } up ? (up ? "1" : "0") : null);
        Put(values, DockerBridgeKey, DockerBridge);
        Put(values, DockerAddressesKey, DockerAddresses is null ? null : string.Join(',', DockerAddresses));
        Put(values, PeerKey, Peer);
        Put(values, ContainerAddressesKey, ContainerAddresses is null ? null : string.Join(',', ContainerAddresses.Select(a => a.ToString())));
        return new AliasRecord(RecordKind, values).ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Write();

    private static void Put(IDictionary<string, string> values, string key, string? value)
    {
        if (value is not null)
        {
            values[key] = value;
        }
    }

    private static Ipv4Cidr[]? Cidrs(string? text) =>
        text is null ? null : text.Length == 0 ? Array.Empty<Ipv4Cidr>() : text.Split(',').Select(Ipv4Cidr.Parse).ToArray();
}
