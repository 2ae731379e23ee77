namespace VirtualLan.Linux;

/// <summary>
/// The iptables rules of one namespace as <c>iptables-save</c> prints them: per table, the chains
/// with their policies and the rule lines in order. Planned rules are compared with these lines.
/// </summary>
public sealed class FirewallState
{
    private readonly Dictionary<string, Dictionary<string, string>> _chains;
    private readonly Dictionary<string, List<string>> _rules;
    private readonly Dictionary<string, HashSet<string>> _ruleSets = new(StringComparer.Ordinal);

    private FirewallState(Dictionary<string, Dictionary<string, string>> chains, Dictionary<string, List<string>> rules)
    {
        _chains = chains;
        _rules = rules;
    }

    /// <summary>Gets an empty rule set, as in a namespace where no table was ever touched.</summary>
    public static FirewallState Empty { get; } = Parse(string.Empty);

    /// <summary>Gets the tables that appear, in the order they were printed.</summary>
    public IEnumerable<string> Tables => _rules.Keys;

    /// <summary>Parses <c>iptables-save</c> output.</summary>
    /// <param name="text">The output.</param>
    /// <returns>The rule set.</returns>
    /// <exception cref="FormatException">A line is not iptables-save syntax.</exception>
    public static FirewallState Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chains = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var rules = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? table = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '*')
            {
                table = line[1..];
                chains[table] = new Dictionary<string, string>(StringComparer.Ordinal);
                rules[table] = new List<string>();
            }
            else if (line == "COMMIT")
            {
                table = null;
            }
            else if (table is null)
            {
                throw new FormatException($"iptables-save line {number} is outside a table: {line}");
            }
            else if (line[0] == ':')
            {
                var parts = line[1..].Split(' ');
                chains[table][parts[0]] = parts.Length > 1 ? parts[1] : "-";
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                rules[table].Add(line);
            }
            else
            {
                throw new FormatException($"iptables-save line {number} is not a chain or a rule: {line}");
            }
        }

        return new FirewallState(chains, rules);
    }

    /// <summary>Tells whether a chain exists in a table.</summary>
    /// <param name="table">The table.</param>
    /// <param name="chain">The chain.</param>
    /// <returns>True when it exists.</returns>
    public bool HasChain(string table, string chain) =>
        _chains.TryGetValue(table, out var tableChains) && tableChains.ContainsKey(chain);

    /// <summary>Returns the policy of a built-in chain (ACCEPT or DROP); null when the table or chain is absent.</summary>
    /// <param name="table">The table.</param>
    /// <param name="chain">The chain.</param>
    /// <returns>The policy.</returns>
    public string? Policy(string table, string chain) =>
        _chains.TryGetValue(table, out var tableChains) && tableChains.TryGetValue(chain, out var policy) ? policy : null;

    /// <summary>Tells whether a rule line, in iptables-save form, exists.</summary>
    /// <param name="table">The table.</param>
    /// <param name="line">The rule, such as <c>-A FORWARD -j ACCEPT</c>.</param>
    /// <returns>True when it exists.</returns>
    public bool HasRule(string table, string line)
    {
        if (!_ruleSets.TryGetValue(table, out var set))
        {
            set = _rules.TryGetValue(table, out var tableRules) ? tableRules.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);
            _ruleSets[table] = set;
        }

        return set.Contains(line);
    }

    /// <summary>Returns the chains of a table, as iptables-save lists them, with their policies ("-" for a user chain).</summary>
    /// <param name="table">The table.</param>
    /// <returns>The chains; empty when the table is absent.</returns>
    public IReadOnlyList<(string Chain, string Policy)> Chains(string table) =>
        _chains.TryGetValue(table, out var tableChains) ? tableChains.Select(c => (c.Key, c.Value)).ToArray() : Array.Empty<(string, string)>();

    /// <summary>Returns the rule lines of a table in order.</summary>
    /// <param name="table">The table.</param>
    /// <returns>The lines; empty when the table is absent.</returns>
    public IReadOnlyList<string> Rules(string table) =>
        _rules.TryGetValue(table, out var tableRules) ? tableRules : Array.Empty<string>();
}
