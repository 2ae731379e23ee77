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
    public CommandLine Ip(params string[] arguments) => Namespace.Ip(arguments);

    /// <summary>Gets the namespace that plays the host: the sandbox's, or the process's own.</summary>
    public NetNamespace Namespace => Sandbox is null ? NetNamespace.Own : NetNamespace.Named(Sandbox);

    /// <summary>Builds an <c>ip</c> command that acts on a given namespace.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="arguments">The arguments after <c>ip</c>.</param>
    /// <returns>The command line.</returns>
    public static CommandLine IpIn(NetNamespace at, IEnumerable<string> arguments) => at.Ip(arguments);

    /// <summary>Builds a command that runs a program inside a namespace.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The command line.</returns>
    public static CommandLine ExecIn(NetNamespace at, string program, IEnumerable<string> arguments) => at.Exec(program, arguments);

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
