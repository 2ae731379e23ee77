namespace VirtualLan.Linux;

/// <summary>What the module wrote down about one running trace (see <see cref="TraceRecords"/>).</summary>
/// <param name="Id">The trace id; its rules carry the comment virtuallan:trace/ID.</param>
/// <param name="Namespace">The namespace traced, or null for the module's own.</param>
/// <param name="Owner">The process that runs the trace (pwsh).</param>
/// <param name="Reader">The reader it started (tcpdump, xtables-monitor), once started.</param>
/// <param name="ReaderProgram">The reader's program name, checked against its command line before it is stopped.</param>
/// <param name="TracefsInstance">The tracefs instance a Drops trace made (its folder), or null.</param>
/// <param name="TracefsMount">The private tracefs mount point a Drops trace made, or null when it used the mounted one.</param>
public sealed record TraceRecord(string Id, string? Namespace, ProcessIdentity Owner, ProcessIdentity? Reader, string? ReaderProgram, string? TracefsInstance = null, string? TracefsMount = null)
{
    /// <summary>Gets a value indicating whether the trace was cut off: the process that ran it is gone.</summary>
    public bool IsStale => !Owner.IsAlive;

    /// <summary>
    /// Tells whether the recorded reader still runs and is the program the trace started (same id and
    /// start time, and that program on its command line), so it can be stopped without hitting
    /// another process that got its id.
    /// </summary>
    /// <returns>True when the reader is alive and is the one recorded.</returns>
    public bool ReaderIsRunning() =>
        Reader is { IsAlive: true } reader && ReaderProgram is { Length: > 0 } program
        && ProcessIdentity.CommandLine(reader.Pid).Any(a => Path.GetFileName(a) == program);
}
