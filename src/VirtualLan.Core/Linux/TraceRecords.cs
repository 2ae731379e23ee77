namespace VirtualLan.Linux;

/// <summary>
/// The records of the traces that run: one small file per trace in a folder only root may write
/// (/run/virtuallan-traces), written before the trace adds a rule, naming the process that runs it,
/// the namespace and the reader it starts, and deleted when its rules are gone. A trace whose
/// process was killed (SIGKILL) leaves its file, so the next trace can tell its rules and its
/// orphan reader from those of a live trace, and remove them.
/// </summary>
public sealed class TraceRecords
{
    /// <summary>The folder of the records.</summary>
    public const string DefaultFolder = "/run/virtuallan-traces";

    private readonly string _folder;

    /// <summary>Initializes a new instance of the <see cref="TraceRecords"/> class.</summary>
    /// <param name="folder">The folder; the default is <see cref="DefaultFolder"/>.</param>
    public TraceRecords(string folder = DefaultFolder)
    {
        _folder = folder;
    }

    /// <summary>Writes the record of a trace about to start, owned by this process.</summary>
    /// <param name="id">The trace id.</param>
    /// <param name="namespaceName">The namespace traced, or null.</param>
    public void Begin(string id, NetNamespace namespaceName)
    {
        var owner = ProcessIdentity.Of(Environment.ProcessId) ?? throw new InvalidOperationException("This process cannot read its own /proc/PID/stat.");
        Write(new TraceRecord(id, namespaceName.Text, owner, null, null));
    }

    /// <summary>Adds the reader the trace started to its record.</summary>
    /// <param name="id">The trace id.</param>
    /// <param name="pid">The reader's process id.</param>
    /// <param name="program">The reader's program (tcpdump, xtables-monitor).</param>
    public void AddReader(string id, int pid, string program)
    {
        if (Read().FirstOrDefault(r => r.Id == id) is { } record && ProcessIdentity.Of(pid) is { } reader)
        {
            Write(record with { Reader = reader, ReaderProgram = program });
        }
    }

    /// <summary>Adds the tracefs instance (and the private mount) a Drops trace is about to make to its record.</summary>
    /// <param name="id">The trace id.</param>
    /// <param name="instance">The instance's folder.</param>
    /// <param name="mount">The private mount point, or null.</param>
    public void AddTracefs(string id, string instance, string? mount)
    {
        if (Read().FirstOrDefault(r => r.Id == id) is { } record)
        {
            Write(record with { TracefsInstance = instance, TracefsMount = mount });
        }
    }

    /// <summary>Deletes the record of a trace whose rules are gone.</summary>
    /// <param name="id">The trace id.</param>
    public void End(string id)
    {
        if (File.Exists(PathOf(id)))
        {
            File.Delete(PathOf(id));
        }

        // The last record takes the folder with it, so nothing of the module stays in /run.
        try
        {
            Directory.Delete(_folder);
        }
        catch (IOException)
        {
            // Not empty: another trace runs, and its end deletes the folder.
        }
    }

    /// <summary>Reads every record; files that are not records are left out.</summary>
    /// <returns>The records.</returns>
    public IReadOnlyList<TraceRecord> Read()
    {
        if (!Directory.Exists(_folder))
        {
            return Array.Empty<TraceRecord>();
        }

        var records = new List<TraceRecord>();
        foreach (var file in Directory.EnumerateFiles(_folder))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue; // ended meanwhile
            }

            var values = lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            var id = Path.GetFileName(file);
            if (ProcessIdentity.Parse(values.GetValueOrDefault("owner")) is { } owner && IsId(id))
            {
                records.Add(new TraceRecord(
                    id,
                    values.GetValueOrDefault("namespace") is { Length: > 0 } ns ? ns : null,
                    owner,
                    ProcessIdentity.Parse(values.GetValueOrDefault("reader")),
                    values.GetValueOrDefault("program"),
                    values.GetValueOrDefault("tracefs") is { Length: > 0 } instance ? instance : null,
                    values.GetValueOrDefault("mount") is { Length: > 0 } mount ? mount : null));
            }
        }

        return records;
    }

    private void Write(TraceRecord record)
    {
        // /run is root's alone, so a folder found there was made by root; it is made readable by root only.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Traces run on Linux only.");
        }

        var text = string.Join('\n', new[]
        {
            "owner=" + record.Owner,
            "namespace=" + (record.Namespace ?? string.Empty),
            "reader=" + (record.Reader?.ToString() ?? string.Empty),
            "program=" + (record.ReaderProgram ?? string.Empty),
            "tracefs=" + (record.TracefsInstance ?? string.Empty),
            "mount=" + (record.TracefsMount ?? string.Empty),
        }) + "\n";
        var temporary = PathOf(record.Id) + ".new";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // The folder goes when its last record does (End), possibly between two lines here.
                Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                File.WriteAllText(temporary, text);
                File.Move(temporary, PathOf(record.Id), overwrite: true);
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
            }
        }
    }

    private string PathOf(string id) => IsId(id) ? Path.Combine(_folder, id) : throw new ArgumentException($"'{id}' is not a trace id.", nameof(id));

    private static bool IsId(string id) => id.Length is > 0 and <= 16 && id.All(char.IsAsciiHexDigitLower);
}
