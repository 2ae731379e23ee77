using System.Globalization;
using System.Net;

namespace VirtualLan.Linux;

/// <summary>One connection-tracking entry, in the direction its first packet went.</summary>
/// <param name="Protocol">The protocol, such as tcp or udp.</param>
/// <param name="Destination">The original destination address.</param>
/// <param name="DestinationPort">The original destination port, or 0 for a protocol without ports.</param>
public sealed record ConntrackFlow(string Protocol, IPAddress Destination, int DestinationPort)
{
    /// <summary>Parses the default output of <c>conntrack -L</c>, one entry a line; lines it does not understand are left out.</summary>
    /// <param name="text">The output.</param>
    /// <returns>The flows.</returns>
    public static IReadOnlyList<ConntrackFlow> ParseAll(string text)
    {
        var flows = new List<ConntrackFlow>();
        foreach (var line in (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // The first dst= and dport= are the original direction's; the reply's follow.
            var dst = words.FirstOrDefault(w => w.StartsWith("dst=", StringComparison.Ordinal));
            var dport = words.FirstOrDefault(w => w.StartsWith("dport=", StringComparison.Ordinal));
            if (words.Length == 0 || dst is null || !IPAddress.TryParse(dst[4..], out var destination))
            {
                continue;
            }

            var port = dport is not null && int.TryParse(dport[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            flows.Add(new ConntrackFlow(words[0], destination, port));
        }

        return flows;
    }
}
