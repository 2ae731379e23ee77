using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tracing;

/// <summary>
/// The Drops mode of Get-VlanIptablesTrace: the kernel's own drop reasons, from the skb:kfree_skb
/// tracepoint, read through a tracefs instance of its own (virtuallan-ID) so that the machine's
/// tracing is never touched; tracefs is mounted at a private mount point when it is not mounted
/// already. The reason names come from the running kernel's format file (their numbers change
/// between kernels). Tracefs is the machine's, not a namespace's: each drop is joined to the
/// LAN's namespaces by the devices its buffer crossed (net:netif_receive_skb, net:net_dev_queue,
/// filtered to the LAN's interface names), and drops the LAN's devices did not see are left out.
/// The instance and the mount are written into the trace's record before they are made, so the
/// next trace removes those of a trace that was killed.
/// </summary>
public sealed partial class DropWatch : IDisposable
{
    private const string MountedTracefs = "/sys/kernel/tracing";

    private readonly VlanSystem _system;
    private readonly IReadOnlyList<TracedNamespace> _scope;
    private readonly Action<string> _log;
    private readonly CancellationToken _stop;
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly TraceRecords _records = new();
    private readonly BlockingCollection<string> _lines = new();
    private readonly CancellationTokenSource _reading;
    private readonly Dictionary<string, List<string>> _trails = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string[]> _namespacesOfDevice = new Dictionary<string, string[]>();
    private IReadOnlyDictionary<string, string> _applianceOfPort = new Dictionary<string, string>();
    private IReadOnlyDictionary<int, string> _reasons = new Dictionary<int, string>();
    private string? _mount;
    private string? _instance;
    private Task? _reader;
    private bool _begun;

    /// <summary>Initializes a new instance of the <see cref="DropWatch"/> class.</summary>
    /// <param name="system">The system.</param>
    /// <param name="scope">The namespaces whose drops to report.</param>
    /// <param name="log">Receives each command and file write as it happens.</param>
    /// <param name="stop">Ctrl+C.</param>
    public DropWatch(VlanSystem system, IReadOnlyList<TracedNamespace> scope, Action<string> log, CancellationToken stop)
    {
        _system = system ?? throw new ArgumentNullException(nameof(system));
        _scope = scope ?? throw new ArgumentNullException(nameof(scope));
        _log = log;
        _stop = stop;
        _reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    /// <summary>Gets what the watch does, for -WhatIf and -Confirm.</summary>
    public string Description => $"Mount tracefs if it is not mounted, create the tracefs instance virtuallan-{_id}, enable skb:kfree_skb (IPv4, reason not NOT_SPECIFIED), net:netif_receive_skb and net:net_dev_queue (the LAN's interfaces) in it, read its trace_pipe, and remove the instance (and the mount) afterwards";

    /// <summary>Cleans up after Drops traces that were killed, records this one, and makes its tracefs instance.</summary>
    /// <exception cref="VlanException">The kernel offers no tracefs or no skb:kfree_skb event (<see cref="ErrorIds.TracingUnavailable"/>).</exception>
    public void Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The Drops mode runs on Linux only.");
        }

        _records.Begin(_id, NetNamespace.Own);
        _begun = true;
        var state = _system.ReadState();
        ReadDevices(state);

        var mounted = File.Exists(Path.Combine(MountedTracefs, "trace_pipe"));
        _mount = mounted ? null : $"/run/virtuallan-tracefs-{_id}";
        var root = _mount ?? MountedTracefs;
        _instance = Path.Combine(root, "instances", "virtuallan-" + _id);
        _records.AddTracefs(_id, _instance, _mount);
        if (_mount is not null)
        {
            Directory.CreateDirectory(_mount, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Run(new CommandLine("mount", "-t", "tracefs", "nodev", _mount));
        }

        RemoveLeftovers(_records, root, _system, _log);
        var format = Path.Combine(root, "events", "skb", "kfree_skb", "format");
        if (!File.Exists(format))
        {
            throw new VlanException(ErrorIds.TracingUnavailable, VlanErrorKind.NotInstalled, format, "This kernel has no skb:kfree_skb tracepoint (CONFIG_TRACEPOINTS, CONFIG_FTRACE); the Drops mode needs it. Use -Mode Trace for firewall drops.");
        }

        _reasons = ParseReasons(File.ReadAllText(format));
        _log("mkdir " + _instance);
        Directory.CreateDirectory(_instance);
        var notSpecified = _reasons.FirstOrDefault(r => r.Value == "NOT_SPECIFIED").Key;
        Write("events/skb/kfree_skb/filter", notSpecified > 0 ? $"protocol == 2048 && reason != {notSpecified}" : "protocol == 2048");
        var names = string.Join(" || ", _namespacesOfDevice.Keys.Concat(_applianceOfPort.Keys).Distinct(StringComparer.Ordinal).Select(n => $"name == \"{n}\""));
        foreach (var device in new[] { "net/netif_receive_skb", "net/net_dev_queue" })
        {
            if (names.Length > 0)
            {
                Write($"events/{device}/filter", names);
            }

            Write($"events/{device}/enable", "1");
        }

        Write("events/skb/kfree_skb/enable", "1");
        var streamer = new ProcessStreamer(_system.Tools);
        var pipe = Path.Combine(_instance, "trace_pipe");
        _log("cat " + pipe);
        _reader = streamer.Lines(new CommandLine("cat", pipe), _lines.Add, _reading.Token, pid => _records.AddReader(_id, pid, "cat"));
    }

    /// <summary>Yields the drops the LAN's devices saw, until the count, the duration or Ctrl+C.</summary>
    /// <param name="count">After how many to stop, or null.</param>
    /// <param name="duration">How long to watch.</param>
    /// <returns>The drops, with their namespace and interface, without a rule yet.</returns>
    public IEnumerable<PacketDrop> Drops(int? count, TimeSpan duration)
    {
        var deadline = DateTime.UtcNow + duration;
        var written = 0;
        while (!_stop.IsCancellationRequested && (count is null || written < count) && DateTime.UtcNow < deadline)
        {
            if (_reader is { IsFaulted: true })
            {
                throw new VlanException(ErrorIds.CommandFailed, VlanErrorKind.CommandFailed, null, "The drop reader stopped: " + _reader.Exception?.GetBaseException().Message, _reader.Exception);
            }

            if (_lines.TryTake(out var line, 100) && Take(line, DateTimeOffset.Now) is { } drop)
            {
                written++;
                yield return drop;
            }
        }
    }

    /// <summary>Stops the reader and removes the instance, the mount and the record.</summary>
    public void Dispose()
    {
        _reading.Cancel();
        try
        {
            _reader?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelling the reader is how it ends.
        }

        _reading.Dispose();
        _lines.Dispose();
        try
        {
            RemoveTracefs(_instance, _mount, _system, _log);
        }
        finally
        {
            if (_begun)
            {
                _records.End(_id);
            }
        }
    }

    /// <summary>Reads the reason names of the running kernel from the kfree_skb event's format file (its <c>__print_symbolic</c> list).</summary>
    /// <param name="format">The format file's text.</param>
    /// <returns>The names by number.</returns>
    public static IReadOnlyDictionary<int, string> ParseReasons(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var reasons = new Dictionary<int, string>();
        var symbolic = format.IndexOf("__print_symbolic", StringComparison.Ordinal);
        if (symbolic >= 0)
        {
            foreach (Match m in Symbol().Matches(format[symbolic..]))
            {
                reasons[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = m.Groups[2].Value;
            }
        }

        return reasons;
    }

    /// <summary>Parses one trace_pipe line into its event and fields.</summary>
    /// <param name="line">The line.</param>
    /// <returns>The event name and its fields, or null.</returns>
    public static (string Event, string Fields)? ParseLine(string line)
    {
        var m = TraceLine().Match(line ?? string.Empty);
        return m.Success ? (m.Groups["event"].Value, m.Groups["rest"].Value) : null;
    }

    /// <summary>Names the kernel function at an address, from /proc/kallsyms (the nearest symbol at or below it).</summary>
    /// <param name="address">The address.</param>
    /// <param name="kallsyms">The lines of /proc/kallsyms.</param>
    /// <returns>symbol+0xOFFSET, or null.</returns>
    public static string? Symbolize(ulong address, IEnumerable<string> kallsyms)
    {
        ArgumentNullException.ThrowIfNull(kallsyms);
        (ulong At, string Name) best = (0, string.Empty);
        foreach (var line in kallsyms)
        {
            // A module's symbols end in a tab and [module].
            var parts = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && ulong.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var at) && at <= address && at > best.At && parts[1] is "T" or "t")
            {
                best = (at, parts[2]);
            }
        }

        return best.At == 0 ? null : FormattableString.Invariant($"{best.Name}+0x{address - best.At:x}");
    }

    /// <summary>Cleans up after killed Drops traces from a trace of another mode: through the mounted tracefs, or one mounted for the while.</summary>
    /// <param name="records">The trace records.</param>
    /// <param name="system">The system.</param>
    /// <param name="log">Receives each command.</param>
    internal static void RemoveLeftovers(TraceRecords records, VlanSystem system, Action<string> log)
    {
        if (!OperatingSystem.IsLinux() || !records.Read().Any(r => r.IsStale && r.TracefsInstance is not null))
        {
            return;
        }

        if (File.Exists(Path.Combine(MountedTracefs, "trace_pipe")))
        {
            RemoveLeftovers(records, MountedTracefs, system, log);
            return;
        }

        var mount = "/run/virtuallan-tracefs-" + Guid.NewGuid().ToString("N")[..6];
        Directory.CreateDirectory(mount, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var command = new CommandLine("mount", "-t", "tracefs", "nodev", mount);
            log(command.ToString());
            if (system.Runner.Run(command, null, CancellationToken.None).Succeeded)
            {
                RemoveLeftovers(records, mount, system, log);
            }
        }
        finally
        {
            RemoveTracefs(null, mount, system, log);
        }
    }

    /// <summary>
    /// Cleans up the tracefs instances and mounts of Drops traces whose process was killed, and their
    /// records. Tracefs is one file system for the whole machine: an instance is removed by its name
    /// through the tracefs this trace reads, since the mount the killed trace made may have gone with
    /// its mount namespace (a private one, as systemd's PrivateMounts= or unshare -m make).
    /// </summary>
    /// <param name="records">The trace records.</param>
    /// <param name="root">Where tracefs is mounted for this trace.</param>
    /// <param name="system">The system.</param>
    /// <param name="log">Receives each command.</param>
    internal static void RemoveLeftovers(TraceRecords records, string root, VlanSystem system, Action<string> log)
    {
        foreach (var record in records.Read().Where(r => r.IsStale && r.TracefsInstance is not null))
        {
            if (record.ReaderIsRunning())
            {
                system.Runner.Run(new CommandLine("kill", "-TERM", record.Reader!.Pid.ToString(CultureInfo.InvariantCulture)), null, CancellationToken.None);
            }

            RemoveTracefs(Path.Combine(root, "instances", Path.GetFileName(record.TracefsInstance!)), record.TracefsMount, system, log);
            records.End(record.Id);
        }
    }

    private static void RemoveTracefs(string? instance, string? mount, VlanSystem system, Action<string> log)
    {
        if (instance is not null && instance.Contains("/instances/virtuallan-", StringComparison.Ordinal) && Directory.Exists(instance))
        {
            // The reader may still hold trace_pipe for a moment after it was told to stop.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    log("rmdir " + instance);
                    Directory.Delete(instance);
                    break;
                }
                catch (IOException) when (attempt < 20)
                {
                    Thread.Sleep(100);
                }
            }
        }

        if (mount is not null && mount.StartsWith("/run/virtuallan-tracefs-", StringComparison.Ordinal) && Directory.Exists(mount))
        {
            if (File.ReadAllText("/proc/self/mounts").Contains(" " + mount + " ", StringComparison.Ordinal))
            {
                var umount = new CommandLine("umount", mount);
                log(umount.ToString());
                system.Runner.Run(umount, null, CancellationToken.None);
            }

            Directory.Delete(mount);
        }
    }

    private void ReadDevices(KernelState state)
    {
        var byName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var ns in _scope)
        {
            foreach (var link in state.Links(ns.Namespace).Links.Where(l => l.Name != "lo"))
            {
                (byName.TryGetValue(link.Name, out var list) ? list : byName[link.Name] = []).Add(ns.Label);
            }
        }

        _namespacesOfDevice = byName.ToDictionary(p => p.Key, p => p.Value.Distinct().ToArray(), StringComparer.Ordinal);
        _applianceOfPort = _scope.Where(n => n.HostPort is not null).ToDictionary(n => n.HostPort!, n => n.Label, StringComparer.Ordinal);
    }

    private PacketDrop? Take(string line, DateTimeOffset time)
    {
        if (ParseLine(line) is not { } parsed)
        {
            return null;
        }

        var fields = Fields().Matches(parsed.Fields).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        var skb = fields.GetValueOrDefault("skbaddr");
        if (skb is null)
        {
            return null;
        }

        if (parsed.Event is "netif_receive_skb" or "net_dev_queue" && fields.GetValueOrDefault("dev") is { } dev)
        {
            var trail = _trails.TryGetValue(skb, out var t) ? t : _trails[skb] = [];
            trail.Add((parsed.Event == "net_dev_queue" ? "out:" : "in:") + dev);
            if (_trails.Count > 4096)
            {
                _trails.Clear();
            }

            return null;
        }

        if (parsed.Event != "kfree_skb")
        {
            return null;
        }

        var devices = _trails.Remove(skb, out var crossed) ? crossed : [];
        var reasonAt = parsed.Fields.IndexOf("reason: ", StringComparison.Ordinal);
        var reason = reasonAt < 0 ? "?" : parsed.Fields[(reasonAt + 8)..].Trim();
        if (int.TryParse(reason, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            reason = _reasons.GetValueOrDefault(number, reason);
        }

        var last = devices.LastOrDefault(d => d.StartsWith("in:", StringComparison.Ordinal))?[3..];
        var where = Where(devices);
        if (where is null)
        {
            // Not seen by the LAN's devices: another namespace's drop on this machine.
            return null;
        }

        return new PacketDrop
        {
            Time = time, Reason = reason, Function = Location(fields.GetValueOrDefault("location")), Namespace = where, Interface = last, Devices = devices,
        };
    }

    private string? Where(List<string> devices)
    {
        var lastIn = devices.FindLastIndex(d => d.StartsWith("in:", StringComparison.Ordinal));
        if (lastIn < 0)
        {
            return null;
        }

        var name = devices[lastIn][3..];
        var candidates = _namespacesOfDevice.GetValueOrDefault(name) ?? [];
        if (candidates.Length <= 1)
        {
            return candidates.FirstOrDefault();
        }

        // Several namespaces have a device of that name (every appliance's eth0): the host's port it went out of just before tells.
        if (lastIn > 0 && devices[lastIn - 1].StartsWith("out:", StringComparison.Ordinal) && _applianceOfPort.TryGetValue(devices[lastIn - 1][4..], out var appliance) && candidates.Contains(appliance))
        {
            return appliance;
        }

        return string.Join(", ", candidates);
    }

    private static string? Location(string? location)
    {
        if (location is null || !location.StartsWith("0x", StringComparison.Ordinal) || !ulong.TryParse(location[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address))
        {
            return location;
        }

        return Symbolize(address, File.ReadLines("/proc/kallsyms")) ?? location;
    }

    private void Write(string relative, string value)
    {
        var path = Path.Combine(_instance!, relative);
        _log($"echo '{value}' > {path}");
        try
        {
            File.WriteAllText(path, value);
        }
        catch (IOException e)
        {
            throw new VlanException(ErrorIds.TracingUnavailable, VlanErrorKind.NotInstalled, path, $"The kernel refused '{value}' in {path}: {e.Message}", e);
        }
    }

    private void Run(CommandLine command)
    {
        _log(command.ToString());
        var result = _system.Runner.Run(command, null, CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new VlanException(ErrorIds.TracingUnavailable, VlanErrorKind.NotInstalled, command.ToString(), $"Could not mount tracefs ({result.StandardError.Trim()}); the Drops mode needs it.");
        }
    }

    [GeneratedRegex(@"\{ (\d+), ""([A-Z0-9_]+)"" \}")]
    private static partial Regex Symbol();

    [GeneratedRegex(@"^\s*.+?-\d+\s+\[\d+\]\s+(?:\S+\s+)?[\d.]+:\s+(?<event>\w+):\s+(?<rest>.*)$")]
    private static partial Regex TraceLine();

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex Fields();
}
