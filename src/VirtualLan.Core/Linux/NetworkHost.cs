using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// The network namespace that plays "the host" for a cmdlet: the machine's own namespace, or a
/// sandbox namespace that stands in for it so a user can rehearse without risking the connection.
/// </summary>
public sealed class NetworkHost
{
    private NetworkHost(string? sandbox)
    {
        Sandbox = sandbox;
    }

    /// <summary>Gets the machine's own network namespace.</summary>
    public static NetworkHost Machine { get; } = new(null);

    /// <summary>Gets the sandbox namespace standing in for the host, or null for the machine's own.</summary>
    public string? Sandbox { get; }

    /// <summary>Gets the name shown to users for this host: the sandbox name, or "host".</summary>
    public string DisplayName => Sandbox ?? "host";

    /// <summary>Returns the host played by a sandbox namespace.</summary>
    /// <param name="sandbox">The sandbox namespace name.</param>
    /// <returns>The host.</returns>
    public static NetworkHost InSandbox(string sandbox)
    {
        ArgumentException.ThrowIfNullOrEmpty(sandbox);
        return new NetworkHost(sandbox);
    }

    /// <summary>
    /// Maps the name of a namespace the module makes (a router, say) to the name it has on the
    /// machine: inside a sandbox it is prefixed with the sandbox name, so that sandboxes never
    /// collide with each other or with the machine's own namespaces.
    /// </summary>
    /// <param name="name">The name the user sees.</param>
    /// <returns>The name under /run/netns.</returns>
    public string NamespaceFor(string name) => Sandbox is null ? name : $"{Sandbox}.{name}";

    /// <summary>Builds an <c>ip</c> command that acts on this host.</summary>
    /// <param name="arguments">The arguments after <c>ip</c>.</param>
    /// <returns>The command line.</returns>
    public CommandLine Ip(params string[] arguments) => IpIn(Sandbox, arguments);

    /// <summary>Tells whether a namespace is given as a path (a container's /proc/PID/ns/net) rather than a name.</summary>
    /// <param name="namespaceName">The name or path.</param>
    /// <returns>True for a path.</returns>
    public static bool IsPath(string? namespaceName) => namespaceName is not null && namespaceName.StartsWith('/');

    /// <summary>
    /// Builds an <c>ip</c> command that acts on a given namespace: null for the process's own, a
    /// name under /run/netns (<c>ip -n</c>), or a path such as /proc/PID/ns/net (through nsenter).
    /// </summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <param name="arguments">The arguments after <c>ip</c>.</param>
    /// <returns>The command line.</returns>
    public static CommandLine IpIn(string? namespaceName, IEnumerable<string> arguments) =>
        namespaceName is null ? new CommandLine("ip", arguments)
        : IsPath(namespaceName) ? new CommandLine("nsenter", new[] { "--net=" + namespaceName, "ip" }.Concat(arguments))
        : new CommandLine("ip", new[] { "-n", namespaceName }.Concat(arguments));

    /// <summary>Builds a command that runs a program inside a namespace (null: the process's own; a path: through nsenter).</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The command line.</returns>
    public static CommandLine ExecIn(string? namespaceName, string program, IEnumerable<string> arguments) =>
        namespaceName is null ? new CommandLine(program, arguments)
        : IsPath(namespaceName) ? new CommandLine("nsenter", new[] { "--net=" + namespaceName, program }.Concat(arguments))
        : new CommandLine("ip", new[] { "netns", "exec", namespaceName, program }.Concat(arguments));

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
