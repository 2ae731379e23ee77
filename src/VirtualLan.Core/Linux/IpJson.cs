using System.Text.Json;

namespace VirtualLan.Linux;

/// <summary>Parses the JSON that iproute2 prints with <c>-json</c>.</summary>
public static class IpJson
{
    /// <summary>Parses the output of <c>ip -details -json addr show</c>.</summary>
    /// <param name="json">The output.</param>
    /// <returns>One <see cref="LinkState"/> per link.</returns>
    /// <exception cref="FormatException">The text is not what iproute2 prints.</exception>
    public static IReadOnlyList<LinkState> ParseLinks(string json)
    {
        using var document = Parse(json);
        var links = new List<LinkState>();
        foreach (var link in document.RootElement.EnumerateArray())
        {
            var addresses = new List<Ipv4Cidr>();
            if (link.TryGetProperty("addr_info", out var addrInfo))
            {
                foreach (var address in addrInfo.EnumerateArray())
                {
                    if (String(address, "family") == "inet"
                        && Ipv4Cidr.TryParse($"{String(address, "local")}/{Int(address, "prefixlen")}", out var cidr, out _))
                    {
                        addresses.Add(cidr);
                    }
                }
            }

            var flags = link.TryGetProperty("flags", out var flagArray)
                ? flagArray.EnumerateArray().Select(f => f.GetString() ?? string.Empty).ToArray()
                : Array.Empty<string>();
            string? kind = null;
            string? owner = null;
            if (link.TryGetProperty("linkinfo", out var linkInfo))
            {
                kind = String(linkInfo, "info_kind");
                if (linkInfo.TryGetProperty("info_data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("user", out var user))
                {
                    owner = user.ValueKind == JsonValueKind.Number ? user.GetRawText() : user.GetString();
                }
            }

            links.Add(new LinkState(
                Int(link, "ifindex"),
                String(link, "ifname") ?? throw new FormatException("A link in the ip -json output has no ifname."),
                kind,
                String(link, "master"),
                flags,
                String(link, "operstate") ?? "UNKNOWN",
                Int(link, "mtu"),
                String(link, "address"),
                String(link, "ifalias"),
                addresses,
                String(link, "group") ?? "default") { TunOwner = owner });
        }

        return links;
    }

    /// <summary>Parses the output of <c>ip -json netns list</c>, which is empty when there are none.</summary>
    /// <param name="json">The output.</param>
    /// <returns>The namespace names.</returns>
    public static IReadOnlyList<string> ParseNamespaces(string json) => ParseNamespaces(json, withIdOnly: false);

    /// <summary>Parses <c>ip -json netns list</c>, keeping only the namespaces the reading namespace has an id for when asked.</summary>
    /// <param name="json">The output.</param>
    /// <param name="withIdOnly">True to keep only the entries with an "id" (<c>ip -n NS -json netns list</c>: the namespaces NS has an id for).</param>
    /// <returns>The names, in the order listed.</returns>
    public static IReadOnlyList<string> ParseNamespaces(string json, bool withIdOnly)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Array.Empty<string>();
        }

        using var document = Parse(json);
        return document.RootElement.EnumerateArray()
            .Where(n => !withIdOnly || n.TryGetProperty("id", out _))
            .Select(n => String(n, "name"))
            .OfType<string>()
            .ToArray();
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                document.Dispose();
                throw new FormatException("iproute2 printed JSON that is not an array.");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new FormatException("iproute2 printed text that is not JSON: " + e.Message, e);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
}
