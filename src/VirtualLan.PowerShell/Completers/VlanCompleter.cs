using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Completers;

/// <summary>
/// What every completer of the module shares: it reads the session's host (the sandbox entered,
/// else the machine) once, offers the names that start with what was typed (case ignored), quotes
/// those PowerShell would not read as one word, and never fails: a read that fails (no root, no
/// Docker engine, a namespace gone) offers nothing and writes no error.
/// </summary>
internal abstract class VlanCompleter : IArgumentCompleter
{
    /// <summary>The characters that make PowerShell read a bare word differently, so a name holding one is quoted.</summary>
    private const string Special = "`$'\"{}()@#;,|&<>\u2018\u2019\u201A\u201B\u201C\u201D\u201E";

    /// <summary>Gets the namespace that plays the host for the session: the sandbox entered, or the machine's own.</summary>
    protected static NetworkHost Host => ModuleSession.Host;

    /// <summary>Gets the system the session's cmdlets run on (its command runner).</summary>
    protected static VlanSystem System => ModuleSession.System;

    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var word = wordToComplete ?? string.Empty;
            var request = new CompletionRequest(Unquote(word), fakeBoundParameters);
            return Select(Candidates(request, System.ReadState()).ToList(), word);
        }
#pragma warning disable CA1031 // Completion must never fail the user's line: whatever goes wrong offers nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Array.Empty<CompletionResult>();
        }
    }

    /// <summary>
    /// Picks the completions for a typed word: the candidates whose name starts with it (case
    /// ignored), each name once, sorted, quoted when needed (in the quote the user opened).
    /// </summary>
    /// <param name="candidates">The names the completer offers.</param>
    /// <param name="wordToComplete">The word typed so far, with its opening quote if any.</param>
    /// <returns>The completions.</returns>
    internal static IReadOnlyList<CompletionResult> Select(IEnumerable<CompletionCandidate> candidates, string wordToComplete)
    {
        var word = wordToComplete ?? string.Empty;
        var typed = Unquote(word);
        char? quote = word.Length > 0 && IsQuote(word[0]) ? word[0] : null;
        return candidates
            .Where(c => !string.IsNullOrEmpty(c.Name) && c.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(c => c.Name, StringComparer.Ordinal)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new CompletionResult(Quote(c.Name, quote), c.Name, CompletionResultType.ParameterValue, string.IsNullOrWhiteSpace(c.ToolTip) ? c.Name : c.ToolTip))
            .ToArray();
    }

    /// <summary>
    /// Writes a name as PowerShell must read it: bare when it is one plain word, else in single
    /// quotes (a quote inside doubled), or in double quotes (with backtick escapes) when the user
    /// opened a double quote.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="quote">The quote the user opened, or null.</param>
    /// <returns>The completion text.</returns>
    internal static string Quote(string name, char? quote)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (quote is { } q && IsDoubleQuote(q))
        {
            var text = new StringBuilder().Append('"');
            foreach (var c in name)
            {
                if (c is '`' or '$' || IsDoubleQuote(c))
                {
                    text.Append('`');
                }

                text.Append(c);
            }

            return text.Append('"').ToString();
        }

        if (quote is null && !NeedsQuotes(name))
        {
            return name;
        }

        var quoted = new StringBuilder().Append('\'');
        foreach (var c in name)
        {
            if (IsSingleQuote(c))
            {
                quoted.Append(c);
            }

            quoted.Append(c);
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>Tells whether PowerShell would read a bare name as something else than one word.</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when it must be quoted.</returns>
    internal static bool NeedsQuotes(string name) =>
        name.Length == 0 || name[0] == '-' || name.Any(c => char.IsWhiteSpace(c) || Special.Contains(c, StringComparison.Ordinal));

    /// <summary>Returns the text typed so far without its quotes (and with a quote doubled inside single quotes read as one).</summary>
    /// <param name="word">The word as typed.</param>
    /// <returns>The text names are matched against.</returns>
    internal static string Unquote(string word)
    {
        if (string.IsNullOrEmpty(word) || !IsQuote(word[0]))
        {
            return word ?? string.Empty;
        }

        var inner = word[1..];
        if (inner.Length > 0 && IsQuote(inner[^1]))
        {
            inner = inner[..^1];
        }

        return IsSingleQuote(word[0]) ? inner.Replace("''", "'", StringComparison.Ordinal) : inner;
    }

    /// <summary>Lists the names this completer offers, from one read of the kernel's state.</summary>
    /// <param name="request">What was typed, and the other parameters on the line.</param>
    /// <param name="state">The kernel's state, read lazily, once per completion.</param>
    /// <returns>The candidates; the base filters them by what was typed.</returns>
    protected abstract IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state);

    private static bool IsQuote(char c) => IsSingleQuote(c) || IsDoubleQuote(c);

    private static bool IsSingleQuote(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';

    private static bool IsDoubleQuote(char c) => c is '"' or '\u201C' or '\u201D' or '\u201E';
}
