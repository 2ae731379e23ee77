using System.Globalization;
using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// What the module keeps in the alias of a router's uplink (<c>virtuallan:uplink addrs=… alias=… gw=…
/// mtu=… router=… up=…</c>): what the link had in the host, so that whoever removes the router, in
/// whatever session, gives it back. The keys are defined here and nowhere else; the text written is
/// the one earlier versions wrote.
/// </summary>
public sealed record UplinkRecord
{
    /// <summary>The record kind after <c>virtuallan:</c>.</summary>
    public const string RecordKind = "uplink";

    private const string AddressesKey = "addrs";
    private const string AliasKey = "alias";
    private const string GatewayKey = "gw";
    private const string MtuKey = "mtu";
    private const string RouterKey = "router";
    private const string UpKey = "up";

    /// <summary>Gets the router that took the uplink.</summary>
    public required string Router { get; init; }

    /// <summary>Gets the IPv4 addresses it had in the host.</summary>
    public required IReadOnlyList<Ipv4Cidr> Addresses { get; init; }

    /// <summary>Gets the gateway of the host's default route through it, or null.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Gets a value indicating whether it was up.</summary>
    public required bool WasUp { get; init; }

    /// <summary>Gets its MTU, or null when the record does not say.</summary>
    public int? Mtu { get; init; }

    /// <summary>Gets the alias it had, empty for none.</summary>
    public required string Alias { get; init; }

    /// <summary>Reads an alias; null when it is not an uplink record.</summary>
    /// <param name="alias">The alias, or null.</param>
    /// <returns>The record, or null.</returns>
    public static UplinkRecord? Parse(string? alias)
    {
        var record = AliasRecord.Parse(alias, RecordKind);
        return record is null
            ? null
            : new UplinkRecord
            {
                Router = record[RouterKey] ?? string.Empty,
                Addresses = string.IsNullOrEmpty(record[AddressesKey]) ? Array.Empty<Ipv4Cidr>() : record[AddressesKey]!.Split(',').Select(Ipv4Cidr.Parse).ToArray(),
                Gateway = record[GatewayKey] is { Length: > 0 } gateway ? IPAddress.Parse(gateway) : null,
                WasUp = record[UpKey] != "0",
                Mtu = int.TryParse(record[MtuKey], NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) ? mtu : null,
                Alias = record[AliasKey] ?? string.Empty,
            };
    }

    /// <summary>Writes the record as alias text.</summary>
    /// <returns>The text.</returns>
    /// <exception cref="VlanException"><see cref="ErrorIds.RecordTooLong"/>: it does not fit in an alias (a long alias, many addresses).</exception>
    public string Write()
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [AddressesKey] = string.Join(',', Addresses),
            [AliasKey] = Alias,
            [GatewayKey] = Gateway?.ToString() ?? string.Empty,
            [RouterKey] = Router,
            [UpKey] = WasUp ? "1" : "0",
        };
        if (Mtu is { } mtu)
        {
            values[MtuKey] = mtu.ToString(CultureInfo.InvariantCulture);
        }

        return new AliasRecord(RecordKind, values).ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Write();
}
