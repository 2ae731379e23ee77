namespace VirtualLan.Execution;

/// <summary>
/// Writes arguments the way <c>ip -batch</c> reads them back (iproute2's <c>getcmdline</c> and
/// <c>makeargs</c> in lib/utils.c). Its rules are few and strict: a <c>#</c> anywhere ends the
/// line (a comment, even inside quotes); a backslash before the newline joins the next line;
/// words are split at space, tab, CR and LF; a word that starts with <c>"</c> or <c>'</c> runs to
/// the next same quote, with no escapes at all, and a quote inside a word that does not start with
/// one is an ordinary character. So an argument that holds <c>#</c>, a newline or NUL, or needs
/// quoting while it holds both kinds of quote, cannot be said in a batch: such a step runs on its
/// own, with the argument passed as it is (see <see cref="PlanExecutor"/>).
/// </summary>
public static class IpBatch
{
    private static readonly char[] WordBreaks = [' ', '\t', '\r', '\n'];

    /// <summary>Tells whether ip -batch can read the argument back exactly.</summary>
    /// <param name="argument">The argument.</param>
    /// <returns>True when <see cref="Quote"/> can write it.</returns>
    public static bool CanExpress(string argument) => TryQuote(argument, out _);

    /// <summary>
    /// Tells whether ip -batch can read every argument back exactly, and the line starts with an
    /// object: a batch line cannot carry ip's options (<c>-4 addr flush</c> is "Object "-4" is unknown").
    /// </summary>
    /// <param name="arguments">The arguments of one line.</param>
    /// <returns>True when the line can go into a batch.</returns>
    public static bool CanExpress(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var first = true;
        foreach (var argument in arguments)
        {
            if ((first && argument.StartsWith('-')) || !CanExpress(argument))
            {
                return false;
            }

            first = false;
        }

        return true;
    }

    /// <summary>Writes one argument for a batch line.</summary>
    /// <param name="argument">The argument.</param>
    /// <returns>The argument as ip -batch reads it back.</returns>
    /// <exception cref="ArgumentException">The argument cannot be said in a batch (<see cref="CanExpress(string)"/>).</exception>
    public static string Quote(string argument) =>
        TryQuote(argument, out var quoted)
            ? quoted
            : throw new ArgumentException($"ip -batch cannot read back the argument '{argument}' (it holds '#', a newline, NUL, or both kinds of quote).", nameof(argument));

    /// <summary>Writes one argument for a batch line, when it can be said there.</summary>
    /// <param name="argument">The argument.</param>
    /// <param name="quoted">The argument as ip -batch reads it back, or empty.</param>
    /// <returns>False when the argument cannot be said in a batch.</returns>
    public static bool TryQuote(string argument, out string quoted)
    {
        ArgumentNullException.ThrowIfNull(argument);
        quoted = string.Empty;
        if (argument.Contains('#', StringComparison.Ordinal) || argument.Contains('\n', StringComparison.Ordinal) || argument.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        // A bare word: no break, no leading quote, and no trailing backslash (at the end of a line,
        // a backslash before the newline joins the next line).
        if (argument.Length > 0
            && argument.IndexOfAny(WordBreaks) < 0
            && argument[0] is not ('"' or '\'')
            && argument[^1] != '\\')
        {
            quoted = argument;
            return true;
        }

        if (!argument.Contains('"', StringComparison.Ordinal))
        {
            quoted = "\"" + argument + "\"";
            return true;
        }

        if (!argument.Contains('\'', StringComparison.Ordinal))
        {
            quoted = "'" + argument + "'";
            return true;
        }

        return false;
    }
}
