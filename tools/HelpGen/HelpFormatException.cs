using System.Globalization;

namespace VirtualLan.HelpGen;

/// <summary>
/// Reports a Markdown help page that does not follow the expected format or says something its cmdlet does not.
/// </summary>
/// <remarks>
/// The message has the form <c>file:line: reason</c> because that is the shape compilers use,
/// so editors and CI logs turn it into a link to the offending line.
/// </remarks>
public sealed class HelpFormatException : Exception
{
    /// <summary>
    /// Initializes a new instance of the <see cref="HelpFormatException"/> class for a place in a page.
    /// </summary>
    /// <param name="filePath">The path of the page as it should appear in the message.</param>
    /// <param name="line">The one-based line number the problem was found on.</param>
    /// <param name="reason">The reason the page was rejected, as a sentence.</param>
    public HelpFormatException(string filePath, int line, string reason)
        : base(Format(filePath, line, reason))
    {
        FilePath = filePath;
        Line = line;
        Reason = reason;
    }

    /// <summary>Gets the path of the page as given to the parser.</summary>
    public string FilePath { get; }

    /// <summary>Gets the one-based line number of the problem.</summary>
    public int Line { get; }

    /// <summary>Gets the reason the page was rejected, without the location prefix.</summary>
    public string Reason { get; }

    private static string Format(string filePath, int line, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"{filePath}:{line}: {reason}");
}
