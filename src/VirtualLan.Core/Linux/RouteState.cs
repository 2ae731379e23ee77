using System.Net;
using System.Text.Json;

namespace VirtualLan.Linux;

/// <summary>One IPv4 route as <c>ip -json route show</c> prints it.</summary>
/// <param name="Destination">The destination: "default" or a prefix such as 10.0.0.0/24.</param>
/// <param name="Gateway">The next hop, or null for a directly connected route.</param>
/// <param name="Device">The outgoing link.</param>
/// <param name="Protocol">Who made it ("kernel" for the routes of an address), or null for "boot", the default.</param>
/// <param name="Scope">Its scope ("link", "host"), or null for "global", the default.</param>
/// <param name="Metric">Its metric, or null.</param>
/// <param name="Source">Its preferred source address, or null.</param>
/// <param name="OnLink">Whether the next hop is on the link whatever the addresses say.</param>
public sealed record RouteState(string Destination, IPAddress? Gateway, string? Device, string? Protocol = null, string? Scope = null, int? Metric = null, string? Source = null, bool OnLink = false)
{
    /// <summary>
    /// Gets the arguments after <c>ip</c> that add this route again as it is, or null for a route the
    /// kernel made for an address (it comes back with the address).
    /// </summary>
    public IReadOnlyList<string>? AddArguments
    {
        get
        {
            if (Protocol == "kernel")
            {
                return null;
            }

            var arguments = new List<string> { "route", "add", Destination };
            if (Gateway is not null)
            {
                arguments.AddRange(new[] { "via", Gateway.ToString() });
            }

            if (Device is not null)
            {
                arguments.AddRange(new[] { "dev", Device });
            }

            if (Protocol is not null)
            {
                arguments.AddRange(new[] { "proto", Protocol });
            }

            if (Scope is not null)
            {
                arguments.AddRange(new[] { "scope", Scope });
            }

            if (Metric is int metric)
            {
                arguments.AddRange(new[] { "metric", metric.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }

            if (Source is not null)
            {
                arguments.AddRange(new[] { "src", Source });
            }

            if (OnLink)
            {
                arguments.Add("onlink");
            }

            return arguments;
        }
    }

    /// <summary>Gets a value indicating whether this is a default route.</summary>
    public bool IsDefault => Destination == "default";

    /// <summary>Parses the output of <c>ip -json route show</c>.</summary>
    /// <param name="json">The output.</param>
    /// <returns>The routes.</returns>
    /// <exception cref="FormatException">The text is not what iproute2 prints.</exception>
    public static IReadOnlyList<RouteState> ParseAll(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Array.Empty<RouteState>();
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateArray().Select(r => new RouteState(
                    r.TryGetProperty("dst", out var dst) ? dst.GetString() ?? "default" : "default",
                    r.TryGetProperty("gateway", out var gw) && IPAddress.TryParse(gw.GetString(), out var address) ? address : null,
                    r.TryGetProperty("dev", out var dev) ? dev.GetString() : null,
                    r.TryGetProperty("protocol", out var protocol) && protocol.GetString() is { } p && p != "boot" ? p : null,
                    r.TryGetProperty("scope", out var scope) && scope.GetString() is { } sc && sc != "global" && sc != "universe" ? sc : null,
                    r.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Number ? metric.GetInt32() : null,
                    r.TryGetProperty("prefsrc", out var prefsrc) ? prefsrc.GetString() : null,
                    r.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Array && flags.EnumerateArray().Any(f => f.GetString() == "onlink")))
                .ToArray();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException("iproute2 printed routes that are not JSON: " + e.Message, e);
        }
    }

    /// <summary>
    /// Parses the output of <c>ip -json neigh show</c> into the addresses of the neighbours the
    /// kernel has confirmed: REACHABLE, DELAY, PROBE, PERMANENT or NOARP. STALE, FAILED and
    /// INCOMPLETE entries are left out: any appliance can make STALE ones by sending ARP requests
    /// with forged senders, and counting those as taken would let one appliance exhaust the pool.
    /// </summary>
    /// <param name="json">The output.</param>
    /// <returns>The addresses.</returns>
    public static IReadOnlyList<Neighbor> ParseNeighbors(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Array.Empty<Neighbor>();
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Where(Confirmed)
            .Select(n => n.TryGetProperty("dst", out var dst) && IPAddress.TryParse(dst.GetString(), out var a)
                ? new Neighbor(a, n.TryGetProperty("lladdr", out var mac) ? mac.GetString() : null)
                : null)
            .OfType<Neighbor>()
            .ToArray();
    }

    private static bool Confirmed(JsonElement neighbor) =>
        neighbor.TryGetProperty("state", out var states)
        && states.ValueKind == JsonValueKind.Array
        && states.EnumerateArray().Any(s => s.GetString() is "REACHABLE" or "DELAY" or "PROBE" or "PERMANENT" or "NOARP");
}

/// <summary>A confirmed neighbour: an address the host has seen answer on a link, and the MAC it answered from.</summary>
/// <param name="Address">The address.</param>
/// <param name="MacAddress">The MAC, or null when the entry has none.</param>
public sealed record Neighbor(IPAddress Address, string? MacAddress);
