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
    /// <param name="backend">
    /// What makes the link, address, route and namespace changes and reads them: <c>ip</c> processes
    /// through the runner (the default, so a test's fake runner sees every command), or netlink
    /// sockets (<see cref="NetlinkBackend"/>, <see cref="NetlinkKernelReader"/>).
    /// </param>
    public VlanSystem(ICommandRunner runner, Func<string> readProcStatus, bool batch, ToolLocator? tools = null, Func<string, bool>? exists = null, VlanBackend backend = VlanBackend.Ip)
    {
        Runner = runner;
        _readProcStatus = readProcStatus;
        Backend = backend;
        Executor = backend == VlanBackend.Netlink
            ? new PlanExecutor(new NetlinkBackend(runner), runner, batch)
            : new PlanExecutor(runner, batch);
        Reads = backend == VlanBackend.Netlink ? () => new NetlinkKernelReader() : null;
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

    /// <summary>Gets the backend that makes and reads link, address, route and namespace changes.</summary>
    public VlanBackend Backend { get; }

    /// <summary>Gets what reads links, routes, neighbours and namespaces for each cmdlet call; null reads them with <c>ip -json</c> through the runner. The backend sets it; a test may give its own.</summary>
    public Func<IKernelReader>? Reads { get; init; }

    /// <summary>Gets what leaves /run/netns as a sandbox found it (<see cref="Linux.NetnsFolder"/>); null leaves the folder alone, as a test's fake machine must.</summary>
    public NetnsFolder? NetnsFolder { get; init; }

    /// <summary>Creates the system that runs real processes and batches plans.</summary>
    /// <returns>The system.</returns>
    public static VlanSystem CreateDefault()
    {
        var tools = new ToolLocator();
        return new(new ProcessRunner(tools), () => File.ReadAllText("/proc/self/status"), batch: true, tools, backend: BackendFromEnvironment()) { NetnsFolder = new() };
    }

    /// <summary>Starts a fresh view of the kernel's state for one cmdlet call.</summary>
    /// <returns>The state, read lazily.</returns>
    public KernelState ReadState() => new(Runner, Reads?.Invoke());

    /// <summary>Throws when the process may not change the network.</summary>
    /// <param name="action">What the user asked for, for the message.</param>
    public void DemandPrivileges(string action) => Privileges.Demand(_readProcStatus(), action);

    /// <summary>Reads the backend from VIRTUALLAN_BACKEND: unset, empty or <c>netlink</c> for netlink, <c>ip</c> for ip processes.</summary>
    /// <returns>The backend.</returns>
    /// <exception cref="VlanException">The variable names no backend (<see cref="ErrorIds.BackendUnknown"/>).</exception>
    public static VlanBackend BackendFromEnvironment() => ParseBackend(Environment.GetEnvironmentVariable("VIRTUALLAN_BACKEND"));

    /// <summary>Reads a value of VIRTUALLAN_BACKEND: null, empty or <c>netlink</c> (any case, spaces around) for netlink, <c>ip</c> for ip processes.</summary>
    /// <param name="text">The value.</param>
    /// <returns>The backend.</returns>
    /// <exception cref="VlanException">The value names no backend (<see cref="ErrorIds.BackendUnknown"/>).</exception>
    public static VlanBackend ParseBackend(string? text)
    {
        var value = text?.Trim();
        return value switch
        {
            null or "" => VlanBackend.Netlink,
            _ when value.Equals("netlink", StringComparison.OrdinalIgnoreCase) => VlanBackend.Netlink,
            _ when value.Equals("ip", StringComparison.OrdinalIgnoreCase) => VlanBackend.Ip,
            _ => throw new VlanException(
                ErrorIds.BackendUnknown,
                VlanErrorKind.InvalidArgument,
                value,
                $"VIRTUALLAN_BACKEND is '{value}', which names no backend. Set it to 'netlink' (the default: changes and reads over netlink sockets) or 'ip' (ip processes), or unset it, and run the command again."),
        };
    }
}

/// <summary>What makes and reads the kernel's links, addresses, routes and namespaces; firewall changes always go through iptables-restore.</summary>
public enum VlanBackend
{
    /// <summary><c>ip</c> processes: one <c>ip -batch</c> per namespace and group of steps, reads with <c>ip -json</c>.</summary>
    Ip,

    /// <summary>rtnetlink sockets opened inside each namespace; no process per namespace.</summary>
    Netlink,
}
