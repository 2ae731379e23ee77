using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// What the module keeps in the alias of a router's lo and of its host link NAME-hl
/// (<c>virtuallan:router bridge=… client=… gw=… host=… hostlink=… mode=… uplink=…</c>): the router's
/// settings, read back by Get-VlanRouterNamespace and by every later Add or Remove. The keys are
/// defined here and nowhere else; the text written is the one earlier versions wrote.
/// </summary>
public sealed record RouterRecord
{
    /// <summary>The record kind after <c>virtuallan:</c>.</summary>
    public const string RecordKind = "router";

    private const string BridgeKey = "bridge";
    private const string ClientKey = "client";
    private const string GatewayKey = "gw";
    private const string HostKey = "host";
    private const string HostLinkKey = "hostlink";
    private const string ModeKey = "mode";
    private const string UplinkKey = "uplink";

    /// <summary>Gets the bridge whose LAN the router serves.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the DHCP client started on a DHCP uplink, or null.</summary>
    public string? DhcpClient { get; init; }

    /// <summary>Gets the router's address on the LAN.</summary>
    public required IPAddress Gateway { get; init; }

    /// <summary>Gets the sandbox the router belongs to, empty for the machine's own namespace, or null when the record does not say.</summary>
    public string? Host { get; init; }

    /// <summary>Gets the host's end of the host ↔ router link.</summary>
    public required Ipv4Cidr HostLink { get; init; }

    /// <summary>Gets how the uplink is addressed.</summary>
    public required UplinkMode Mode { get; init; }

    /// <summary>Gets the uplink the router took.</summary>
    public required string Uplink { get; init; }

    /// <summary>Reads an alias; null when it is not a router record.</summary>
    /// <param name="alias">The alias, or null.</param>
    /// <returns>The record, or null.</returns>
    public static RouterRecord? Parse(string? alias)
    {
        var record = AliasRecord.Parse(alias, RecordKind);
        if (record is null || !Ipv4Cidr.TryParse(record[HostLinkKey], out var hostLink, out _))
        {
            return null;
        }

        return new RouterRecord
        {
            Bridge = record[BridgeKey] ?? string.Empty,
            DhcpClient = record[ClientKey] is { Length: > 0 } client ? client : null,
            Gateway = IPAddress.Parse(record[GatewayKey] ?? "0.0.0.0"),
            Host = record[HostKey],
            HostLink = hostLink,
            Mode = Enum.Parse<UplinkMode>(record[ModeKey] ?? nameof(UplinkMode.Keep)),
            Uplink = record[UplinkKey] ?? string.Empty,
        };
    }

    /// <summary>Tells whether the router belongs to the given host (the machine, or one sandbox).</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <returns>True when the record names that host.</returns>
    public bool BelongsTo(NetworkHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return Host == (host.Sandbox ?? string.Empty);
    }

    /// <summary>Writes the record as alias text.</summary>
    /// <returns>The text.</returns>
    /// <exception cref="VlanException"><see cref="ErrorIds.RecordTooLong"/>: it does not fit in an alias.</exception>
    public string Write() =>
        new AliasRecord(RecordKind, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [BridgeKey] = Bridge,
            [ClientKey] = DhcpClient ?? string.Empty,
            [GatewayKey] = Gateway.ToString(),
            [HostKey] = Host ?? string.Empty,
            [HostLinkKey] = HostLink.ToString(),
            [ModeKey] = Mode.ToString(),
            [UplinkKey] = Uplink,
        }).ToString();

    /// <inheritdoc />
    public override string ToString() => Write();
}
