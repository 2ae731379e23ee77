using System.Globalization;
using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// What the module records on the alias of a VXLAN device it made (<c>virtuallan:tunnel …</c>): the
/// bridge, the VNI, the UDP port, the local underlay address, the peers, the namespace that holds the
/// device's socket (a router's, or empty for the host), the host's slice of every address pool and the
/// MTU the bridge had before, which Remove-VlanTunnel sets back. The keys are defined here only.
/// </summary>
public sealed record TunnelRecord
{
    /// <summary>The kind of alias record.</summary>
    public const string RecordKind = "tunnel";

    private const string BridgeKey = "br";
    private const string HostKey = "host";
    private const string LocalKey = "local";
    private const string MtuKey = "omtu";
    private const string PeersKey = "peers";
    private const string PortKey = "port";
    private const string RouterKey = "router";
    private const string VniKey = "vni";

    /// <summary>Gets the bridge the device is a port of.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets the VXLAN network identifier.</summary>
    public required int Vni { get; init; }

    /// <summary>Gets the UDP port.</summary>
    public required int Port { get; init; }

    /// <summary>Gets the local underlay address.</summary>
    public required IPAddress Local { get; init; }

    /// <summary>Gets the peers' underlay addresses.</summary>
    public required IReadOnlyList<IPAddress> Peers { get; init; }

    /// <summary>Gets the router whose namespace holds the device's socket, or null for the host.</summary>
    public string? Router { get; init; }

    /// <summary>Gets this host's index in the LAN (0–3): the quarter of every address pool it hands out.</summary>
    public int HostIndex { get; init; }

    /// <summary>Gets the MTU the bridge and its ports had before the tunnel, set back when it goes.</summary>
    public required int PreviousMtu { get; init; }

    /// <summary>Reads a record from a link's alias.</summary>
    /// <param name="alias">The alias.</param>
    /// <returns>The record, or null when the alias holds none.</returns>
    public static TunnelRecord? Parse(string? alias)
    {
        var record = AliasRecord.Parse(alias, RecordKind);
        if (record is null || !int.TryParse(record[VniKey], NumberStyles.None, CultureInfo.InvariantCulture, out var vni)
            || !int.TryParse(record[PortKey], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !IPAddress.TryParse(record[LocalKey], out var local))
        {
            return null;
        }

        return new TunnelRecord
        {
            Bridge = record[BridgeKey] ?? string.Empty,
            Vni = vni,
            Port = port,
            Local = local,
            Peers = (record[PeersKey] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToArray(),
            Router = record[RouterKey] is { Length: > 0 } router ? router : null,
            HostIndex = int.TryParse(record[HostKey], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : 0,
            PreviousMtu = int.TryParse(record[MtuKey], NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) ? mtu : 1500,
        };
    }

    /// <summary>Writes the record as an alias.</summary>
    /// <returns>The alias text.</returns>
    public string Write()
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [BridgeKey] = Bridge,
            [HostKey] = HostIndex.ToString(CultureInfo.InvariantCulture),
            [LocalKey] = Local.ToString(),
            [MtuKey] = PreviousMtu.ToString(CultureInfo.InvariantCulture),
            [PeersKey] = string.Join(',', Peers),
            [PortKey] = Port.ToString(CultureInfo.InvariantCulture),
            [VniKey] = Vni.ToString(CultureInfo.InvariantCulture),
        };
        if (Router is not null)
        {
            values[RouterKey] = Router;
        }

        return new AliasRecord(RecordKind, values).ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Write();
}
