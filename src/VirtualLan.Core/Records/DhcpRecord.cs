using System.Globalization;
using System.Net;
using VirtualLan.Linux;

namespace VirtualLan.Records;

/// <summary>
/// The settings of a LAN's DHCP server, kept as the first line of its dnsmasq.conf
/// (<c># virtuallan:dhcp bridge=… domain=… lease=SECONDS range=FIRST-LAST search=a,b</c>), so that
/// Get-VlanDhcp and a later Enable read what was asked, not what dnsmasq made of it.
/// </summary>
public sealed record DhcpRecord
{
    /// <summary>The record's kind.</summary>
    public const string RecordKind = "dhcp";

    private const string BridgeKey = "bridge";
    private const string DomainKey = "domain";
    private const string LeaseKey = "lease";
    private const string RangeKey = "range";
    private const string SearchKey = "search";

    /// <summary>Gets or initializes the bridge.</summary>
    public required string Bridge { get; init; }

    /// <summary>Gets or initializes the DNS domain.</summary>
    public required string Domain { get; init; }

    /// <summary>Gets or initializes the lease time.</summary>
    public required TimeSpan LeaseTime { get; init; }

    /// <summary>Gets or initializes the general range (MACs of no known vendor).</summary>
    public required (IPAddress First, IPAddress Last) Range { get; init; }

    /// <summary>Gets or initializes the DNS search domains.</summary>
    public required IReadOnlyList<string> Search { get; init; }

    /// <summary>Reads the record from a configuration's first line.</summary>
    /// <param name="conf">The text of dnsmasq.conf, or null.</param>
    /// <returns>The record, or null when there is none.</returns>
    public static DhcpRecord? Parse(string? conf)
    {
        var first = conf?.Split('\n', 2)[0];
        var record = first is not null && first.StartsWith("# ", StringComparison.Ordinal) ? AliasRecord.Parse(first[2..], RecordKind) : null;
        if (record is null || record[RangeKey]?.Split('-') is not [var a, var b] || !IPAddress.TryParse(a, out var firstAddress) || !IPAddress.TryParse(b, out var lastAddress))
        {
            return null;
        }

        return new DhcpRecord
        {
            Bridge = record[BridgeKey] ?? string.Empty,
            Domain = record[DomainKey] ?? "lan",
            LeaseTime = TimeSpan.FromSeconds(int.TryParse(record[LeaseKey], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 3600),
            Range = (firstAddress, lastAddress),
            Search = (record[SearchKey] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    /// <summary>Writes the record as the configuration's first line.</summary>
    /// <returns>The line, without its end.</returns>
    public string Write() => "# " + new AliasRecord(RecordKind, new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [BridgeKey] = Bridge,
        [DomainKey] = Domain,
        [LeaseKey] = ((long)LeaseTime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        [RangeKey] = $"{Range.First}-{Range.Last}",
        [SearchKey] = string.Join(',', Search),
    });
}
