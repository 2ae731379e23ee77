using VirtualLan.Execution;

namespace VirtualLan.Tests;

/// <summary>
/// Wraps a runner: records every command, tells reads from changes, and can make the N-th change
/// fail the way a real kernel refusal would. A change inside an <c>ip -batch</c> or
/// <c>iptables-restore</c> counts once per line, so "fail step N" means the same with and without batching.
/// </summary>
internal sealed class RecordingRunner : ICommandRunner, IDirectStepObserver
{
    private readonly ICommandRunner _inner;
    private readonly Lock _gate = new();
    private int _changes;

    public RecordingRunner(ICommandRunner inner)
    {
        _inner = inner;
    }

    /// <summary>Gets or sets the 1-based change, counted from this setting, that fails; 0 for none.</summary>
    public int FailAtChange
    {
        get;
        set
        {
            field = value;
            _changes = 0;
        }
    }

    public List<(CommandLine Command, string? Input)> Commands { get; } = new();

    /// <summary>Gets the commands that ran as processes (not the netlink backend's direct steps), in order.</summary>
    public List<CommandLine> Processes { get; } = new();

    /// <summary>
    /// Gets or sets the changes that are never failed nor counted: those whose failure a plan tolerates
    /// by design (it warns and goes on), so that failing them would end a fail-every-step loop early.
    /// </summary>
    public Func<CommandLine, bool> NeverFail { get; set; } = _ => false;

    /// <summary>Gets the commands that are not reads, undo commands included.</summary>
    public IReadOnlyList<CommandLine> Changes
    {
        get
        {
            lock (_gate)
            {
                return Commands.Where(c => !IsRead(c.Command)).Select(c => c.Command).ToArray();
            }
        }
    }

    public static bool IsRead(CommandLine command)
    {
        var words = command.Arguments.Prepend(command.Program).ToArray();
        return words.Contains("-json") || words.Contains("pids") || words.Contains("iptables-save") || words.Contains("ip6tables-save") || words.Contains("inspect")
            || (words.Contains("sysctl") && words.Contains("-n")) || (words.Contains("conntrack") && words.Contains("-L"));
    }

    public CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Commands.Add((command, standardInput));
            Processes.Add(command);
        }

        if (IsRead(command) || FailAtChange == 0 || _changes >= FailAtChange || NeverFail(command))
        {
            if (!IsRead(command) && !NeverFail(command))
            {
                _changes += standardInput is null ? 1 : CountLines(standardInput);
            }

            return _inner.Run(command, standardInput, cancellationToken);
        }

        if (standardInput is null)
        {
            _changes++;
            if (_changes == FailAtChange)
            {
                // A real command the kernel refuses, so the failure path sees a real exit code and stderr.
                return _inner.Run(new CommandLine("ip", "link", "set", "dev", "vlan-fault-inj", "up"), null, cancellationToken);
            }

            return _inner.Run(command, standardInput, cancellationToken);
        }

        var lines = standardInput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var isRestore = command.Arguments.Prepend(command.Program).Any(a => a is "iptables-restore" or "ip6tables-restore");
        var changeLines = isRestore ? lines.Where(l => !l.StartsWith('*') && l != "COMMIT").ToList() : lines;
        var index = FailAtChange - _changes - 1;
        _changes += changeLines.Count;
        if (index < changeLines.Count)
        {
            var position = lines.IndexOf(changeLines[index]);
            lines[position] = isRestore ? "-A VLAN-FAULT-INJECTED -j ACCEPT" : "link set dev vlan-fault-inj up";
            return _inner.Run(command, string.Join('\n', lines) + "\n", cancellationToken);
        }

        return _inner.Run(command, standardInput, cancellationToken);
    }

    /// <summary>
    /// A step the netlink backend makes without a process: recorded as its equivalent command and
    /// counted as one change, so "fail step N" and the recorded changes mean the same on both backends.
    /// </summary>
    public string? BeforeDirect(Step step)
    {
        lock (_gate)
        {
            Commands.Add((step.Command, null));
        }

        if (NeverFail(step.Command))
        {
            return null;
        }

        _changes++;
        return FailAtChange != 0 && _changes == FailAtChange ? "Cannot find device \"vlan-fault-inj\"" : null;
    }

    private static int CountLines(string input) =>
        input.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => !l.StartsWith('*') && l != "COMMIT");
}
