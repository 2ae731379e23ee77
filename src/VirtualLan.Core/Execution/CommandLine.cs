using System.Text;

namespace VirtualLan.Execution;

/// <summary>
/// One external command as an argument vector. It is run without a shell, so no argument is
/// ever interpreted; <see cref="ToString"/> quotes it only for display.
/// </summary>
public sealed class CommandLine : IEquatable<CommandLine>
{
    /// <summary>Initializes a new instance of the <see cref="CommandLine"/> class.</summary>
    /// <param name="program">The program name, looked up on PATH and in the sbin folders.</param>
    /// <param name="arguments">The arguments, one element each.</param>
    public CommandLine(string program, IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        Program = program;
        Arguments = arguments.ToArray();
    }

    /// <summary>Initializes a new instance of the <see cref="CommandLine"/> class.</summary>
    /// <param name="program">The program name.</param>
    /// <param name="arguments">The arguments, one element each.</param>
    public CommandLine(string program, params string[] arguments)
        : this(program, (IEnumerable<string>)arguments)
    {
    }

    /// <summary>Gets the program name.</summary>
    public string Program { get; }

    /// <summary>Gets the arguments.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Quotes one argument the way a POSIX shell user would type it, for display only.</summary>
    /// <param name="argument">The argument.</param>
    /// <returns>The argument, single-quoted when it holds anything but safe characters.</returns>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal)))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder(Program);
        foreach (var argument in Arguments)
        {
            text.Append(' ').Append(Quote(argument));
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public bool Equals(CommandLine? other) =>
        other is not null && Program == other.Program && Arguments.SequenceEqual(other.Arguments);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CommandLine);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
