using System.Globalization;

namespace VirtualLan.Records;

/// <summary>
/// The comment on every rule of a port forward (<c>virtuallan:forward/ROUTER/PROTO/PORTS</c>, such as
/// virtuallan:forward/router/tcp/4000-4010): the forward's identity, which Get- and Remove-VlanPortForward
/// find its rules by. Defined here and nowhere else.
/// </summary>
/// <param name="Router">The router.</param>
/// <param name="Protocol">The protocol.</param>
/// <param name="Ports">The external port or range, as 4000 or 4000-4010.</param>
public sealed record ForwardComment(string Router, ForwardProtocol Protocol, string Ports)
{
    private const string Prefix = "virtuallan:forward/";

    /// <summary>Reads a rule comment; null when it is not a forward's.</summary>
    /// <param name="comment">The comment, or null.</param>
    /// <returns>The comment, or null.</returns>
    public static ForwardComment? Parse(string? comment)
    {
        if (comment is null || !comment.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = comment[Prefix.Length..].Split('/');
        return parts.Length == 3
            && parts[0].Length > 0 && !parts[0].Contains('"', StringComparison.Ordinal)
            && parts[1] is "tcp" or "udp"
            && parts[2].Length > 0 && parts[2].All(c => c is '-' or (>= '0' and <= '9'))
            ? new ForwardComment(parts[0], Enum.Parse<ForwardProtocol>(parts[1], ignoreCase: true), parts[2])
            : null;
    }

    /// <summary>Writes the comment.</summary>
    /// <returns>The text.</returns>
    public string Write() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Router}/{Protocol.ToString().ToLowerInvariant()}/{Ports}");

    /// <inheritdoc />
    public override string ToString() => Write();
}
