using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>Reads the network's state with <c>ip -json</c>: one process per read.</summary>
public sealed class CommandLineKernelReader : IKernelReader
{
    private readonly ICommandRunner _runner;

    /// <summary>Initializes a new instance of the <see cref="CommandLineKernelReader"/> class.</summary>
    /// <param name="runner">Runs the commands.</param>
    public CommandLineKernelReader(ICommandRunner runner)
    {
        _runner = runner;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> NamespaceNames() =>
        IpJson.ParseNamespaces(Read(new CommandLine("ip", "-json", "netns", "list")));

    /// <inheritdoc />
    public IReadOnlyList<LinkState> Links(NetNamespace at) =>
        IpJson.ParseLinks(Read(at.Ip(new[] { "-details", "-json", "addr", "show" })));

    /// <inheritdoc />
    public IReadOnlyList<RouteState> Routes(NetNamespace at) =>
        RouteState.ParseAll(Read(at.Ip(new[] { "-4", "-json", "route", "show" })));

    /// <inheritdoc />
    public IReadOnlyList<Neighbor> Neighbors(NetNamespace at, string link) =>
        RouteState.ParseNeighbors(Read(at.Ip(new[] { "-4", "-json", "neigh", "show", "dev", link })));

    /// <inheritdoc />
    public IReadOnlyList<string> PeerNamespaces(NetNamespace at) =>
        IpJson.ParseNamespaces(Read(at.Ip(new[] { "-json", "netns", "list" })), withIdOnly: true);

    /// <inheritdoc />
    /// <remarks>ip cannot read them; iptables-save can, with the rules.</remarks>
    public IReadOnlyDictionary<string, string>? ChainPolicies(NetNamespace at) => null;

    /// <inheritdoc />
    public string Sysctls(NetNamespace at, IReadOnlyList<string> keys) =>
        Read(at.Exec("sysctl", new[] { "-n" }.Concat(keys)));

    /// <summary>Runs a read command and returns its output, or throws when it failed.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="command">The command.</param>
    /// <returns>Its standard output.</returns>
    /// <exception cref="CommandFailedException">It failed.</exception>
    internal static string Read(ICommandRunner runner, CommandLine command)
    {
        var result = runner.Run(command, null, CancellationToken.None);
        return result.Succeeded
            ? result.StandardOutput
            : throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
    }

    private string Read(CommandLine command) => Read(_runner, command);
}
