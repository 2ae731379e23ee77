using System.Text.Json;
using System.Text.Json.Nodes;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Configuration;

/// <summary>
/// Compares a document with the live LAN: objects missing (or, with prune, undeclared), fields that
/// differ, and objects whose settings match while their plan still has steps to run (an address
/// flushed by hand, a rule deleted, the DOCKER-USER jump moved): one <see cref="ConfigurationDrift"/> each.
/// </summary>
public static class LanDrift
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault,
    };

    /// <summary>Tells whether a declared forward and a live one are the same forward (router, protocol, ports).</summary>
    /// <param name="declared">The document's.</param>
    /// <param name="live">The live one.</param>
    /// <returns>True when they are.</returns>
    public static bool SameForward(PortForwardEntry declared, PortForwardEntry live)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(live);
        return declared.Router == live.Router && declared.Protocol == live.Protocol && Ports(declared.ExternalPort) == Ports(live.ExternalPort);
    }

    /// <summary>Names a forward: ROUTER/PROTO/PORTS.</summary>
    /// <param name="forward">The forward.</param>
    /// <returns>The name.</returns>
    public static string NameOf(PortForwardEntry forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        return $"{forward.Router}/{forward.Protocol}/{Ports(forward.ExternalPort)}";
    }

    /// <summary>Finds the differences.</summary>
    /// <param name="document">The document.</param>
    /// <param name="live">The live LAN, read by <see cref="LanDocumentReader"/>.</param>
    /// <param name="items">Every stage's items, planned from the same state.</param>
    /// <param name="state">The state they were planned from.</param>
    /// <param name="prune">True to count what the document does not name as drift (what Sync -Prune removes).</param>
    /// <returns>One drift per difference, in the document's order.</returns>
    public static IReadOnlyList<ConfigurationDrift> Compare(LanDocument document, LanDocument live, IReadOnlyList<SyncItem> items, KernelState state, bool prune)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(items);
        var drift = new List<ConfigurationDrift>();
        Entries(drift, "bridge", document.Bridges, live.Bridges, b => b.Name, prune);
        Entries(drift, "router", document.Routers, live.Routers, r => r.Name, prune);
        Entries(drift, "host NAT", document.HostNat, live.HostNat, n => n.Bridge, prune);
        Entries(drift, "appliance", document.Appliances, live.Appliances, a => a.Name, prune);
        Entries(drift, "port forward", document.PortForwards, live.PortForwards, NameOf, prune);
        Entries(drift, "DHCP", document.Dhcp, live.Dhcp, d => d.Bridge, prune);
        Entries(drift, "tunnel", LanDocumentJson.Sorted(document).Tunnels, live.Tunnels, t => t.Bridge, prune);

        // Objects whose fields match but whose plan still has work: what the module set up was changed by hand.
        var named = drift.Select(d => (d.Kind, d.Name)).ToHashSet();
        foreach (var item in items.Where(i => i.Plan is not null && !i.Missing && !named.Contains((i.Kind, i.Name))))
        {
            var pending = PlanExecutor.Pending(item.Plan!, state);
            if (pending.Count > 0)
            {
                drift.Add(new ConfigurationDrift
                {
                    Kind = item.Kind,
                    Name = item.Name,
                    Property = "State",
                    Expected = "in place",
                    Actual = $"{pending.Count} change(s) missing: {string.Join("; ", pending.Select(s => s.Description))}",
                    Commands = pending.Select(s => s.Command.ToString()).ToArray(),
                });
            }
        }

        foreach (var item in items.Where(i => i.Error is not null && !i.Absent && !named.Contains((i.Kind, i.Name))))
        {
            drift.Add(new ConfigurationDrift { Kind = item.Kind, Name = item.Name, Property = "State", Expected = "can be synced", Actual = item.Error!.Message });
        }

        return drift;
    }

    private static void Entries<T>(List<ConfigurationDrift> drift, string kind, IReadOnlyList<T> declared, IReadOnlyList<T> live, Func<T, string> key, bool prune)
        where T : class
    {
        var liveByKey = live.ToDictionary(key, StringComparer.Ordinal);
        foreach (var entry in declared)
        {
            var name = key(entry);
            if (!liveByKey.TryGetValue(name, out var found))
            {
                drift.Add(new ConfigurationDrift { Kind = kind, Name = name, Property = "Present", Expected = "present", Actual = "missing" });
                continue;
            }

            var wanted = JsonSerializer.SerializeToNode(entry, Options)!.AsObject();
            var have = JsonSerializer.SerializeToNode(found, Options)!.AsObject();
            foreach (var field in wanted.Select(p => p.Key).Union(have.Where(p => p.Value is JsonValue v && v.TryGetValue<bool>(out var b) && b).Select(p => p.Key)))
            {
                var expected = wanted[field] is null ? "false" : Text(wanted[field]);
                var actual = Text(have[field]);
                if (!Same(field, expected, actual))
                {
                    drift.Add(new ConfigurationDrift { Kind = kind, Name = name, Property = field, Expected = expected, Actual = actual });
                }
            }
        }

        if (prune)
        {
            var declaredKeys = declared.Select(key).ToHashSet(StringComparer.Ordinal);
            drift.AddRange(live.Where(l => !declaredKeys.Contains(key(l))).Select(l => new ConfigurationDrift
            {
                Kind = kind, Name = key(l), Property = "Present", Expected = "absent (not declared)", Actual = "present",
            }));
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "(none)",
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => node.ToString(),
    };

    private static bool Same(string field, string expected, string actual)
    {
        if (expected == actual)
        {
            return true;
        }

        // An address declared without its prefix takes the LAN's.
        return field == "address" && !expected.Contains('/', StringComparison.Ordinal) && actual.StartsWith(expected + "/", StringComparison.Ordinal)
            || (expected == "false" && actual == "(none)");
    }

    private static string Ports(string ports)
    {
        var parts = ports.Split('-');
        return parts.Length == 2 && parts[0] == parts[1] ? parts[0] : ports;
    }
}
