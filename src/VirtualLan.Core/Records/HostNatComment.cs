namespace VirtualLan.Records;

/// <summary>
/// The comments on host NAT's rules: <c>virtuallan:hostnat</c> on the jumps to its chains,
/// <c>virtuallan:hostnat/BRIDGE</c> on a bridge's rules, and <c>virtuallan:hostnat/BRIDGE ip_forward=N</c>
/// on its MASQUERADE rule, which is the record: N is the ip_forward value to set back when the last
/// host NAT goes. Defined here and nowhere else.
/// </summary>
/// <param name="Bridge">The bridge whose LAN is masqueraded.</param>
/// <param name="PreviousIpForward">The ip_forward value before host NAT (the MASQUERADE rule's comment), or null for the bridge's other rules.</param>
public sealed record HostNatComment(string Bridge, string? PreviousIpForward = null)
{
    /// <summary>The comment on the jumps to host NAT's chains, shared by every bridge.</summary>
    public const string Hook = "virtuallan:hostnat";

    private const string Prefix = Hook + "/";
    private const string IpForwardKey = " ip_forward=";

    /// <summary>Reads a rule comment; null when it is not a bridge's host NAT comment.</summary>
    /// <param name="comment">The comment, or null.</param>
    /// <returns>The comment, or null.</returns>
    public static HostNatComment? Parse(string? comment)
    {
        if (comment is null || !comment.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = comment[Prefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return rest.Length > 0 ? new HostNatComment(rest) : null;
        }

        var forward = rest[space..];
        return space > 0 && forward.StartsWith(IpForwardKey, StringComparison.Ordinal) && forward.Length == IpForwardKey.Length + 1 && char.IsAsciiDigit(forward[^1])
            ? new HostNatComment(rest[..space], forward[^1..])
            : null;
    }

    /// <summary>Writes the comment.</summary>
    /// <returns>The text.</returns>
    public string Write() => PreviousIpForward is null ? Prefix + Bridge : Prefix + Bridge + IpForwardKey + PreviousIpForward;

    /// <inheritdoc />
    public override string ToString() => Write();
}
