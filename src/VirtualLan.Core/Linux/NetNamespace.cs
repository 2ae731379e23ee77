using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// A network namespace as the module addresses it: the process's own, one named under /run/netns,
/// or one reached by a path such as a container's /proc/PID/ns/net. One value, one meaning, in
/// place of a nullable string whose form said which.
/// </summary>
public readonly record struct NetNamespace
{
    private readonly string? _value;

    private NetNamespace(string? value)
    {
        _value = value;
    }

    /// <summary>Gets the process's own namespace.</summary>
    public static NetNamespace Own => default;

    /// <summary>Gets a value indicating whether this is the process's own namespace.</summary>
    public bool IsOwn => _value is null;

    /// <summary>Gets a value indicating whether this namespace is reached by a path rather than a name.</summary>
    public bool IsPath => _value is not null && _value.StartsWith('/');

    /// <summary>Gets the name under /run/netns, or null for the own namespace and for a path.</summary>
    public string? Name => IsPath ? null : _value;

    /// <summary>
    /// Gets the string form the execution layer takes (<see cref="NetworkHost.IpIn"/>): null for the
    /// own namespace, the name, or the path.
    /// </summary>
    public string? Text => _value;

    /// <summary>Returns the namespace named under /run/netns.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The namespace.</returns>
    public static NetNamespace Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return name.StartsWith('/') ? throw new ArgumentException($"'{name}' is a path, not a namespace name.", nameof(name)) : new NetNamespace(name);
    }

    /// <summary>Returns the namespace a path leads to, such as /proc/PID/ns/net.</summary>
    /// <param name="path">The absolute path.</param>
    /// <returns>The namespace.</returns>
    public static NetNamespace AtPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return path.StartsWith('/') ? new NetNamespace(path) : throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
    }

    /// <summary>Reads the string form (<see cref="Text"/>) back.</summary>
    /// <param name="text">Null, a name or a path.</param>
    /// <returns>The namespace.</returns>
    public static NetNamespace From(string? text) =>
        text is null ? Own : text.StartsWith('/') ? AtPath(text) : Named(text);

    /// <summary>
    /// Reads the stored form of a namespace (a record's name, the sandbox's name, a container's
    /// /proc/PID/ns/net) where a namespace is asked for: the one decoder, <see cref="From"/>.
    /// </summary>
    /// <param name="text">Null, a name or a path.</param>
    public static implicit operator NetNamespace(string? text) => From(text);

    /// <summary>
    /// Builds an <c>ip</c> command that acts in this namespace: <c>ip</c> for the own, <c>ip -n NAME</c>
    /// for a name, and through nsenter for a path.
    /// </summary>
    /// <param name="arguments">The arguments after <c>ip</c>.</param>
    /// <returns>The command line.</returns>
    public CommandLine Ip(IEnumerable<string> arguments) =>
        IsOwn ? new CommandLine("ip", arguments)
        : IsPath ? new CommandLine("nsenter", new[] { "--net=" + _value, "ip" }.Concat(arguments))
        : new CommandLine("ip", new[] { "-n", _value! }.Concat(arguments));

    /// <summary>Builds a command that runs a program in this namespace (<c>ip netns exec</c> for a name, nsenter for a path).</summary>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The command line.</returns>
    public CommandLine Exec(string program, IEnumerable<string> arguments) =>
        IsOwn ? new CommandLine(program, arguments)
        : IsPath ? new CommandLine("nsenter", new[] { "--net=" + _value, program }.Concat(arguments))
        : new CommandLine("ip", new[] { "netns", "exec", _value!, program }.Concat(arguments));

    /// <inheritdoc />
    public override string ToString() => _value ?? "(own)";
}
