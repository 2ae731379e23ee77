using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Json.Schema;

namespace VirtualLan.Configuration;

/// <summary>
/// Reads and writes <see cref="LanDocument"/>s: the JSON text (camelCase, two-space indents, every
/// list in a stable order, so that exporting the same LAN twice gives the same bytes) and the
/// checks a document passes before anything runs — JSON, its schema, then what the schema cannot
/// say (<see cref="LanDocumentRules"/>) — each failure naming the JSON path of the problem.
/// </summary>
public static class LanDocumentJson
{
    /// <summary>The schema's file name, in the module's folder and as the core's resource.</summary>
    public const string SchemaFileName = "VirtualLan.Configuration.schema.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        WriteIndented = true,
    };

    private static readonly Lazy<string> SchemaTextValue = new(() =>
    {
        using var stream = typeof(LanDocumentJson).Assembly.GetManifestResourceStream(SchemaFileName)
            ?? throw new InvalidOperationException($"The resource {SchemaFileName} is missing from {typeof(LanDocumentJson).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<JsonSchema> SchemaValue = new(() => JsonSchema.FromText(SchemaTextValue.Value));

    /// <summary>Gets the JSON Schema of the document, as shipped.</summary>
    public static string SchemaText => SchemaTextValue.Value;

    /// <summary>Writes a document: lists sorted, defaults left out, LF line ends and a final newline.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The JSON text.</returns>
    public static string Write(LanDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var sorted = Sorted(document);
        return JsonSerializer.Serialize(sorted, Options).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>Puts a document's lists in the order it is written in: by name, then by what tells entries apart.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The same entries, sorted.</returns>
    public static LanDocument Sorted(LanDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new LanDocument
        {
            Schema = document.Schema,
            Version = document.Version,
            Bridges = document.Bridges.OrderBy(b => b.Name, StringComparer.Ordinal).ToArray(),
            Routers = document.Routers.OrderBy(r => r.Name, StringComparer.Ordinal).ToArray(),
            HostNat = document.HostNat.OrderBy(h => h.Bridge, StringComparer.Ordinal).ToArray(),
            Dhcp = document.Dhcp.OrderBy(d => d.Bridge, StringComparer.Ordinal).ToArray(),
            Appliances = document.Appliances.OrderBy(a => a.Bridge, StringComparer.Ordinal).ThenBy(a => a.Kind, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal).ToArray(),
            PortForwards = document.PortForwards.OrderBy(f => f.Router, StringComparer.Ordinal).ThenBy(f => f.Protocol, StringComparer.Ordinal).ThenBy(f => FirstPort(f.ExternalPort)).ToArray(),
            Tunnels = document.Tunnels.OrderBy(t => t.Bridge, StringComparer.Ordinal).Select(t => t with { Peers = t.Peers.Order(StringComparer.Ordinal).ToArray() }).ToArray(),
        };
    }

    /// <summary>
    /// Reads a document and checks it: JSON, then the schema, then the rules the schema cannot
    /// state. Nothing is read from the kernel.
    /// </summary>
    /// <param name="text">The JSON text.</param>
    /// <param name="source">Where it came from (a path), for the messages.</param>
    /// <returns>The document.</returns>
    /// <exception cref="VlanException">
    /// <see cref="ErrorIds.ConfigurationNotJson"/>, <see cref="ErrorIds.ConfigurationSchemaViolation"/> or
    /// <see cref="ErrorIds.ConfigurationInvalid"/>, with the JSON path as the target.
    /// </exception>
    public static LanDocument Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonNode? node;
        try
        {
            node = JsonSerializer.Deserialize<JsonNode>(text);
        }
        catch (JsonException e)
        {
            var path = PathAtError(text);
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new VlanException(
                ErrorIds.ConfigurationNotJson,
                VlanErrorKind.InvalidData,
                path,
                $"{source} is not valid JSON at line {line.ToString(CultureInfo.InvariantCulture)}, column {column.ToString(CultureInfo.InvariantCulture)} (JSON path {path}): {FirstSentence(e.Message)} Fix the text there; nothing was changed.",
                e);
        }

        var results = SchemaValue.Value.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!results.IsValid)
        {
            var (path, message) = FirstError(results);
            throw new VlanException(
                ErrorIds.ConfigurationSchemaViolation,
                VlanErrorKind.InvalidData,
                path,
                $"{source} breaks the VirtualLan configuration schema at {path}: {message}. See {SchemaFileName} in the module's folder for what each entry may hold; nothing was changed.");
        }

        var document = node.Deserialize<LanDocument>(Options)
            ?? throw new VlanException(ErrorIds.ConfigurationSchemaViolation, VlanErrorKind.InvalidData, "$", $"{source} holds null, not a VirtualLan configuration.");
        LanDocumentRules.Check(document, source);
        return document;
    }

    /// <summary>Turns a JSON Pointer into the JSON path users read ($.appliances[2].address).</summary>
    /// <param name="location">The pointer's text, such as /appliances/2/address.</param>
    /// <returns>The JSON path.</returns>
    public static string PathOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var path = new StringBuilder("$");
        foreach (var segment in location.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path.Append(int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"[{name}]" : "." + name);
        }

        return path.ToString();
    }

    /// <summary>Reads the text as far as it is JSON, keeping the path of the value being read, and returns it where reading stops.</summary>
    private static string PathAtError(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        var stack = new List<(bool IsArray, int Index, string? Property)>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName when stack.Count > 0:
                        stack[^1] = (false, 0, reader.GetString());
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Next(stack);
                        stack.Add((reader.TokenType == JsonTokenType.StartArray, -1, null));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        Next(stack);
                        break;
                }
            }
        }
        catch (JsonException)
        {
        }

        var path = new StringBuilder("$");
        foreach (var (isArray, index, property) in stack)
        {
            path.Append(isArray ? (index < 0 ? string.Empty : $"[{index.ToString(CultureInfo.InvariantCulture)}]") : property is null ? string.Empty : "." + property);
        }

        return path.ToString();

        static void Next(List<(bool IsArray, int Index, string? Property)> stack)
        {
            if (stack.Count > 0 && stack[^1].IsArray)
            {
                stack[^1] = (true, stack[^1].Index + 1, null);
            }
        }
    }

    private static (string Path, string Message) FirstError(EvaluationResults results)
    {
        // The deepest failing location is the most precise one; a failed "else"/"not" names its own.
        var failures = (results.Details.Count == 0 ? new[] { results } : results.Details.ToArray())
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .Where(d => !IsCondition(d.EvaluationPath.ToString())) // an "if" that does not hold is no error
            .OrderByDescending(d => d.InstanceLocation.Count)
            .ToArray();
        if (failures.Length == 0)
        {
            return (PathOf(results.InstanceLocation.ToString()), "the document does not match the schema");
        }

        var first = failures[0];
        var keyword = first.Errors!.First();
        var message = keyword.Key switch
        {
            "enum" => $"{Describe(first)}is not one of the values allowed there",
            "additionalProperties" => "it holds a field the schema does not know (check its spelling)",
            "required" => keyword.Value.TrimEnd('.'),
            _ => keyword.Value.TrimEnd('.'),
        };
        if (keyword.Key == "else" || first.EvaluationPath.ToString().Contains("/else", StringComparison.Ordinal))
        {
            message = "uplinkAddress and uplinkGateway belong to uplinkMode static only";
        }

        return (PathOf(first.InstanceLocation.ToString()), message);
    }

    private static bool IsCondition(string evaluationPath) =>
        evaluationPath.EndsWith("/if", StringComparison.Ordinal) || evaluationPath.Contains("/if/", StringComparison.Ordinal);

    private static string Describe(EvaluationResults result) =>
        result.InstanceLocation.Count == 0 ? string.Empty : $"'{result.InstanceLocation.ToString().Split('/')[^1]}' ";

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static int FirstPort(string ports) =>
        int.TryParse(ports.Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 0;
}
