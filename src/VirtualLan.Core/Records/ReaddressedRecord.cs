using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// What the module keeps in the alias of a container's interface when it re-addresses a Docker
/// network's container onto the LAN (<c>virtuallan:readdressed network=… new=… ogw=… old=…</c>):
/// Docker's address and default route, which disconnecting gives back. Keys defined here only.
/// </summary>
public sealed record ReaddressedRecord
{
    /// <summary>The record kind after <c>virtuallan:</c>.</summary>
    public const string RecordKind = "readdressed";

    private const string NetworkKey = "network";
    private const string NewKey = "new";
    private const string OldGatewayKey = "ogw";
    private const string OldKey = "old";

    /// <summary>Gets the Docker network the container is on.</summary>
    public required string Network { get; init; }

    /// <summary>Gets the LAN address it was given.</summary>
    public required Ipv4Cidr New { get; init; }

    /// <summary>Gets the address Docker had given it.</summary>
    public required Ipv4Cidr Old { get; init; }

    /// <summary>Gets the default route's gateway it had, or null when it had none to give back.</summary>
    public IPAddress? OldGateway { get; init; }

    /// <summary>Reads an alias; null when it is not a re-addressing record.</summary>
    /// <param name="alias">The alias, or null.</param>
    /// <returns>The record, or null.</returns>
    public static ReaddressedRecord? Parse(string? alias)
    {
        var record = AliasRecord.Parse(alias, RecordKind);
        return record?[NetworkKey] is not { } network || record[NewKey] is not { } fresh || record[OldKey] is not { } old
            ? null
            : new ReaddressedRecord
            {
                Network = network,
                New = Ipv4Cidr.Parse(fresh),
                Old = Ipv4Cidr.Parse(old),
                OldGateway = record[OldGatewayKey] is { Length: > 0 } gateway ? IPAddress.Parse(gateway) : null,
            };
    }

    /// <summary>Writes the record as alias text.</summary>
    /// <returns>The text.</returns>
    public string Write() =>
        new AliasRecord(RecordKind, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [NetworkKey] = Network,
            [NewKey] = New.ToString(),
            [OldGatewayKey] = OldGateway?.ToString() ?? string.Empty,
            [OldKey] = Old.ToString(),
        }).ToString();

    /// <inheritdoc />
    public override string ToString() => Write();
}
