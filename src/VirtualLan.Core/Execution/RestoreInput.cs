using System.Text;

namespace VirtualLan.Execution;

/// <summary>
/// Writes rule changes in the text format of <c>iptables-restore</c> and reads them back in the
/// form <c>iptables-save</c> prints, so a planned rule can be compared with a saved one as text.
/// </summary>
public static class RestoreInput
{
    /// <summary>
    /// Renders rule changes as one iptables-restore input: a section per table in the order the
    /// tables first appear, policies (<c>-P CHAIN POLICY</c>) as the section's chain lines, then the
    /// other changes in order.
    /// </summary>
    /// <param name="changes">The table and the iptables arguments of each change.</param>
    /// <returns>The input text.</returns>
    public static string Render(IEnumerable<(string Table, IReadOnlyList<string> Arguments)> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var tables = new List<string>();
        var headers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var lines = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (table, arguments) in changes)
        {
            if (!lines.TryGetValue(table, out var tableLines))
            {
                tables.Add(table);
                headers[table] = new List<string>();
                tableLines = lines[table] = new List<string>();
            }

            if (arguments.Count == 3 && arguments[0] == "-P")
            {
                headers[table].Add($":{arguments[1]} {arguments[2]} [0:0]");
            }
            else
            {
                tableLines.Add(Line(arguments));
            }
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            text.Append('*').Append(table).Append('\n');
            foreach (var line in headers[table].Concat(lines[table]))
            {
                text.Append(line).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// Renders one rule the way iptables-save prints it: the text after <c>--comment</c> always in
    /// double quotes, any other argument quoted only when it holds white space or a quote.
    /// </summary>
    /// <param name="arguments">The iptables arguments, such as <c>-A CHAIN -j ACCEPT</c>.</param>
    /// <returns>The line.</returns>
    public static string Line(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var parts = new List<string>(arguments.Count);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var isComment = i > 0 && arguments[i - 1] == "--comment";
            parts.Add(isComment || argument.Any(c => char.IsWhiteSpace(c) || c == '"')
                ? "\"" + argument.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
                : argument);
        }

        return string.Join(' ', parts);
    }

    /// <summary>
    /// Splits a rule line as iptables-save prints it back into arguments: the reverse of <see cref="Line"/>
    /// (double quotes group, a backslash escapes a quote).
    /// </summary>
    /// <param name="line">The line, such as <c>-A CHAIN -m comment --comment "a b" -j ACCEPT</c>.</param>
    /// <returns>The arguments.</returns>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var arguments = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length && line[i + 1] == '"')
            {
                current.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any || current.Length > 0)
                {
                    arguments.Add(current.ToString());
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
            }
        }

        if (any || current.Length > 0)
        {
            arguments.Add(current.ToString());
        }

        return arguments;
    }
}
