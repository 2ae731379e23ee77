using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace VirtualLan.Linux;

/// <summary>
/// Parsers for what the kernel says about packets: LOG lines (the seed's journal lines), the PACKET
/// and TRACE lines of <c>xtables-monitor --trace</c>, NFLOG records in tcpdump's pcap stream, and
/// <c>iptables-save -c</c> counters.
/// </summary>
public static partial class TraceParsers
{
    /// <summary>Parses a line in the kernel's LOG format (KEY=VALUE words, as in the journal or in xtables-monitor's PACKET lines).</summary>
    /// <param name="line">The line; anything before IN= (a syslog header, a prefix) is kept as the prefix.</param>
    /// <param name="namespaceName">The namespace the line came from.</param>
    /// <param name="time">When it was seen.</param>
    /// <returns>The entry, or null when the line holds no packet.</returns>
    public static TraceEntry? ParseLogLine(string line, NetNamespace namespaceName, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(line);
        var start = line.IndexOf("IN=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var prefix = line[..start].Trim();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in line[start..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? word : word[..equals];

            // A line names ID twice (IP id, then ICMP id); the first, the IP header's, is kept.
            fields.TryAdd(key, equals < 0 ? string.Empty : word[(equals + 1)..]);
        }

        string? Text(string key) => fields.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        int? Number(string key) => int.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        IPAddress? Address(string key) => IPAddress.TryParse(Text(key), out var value) ? value : null;
        var mac = Text("MAC") ?? (Text("MACSRC") is { } source ? $"{Text("MACDST")}:{source}:{Text("MACPROTO")}" : null);
        return new TraceEntry
        {
            Time = time,
            Namespace = namespaceName.Text,
            In = Text("IN"),
            Out = Text("OUT"),
            PhysIn = Text("PHYSIN"),
            PhysOut = Text("PHYSOUT"),
            Mac = mac,
            Source = Address("SRC"),
            Destination = Address("DST"),
            Length = Number("LEN"),
            Ttl = Number("TTL"),
            Protocol = Text("PROTO"),
            SourcePort = Number("SPT") ?? Number("SPORT"),
            DestinationPort = Number("DPT") ?? Number("DPORT"),
            IcmpType = Text("PROTO") == "ICMP" ? Number("TYPE") : null,
            IcmpCode = Text("PROTO") == "ICMP" ? Number("CODE") : null,
            Prefix = prefix.Length == 0 ? null : PrefixOnly(prefix),
        };
    }

    /// <summary>Reads the owner from a rule's comment, such as virtuallan:router/router.</summary>
    /// <param name="rule">The rule text.</param>
    /// <returns>The owner, or null when the rule is not VirtualLan's.</returns>
    public static string? OwnerOf(string? rule)
    {
        if (rule is null)
        {
            return null;
        }

        var match = Comment().Match(rule);
        return match.Success && match.Groups[1].Value.StartsWith("virtuallan:", StringComparison.Ordinal) ? match.Groups[1].Value.Split(' ')[0] : null;
    }

    /// <summary>Parses <c>iptables-save -c</c> into counters per rule and per chain policy.</summary>
    /// <param name="text">The output.</param>
    /// <returns>The counters, keyed by table, chain and rule text.</returns>
    public static IReadOnlyDictionary<(string Table, string Chain, string Rule), (long Packets, long Bytes)> ParseCounters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counters = new Dictionary<(string, string, string), (long, long)>();
        string? table = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..];
                continue;
            }

            var policy = PolicyCounter().Match(line);
            if (table is not null && policy.Success)
            {
                counters[(table, policy.Groups["chain"].Value, "policy " + policy.Groups["policy"].Value)] = (long.Parse(policy.Groups["p"].Value, CultureInfo.InvariantCulture), long.Parse(policy.Groups["b"].Value, CultureInfo.InvariantCulture));
                continue;
            }

            var rule = RuleCounterLine().Match(line);
            if (table is not null && rule.Success)
            {
                var key = (table, rule.Groups["chain"].Value, rule.Groups["rule"].Value);
                var value = (long.Parse(rule.Groups["p"].Value, CultureInfo.InvariantCulture), long.Parse(rule.Groups["b"].Value, CultureInfo.InvariantCulture));
                counters[key] = counters.TryGetValue(key, out var earlier) ? (earlier.Item1 + value.Item1, earlier.Item2 + value.Item2) : value;
            }
        }

        return counters;
    }

    /// <summary>Returns the target of a rule (what follows -j), or null.</summary>
    /// <param name="rule">The rule text.</param>
    /// <returns>The target.</returns>
    public static string? TargetOf(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var jump = rule.IndexOf(" -j ", StringComparison.Ordinal);
        return jump < 0 ? null : rule[(jump + 4)..].Split(' ')[0];
    }

    /// <summary>
    /// Reads the records of tcpdump's pcap output for an nflog interface (LINKTYPE_NFLOG): each record
    /// is a small header and TLVs in host order, the types those of nfnetlink_log.
    /// </summary>
    /// <param name="stream">The pcap stream.</param>
    /// <param name="onRecord">Receives each NFLOG record.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>A task that ends with the stream.</returns>
    public static async Task ReadNflogPcapAsync(Stream stream, Action<NflogRecord> onRecord, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(onRecord);
        var header = new byte[24];
        if (!await ReadExactly(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var recordHeader = new byte[16];
        while (await ReadExactly(stream, recordHeader, cancellationToken).ConfigureAwait(false))
        {
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader);
            var micros = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader.AsSpan(4));
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(recordHeader.AsSpan(8));
            var data = new byte[length];
            if (!await ReadExactly(stream, data, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            onRecord(ParseNflog(data, DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10L)));
        }
    }

    /// <summary>Parses one LINKTYPE_NFLOG record.</summary>
    /// <param name="data">The record.</param>
    /// <param name="time">When it was captured.</param>
    /// <returns>The record's fields.</returns>
    public static NflogRecord ParseNflog(ReadOnlySpan<byte> data, DateTimeOffset time)
    {
        string? prefix = null;
        int? indev = null, outdev = null, physIn = null, physOut = null;
        string? mac = null;
        byte[] payload = Array.Empty<byte>();
        var offset = 4;
        while (offset + 4 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[(offset + 2)..]);
            if (length < 4 || offset + length > data.Length)
            {
                break;
            }

            var value = data.Slice(offset + 4, length - 4);
            switch (type)
            {
                case 4: indev = (int)BinaryPrimitives.ReadUInt32BigEndian(value); break;
                case 5: outdev = (int)BinaryPrimitives.ReadUInt32BigEndian(value); break;
                case 6: physIn = (int)BinaryPrimitives.ReadUInt32BigEndian(value); break;
                case 7: physOut = (int)BinaryPrimitives.ReadUInt32BigEndian(value); break;
                case 8:
                    var macLength = BinaryPrimitives.ReadUInt16BigEndian(value);
                    mac = string.Join(':', value.Slice(4, Math.Min(macLength, value.Length - 4)).ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
                    break;
                case 9: payload = value.ToArray(); break;
                case 10: prefix = Encoding.ASCII.GetString(value).TrimEnd('\0'); break;
            }

            offset += (length + 3) & ~3;
        }

        return new NflogRecord(time, prefix, indev, outdev, physIn, physOut, mac, payload);
    }

    /// <summary>Turns an NFLOG record into a trace entry, naming interfaces by their index.</summary>
    /// <param name="record">The record.</param>
    /// <param name="namespaceName">The namespace it came from.</param>
    /// <param name="interfaceName">Names an interface index, or returns null.</param>
    /// <returns>The entry.</returns>
    public static TraceEntry ToEntry(NflogRecord record, NetNamespace namespaceName, Func<int, string?> interfaceName)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(interfaceName);
        var ip = record.Payload;
        string? protocol = null;
        int? sport = null, dport = null, icmpType = null, icmpCode = null, length = null, ttl = null;
        IPAddress? source = null, destination = null;
        if (ip.Length >= 20 && ip[0] >> 4 == 4)
        {
            var headerLength = (ip[0] & 0x0f) * 4;
            length = BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(2));
            ttl = ip[8];
            source = new IPAddress(ip.AsSpan(12, 4));
            destination = new IPAddress(ip.AsSpan(16, 4));
            protocol = ip[9] switch { 1 => "ICMP", 6 => "TCP", 17 => "UDP", var p => p.ToString(CultureInfo.InvariantCulture) };
            var l4 = ip.AsSpan(Math.Min(headerLength, ip.Length));
            if (ip[9] is 6 or 17 && l4.Length >= 4)
            {
                sport = BinaryPrimitives.ReadUInt16BigEndian(l4);
                dport = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
            }
            else if (ip[9] == 1 && l4.Length >= 2)
            {
                icmpType = l4[0];
                icmpCode = l4[1];
            }
        }

        string? Name(int? index) => index is { } i ? interfaceName(i) ?? i.ToString(CultureInfo.InvariantCulture) : null;
        return new TraceEntry
        {
            Time = record.Time,
            Namespace = namespaceName.Text,
            In = Name(record.InDevice),
            Out = Name(record.OutDevice),
            PhysIn = Name(record.PhysInDevice),
            PhysOut = Name(record.PhysOutDevice),
            Mac = record.Mac,
            Source = source,
            Destination = destination,
            Protocol = protocol,
            SourcePort = sport,
            DestinationPort = dport,
            IcmpType = icmpType,
            IcmpCode = icmpCode,
            Length = length,
            Ttl = ttl,
            Prefix = record.Prefix?.Trim(),
        };
    }

    private static string PrefixOnly(string text)
    {
        // A journal line carries "aug 30 13:07:42 ceres kernel: " before the prefix.
        var kernel = text.LastIndexOf("kernel:", StringComparison.Ordinal);
        var rest = kernel >= 0 ? text[(kernel + 7)..] : text;
        var close = rest.LastIndexOf(']');
        return (close >= 0 && rest.TrimStart().StartsWith('[') ? rest[(close + 1)..] : rest).Trim();
    }

    private static async Task<bool> ReadExactly(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    [GeneratedRegex("--comment \"?([^\"]+?)\"?(?: -|$)")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^:(?<chain>\S+) (?<policy>ACCEPT|DROP) \[(?<p>\d+):(?<b>\d+)\]")]
    private static partial Regex PolicyCounter();

    [GeneratedRegex(@"^\[(?<p>\d+):(?<b>\d+)\] (?<rule>-A (?<chain>\S+) .*)$")]
    private static partial Regex RuleCounterLine();
}

/// <summary>One NFLOG record, as nfnetlink_log carries it.</summary>
/// <param name="Time">When it was captured.</param>
/// <param name="Prefix">The log prefix.</param>
/// <param name="InDevice">The input interface index.</param>
/// <param name="OutDevice">The output interface index.</param>
/// <param name="PhysInDevice">The bridge port it came in on.</param>
/// <param name="PhysOutDevice">The bridge port it was going out of.</param>
/// <param name="Mac">The link-layer header.</param>
/// <param name="Payload">The packet from its IP header on.</param>
public sealed record NflogRecord(DateTimeOffset Time, string? Prefix, int? InDevice, int? OutDevice, int? PhysInDevice, int? PhysOutDevice, string? Mac, byte[] Payload);
