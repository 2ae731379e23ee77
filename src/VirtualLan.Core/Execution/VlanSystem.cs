using VirtualLan.Linux;
using VirtualLan.Netlink;

namespace VirtualLan.Execution;

/// <summary>
/// What the core needs from the machine: a command runner, the executor built on it, and the
/// process's capabilities. One instance serves a whole session; tests build one around a
/// runner that counts or fails commands.
/// </summary>
public sealed class VlanSystem
{
    private readonly Func<string> _readProcStatus;

    /// <summary>Initializes a new instance of the <see cref="VlanSystem"/> class.</summary>
    /// <param name="runner">Runs external commands.</param>
    /// <param name="readProcStatus">Returns the text of /proc/self/status.</param>
    /// <param name="batch">Whether plans are batched per channel.</param>
    /// <param name="tools">Finds programs; the default searches PATH and the sbin folders.</param>
    /// <param name="exists">Tells whether a file or folder exists; the default asks the file system.</param>
    public VlanSystem(ICommandRunner runner, Func<string> readProcStatus, bool batch, ToolLocator? tools = null, Func<string, bool>? exists = null)
    {
        Runner = runner;
        _readProcStatus = readProcStatus;
        Executor = new PlanExecutor(runner, batch);
        Tools = tools ?? new ToolLocator();
        Exists = exists ?? (path => File.Exists(path) || Directory.Exists(path));
    }

    /// <summary>Gets the tool locator.</summary>
    public ToolLocator Tools { get; }

    /// <summary>Gets the test for files and folders.</summary>
    public Func<string, bool> Exists { get; }

    /// <summary>Gets the runner.</summary>
    public ICommandRunner Runner { get; }

    /// <summary>Gets the executor.</summary>
    public PlanExecutor Executor { get; }

    /// <summary>Gets what reads links, routes, neighbours and namespaces for each cmdlet call; null reads them with <c>ip -json</c> through the runner.</summary>
    public Func<IKernelReader>? Reads { get; init; }

    /// <summary>Creates the system that runs real processes and batches plans.</summary>
    /// <returns>The system.</returns>
    public static VlanSystem CreateDefault()
    {
        var tools = new ToolLocator();
        return new(new ProcessRunner(tools), () => File.ReadAllText("/proc/self/status"), batch: true, tools) { Reads = NetlinkReads() ? () => new NetlinkKernelReader() : null };
    }

    /// <summary>Starts a fresh view of the kernel's state for one cmdlet call.</summary>
    /// <returns>The state, read lazily.</returns>
    public KernelState ReadState() => new(Runner, Reads?.Invoke());

    /// <summary>Throws when the process may not change the network.</summary>
    /// <param name="action">What the user asked for, for the message.</param>
    public void DemandPrivileges(string action) => Privileges.Demand(_readProcStatus(), action);

    /// <summary>Tells whether VIRTUALLAN_BACKEND selects the netlink backend (unset, empty or "netlink"); "ip" reads with ip.</summary>
    private static bool NetlinkReads() =>
        !string.Equals(Environment.GetEnvironmentVariable("VIRTUALLAN_BACKEND")?.Trim(), "ip", StringComparison.OrdinalIgnoreCase);
}
