using System.Diagnostics;
using VirtualLan.Execution;

namespace VirtualLan.Bench;

/// <summary>What the module ran during one phase: processes, reads and changes, time spent waiting on them, by kind of command.</summary>
internal sealed record RunnerStats(
    int Processes,
    int Reads,
    int Changes,
    int BatchedLines,
    TimeSpan ChildTime,
    long ReadBytes,
    IReadOnlyDictionary<string, (int Count, TimeSpan Time, long Bytes)> ByKind);

/// <summary>
/// Wraps the module's runner, like tests/Shared/RecordingRunner.cs: counts every process the
/// module starts, tells reads from changes, and times each one.
/// </summary>
internal sealed class CountingRunner : ICommandRunner, IDirectStepObserver
{
    private readonly ICommandRunner _inner;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Count, TimeSpan Time, long Bytes)> _byKind = new(StringComparer.Ordinal);
    private int _processes;
    private int _reads;
    private int _batchedLines;
    private long _readBytes;
    private TimeSpan _childTime;

    public CountingRunner(ICommandRunner inner)
    {
        _inner = inner;
    }

    /// <summary>Gets or sets the sandbox of the run, so commands are grouped by the role of their namespace.</summary>
    public string Sandbox { get; set; } = string.Empty;

    public void Reset()
    {
        lock (_gate)
        {
            _processes = 0;
            _reads = 0;
            _batchedLines = 0;
            _readBytes = 0;
            _childTime = TimeSpan.Zero;
            _byKind.Clear();
        }
    }

    public RunnerStats Snapshot()
    {
        lock (_gate)
        {
            return new RunnerStats(_processes, _reads, _processes - _reads, _batchedLines, _childTime, _readBytes, new Dictionary<string, (int, TimeSpan, long)>(_byKind, StringComparer.Ordinal));
        }
    }

    public CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var clock = Stopwatch.StartNew();
        var result = _inner.Run(command, standardInput, cancellationToken);
        var elapsed = clock.Elapsed;
        var read = IsRead(command);
        var kind = Kind(command, Sandbox);
        lock (_gate)
        {
            _processes++;
            _childTime += elapsed;
            if (read)
            {
                _reads++;
                _readBytes += result.StandardOutput.Length;
            }

            if (standardInput is not null)
            {
                _batchedLines += standardInput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => !l.StartsWith('*') && l != "COMMIT");
            }

            var (count, time, bytes) = _byKind.GetValueOrDefault(kind);
            _byKind[kind] = (count + 1, time + elapsed, bytes + (read ? result.StandardOutput.Length : 0));
        }

        return result;
    }

    /// <summary>A step the netlink backend makes without a process: counted by kind as "netlink: " and its ip command's kind, with no process and no time of its own.</summary>
    public string? BeforeDirect(Step step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var kind = "netlink: " + Kind(step.Command, Sandbox);
        lock (_gate)
        {
            var (count, time, bytes) = _byKind.GetValueOrDefault(kind);
            _byKind[kind] = (count + 1, time, bytes);
        }

        return null;
    }

    /// <summary>The same test as tests/Shared/RecordingRunner.IsRead.</summary>
    public static bool IsRead(CommandLine command)
    {
        var words = command.Arguments.Prepend(command.Program).ToArray();
        return words.Contains("-json") || words.Contains("pids") || words.Contains("iptables-save") || words.Contains("inspect")
            || (words.Contains("sysctl") && words.Contains("-n")) || (words.Contains("conntrack") && words.Contains("-L"));
    }

    /// <summary>
    /// A command with namespace names replaced by their role (HOST = the sandbox, ROUTER, APPL = an
    /// appliance's namespace, OTHER = another) and addresses, ports and interface names by X, to group like commands.
    /// </summary>
    public static string Kind(CommandLine command, string sandbox)
    {
        ArgumentNullException.ThrowIfNull(command);
        var words = command.Arguments.Prepend(command.Program).ToList();
        var kind = new List<string>();
        for (var i = 0; i < words.Count && kind.Count < 8; i++)
        {
            var word = words[i];
            if (word == sandbox || word.StartsWith(sandbox + ".", StringComparison.Ordinal))
            {
                kind.Add(Role(word, sandbox));
            }
            else if (word.Any(char.IsDigit) || word.StartsWith("--net=", StringComparison.Ordinal) || (i > 0 && words[i - 1] == "dev"))
            {
                kind.Add("X");
            }
            else
            {
                kind.Add(word);
            }
        }

        return string.Join(' ', kind);
    }

    private static string Role(string ns, string sandbox) =>
        ns == sandbox ? "HOST"
        : ns == sandbox + ".router" ? "ROUTER"
        : ns.StartsWith(sandbox + ".a", StringComparison.Ordinal) ? "APPL"
        : "OTHER";
}
