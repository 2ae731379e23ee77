using System.Net;
using System.Text.Json;

namespace VirtualLan.Linux;

/// <summary>One IPv4 route as <c>ip -json route show</c> prints it.</summary>
/// <param name="Destination">The destination: "default" or a prefix such as 10.0.0.0/24.</param>
/// <param name="Gateway">The next hop, or null for a directly connected route.</param>
/// <param name="Device">The outgoing link.</param>
public sealed record RouteState(string Destination, IPAddress? Gateway, string? Device)
{
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
                    r.TryGetProperty("dev", out var dev) ? dev.GetString() : null))
                .ToArray();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException("iproute2 printed routes that are not JSON: " + e.Message, e);
        }
    }

    /// <summary>Parses the output of <c>ip -json neigh show</c> into the neighbours' addresses.</summary>
    /// <param name="json">The output.</param>
    /// <returns>The addresses.</returns>
    public static IReadOnlyList<IPAddress> ParseNeighbors(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Array.Empty<IPAddress>();
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Select(n => n.TryGetProperty("dst", out var dst) && IPAddress.TryParse(dst.GetString(), out var a) ? a : null)
            .OfType<IPAddress>()
            .ToArray();
    }
}
