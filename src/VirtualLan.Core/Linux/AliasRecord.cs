using System.Text;

namespace VirtualLan.Linux;

/// <summary>
/// The small record VirtualLan keeps in an interface alias (ifalias, at most 255 bytes) to mark
/// what it made and what it must restore: <c>virtuallan:KIND key=value …</c>, values escaped.
/// It lives in the kernel with the object, so any session, or one started after a crash, reads it.
/// </summary>
public sealed class AliasRecord
{
    /// <summary>The most bytes the kernel keeps in an interface alias.</summary>
    public const int MaxBytes = 255;

    private const string Prefix = "virtuallan:";

    /// <summary>Initializes a new instance of the <see cref="AliasRecord"/> class.</summary>
    /// <param name="kind">What the alias marks, such as router or uplink.</param>
    /// <param name="values">The values.</param>
    public AliasRecord(string kind, IReadOnlyDictionary<string, string> values)
    {
        Kind = kind;
        Values = values;
    }

    /// <summary>Gets what the alias marks.</summary>
    public string Kind { get; }

    /// <summary>Gets the values.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>Returns a value, or null.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value.</returns>
    public string? this[string key] => Values.GetValueOrDefault(key);

    /// <summary>Reads an alias; null when it is not a VirtualLan record of that kind.</summary>
    /// <param name="alias">The alias text, or null.</param>
    /// <param name="kind">The kind expected.</param>
    /// <returns>The record, or null.</returns>
    public static AliasRecord? Parse(string? alias, string kind)
    {
        if (alias is null || !alias.StartsWith(Prefix + kind, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = alias.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts[0] != Prefix + kind)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[part[..equals]] = Uri.UnescapeDataString(part[(equals + 1)..]);
            }
        }

        return new AliasRecord(kind, values);
    }

    /// <summary>Tells which kind of VirtualLan record an alias holds.</summary>
    /// <param name="alias">The alias text, or null.</param>
    /// <returns>The kind (router, uplink, appliance …), or null when the alias is not a VirtualLan record.</returns>
    public static string? KindOf(string? alias)
    {
        if (alias is null || !alias.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = alias.IndexOf(' ', StringComparison.Ordinal);
        var kind = end < 0 ? alias[Prefix.Length..] : alias[Prefix.Length..end];
        return kind.Length == 0 ? null : kind;
    }

    /// <summary>Writes the record as alias text.</summary>
    /// <returns>The text.</returns>
    /// <exception cref="VlanException">
    /// <see cref="ErrorIds.RecordTooLong"/>: it does not fit in an alias. Records are written while
    /// a plan is made, so this comes before anything runs.
    /// </exception>
    public override string ToString()
    {
        var text = new StringBuilder(Prefix).Append(Kind);
        foreach (var (key, value) in Values)
        {
            text.Append(' ').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        var result = text.ToString();
        var bytes = Encoding.UTF8.GetByteCount(result);
        if (bytes <= MaxBytes)
        {
            return result;
        }

        var longest = Values
            .OrderByDescending(v => Uri.EscapeDataString(v.Value).Length)
            .Take(2)
            .Select(v => $"{v.Key}={(v.Value.Length > 40 ? v.Value[..40] + "…" : v.Value)}");
        throw new VlanException(
            ErrorIds.RecordTooLong,
            VlanErrorKind.InvalidArgument,
            Values.GetValueOrDefault("name") ?? Values.GetValueOrDefault("uplink") ?? Values.GetValueOrDefault("router") ?? Kind,
            $"VirtualLan's {Kind} record would take {bytes} bytes, and an interface alias keeps at most {MaxBytes}; the longest parts are {string.Join(", ", longest)}. "
            + "Shorten the link's alias ('ip link set dev LINK alias SHORTER') or take addresses off it, then run the command again; nothing was changed.");
    }
}
