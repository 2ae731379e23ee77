namespace VirtualLan.Records;

/// <summary>
/// The comment on every rule of a router's own firewall (<c>virtuallan:router/NAME</c>): which router
/// owns the rule. Defined here and nowhere else.
/// </summary>
/// <param name="Router">The router.</param>
public sealed record RouterComment(string Router)
{
    private const string Prefix = "virtuallan:router/";

    /// <summary>Reads a rule comment; null when it is not a router's.</summary>
    /// <param name="comment">The comment, or null.</param>
    /// <returns>The comment, or null.</returns>
    public static RouterComment? Parse(string? comment) =>
        comment is not null && comment.StartsWith(Prefix, StringComparison.Ordinal) && comment.Length > Prefix.Length && !comment.Contains(' ', StringComparison.Ordinal)
            ? new RouterComment(comment[Prefix.Length..])
            : null;

    /// <summary>Writes the comment.</summary>
    /// <returns>The text.</returns>
    public string Write() => Prefix + Router;

    /// <inheritdoc />
    public override string ToString() => Write();
}
