using System.Globalization;

namespace VirtualLan.Linux;

/// <summary>
/// A process as the kernel knows it: its id and its start time (field 22 of /proc/PID/stat, in
/// clock ticks since boot). The pair stays unique even when the id is reused by a later process.
/// </summary>
/// <param name="Pid">The process id.</param>
/// <param name="StartTime">The start time, as /proc/PID/stat gives it.</param>
public sealed record ProcessIdentity(int Pid, string StartTime)
{
    /// <summary>Gets a value indicating whether this very process still runs (same id, same start time).</summary>
    public bool IsAlive => Of(Pid)?.StartTime == StartTime;

    /// <summary>Reads the identity of a running process.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The identity, or null when no such process runs.</returns>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces or ')'; the fields after the last ')' start with field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 ? new ProcessIdentity(pid, fields[19]) : null;
    }

    /// <summary>Reads the arguments of a running process (argv, program first).</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The arguments; empty when the process is gone.</returns>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Pid.ToString(CultureInfo.InvariantCulture)}/{StartTime}";

    /// <summary>Reads the text <see cref="ToString"/> wrote.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The identity, or null when the text is not one.</returns>
    public static ProcessIdentity? Parse(string? text)
    {
        var parts = text?.Split('/') ?? Array.Empty<string>();
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && parts[1].Length > 0 && parts[1].All(char.IsAsciiDigit)
            ? new ProcessIdentity(pid, parts[1])
            : null;
    }
}
