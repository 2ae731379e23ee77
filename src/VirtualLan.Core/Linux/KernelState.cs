using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// What the kernel holds, read lazily and at most once per namespace for the life of one cmdlet
/// call. Planners decide from it and plan steps test "already done" against it.
/// </summary>
public sealed class KernelState
{
    private readonly ICommandRunner _runner;
    private readonly Dictionary<string, NamespaceState> _namespaces = new(StringComparer.Ordinal);
    private NamespaceState? _own;
    private IReadOnlyList<string>? _namespaceNames;

    /// <summary>Initializes a new instance of the <see cref="KernelState"/> class.</summary>
    /// <param name="runner">Runs the read commands.</param>
    public KernelState(ICommandRunner runner)
    {
        _runner = runner;
    }

    /// <summary>Gets the names of all network namespaces under /run/netns.</summary>
    public IReadOnlyList<string> NamespaceNames => _namespaceNames ??= ReadNamespaceNames();

    /// <summary>Returns the links of a namespace (null: the process's own), reading them on first use.</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>Its state; <see cref="NamespaceState.Exists"/> is false when it does not exist.</returns>
    public NamespaceState Links(string? namespaceName)
    {
        if (namespaceName is null)
        {
            return _own ??= ReadLinks(null);
        }

        if (!_namespaces.TryGetValue(namespaceName, out var state))
        {
            state = ReadLinks(namespaceName);
            _namespaces[namespaceName] = state;
        }

        return state;
    }

    /// <summary>Forgets what was read, so the next question reads the kernel again (after a plan was applied).</summary>
    public void Invalidate()
    {
        _own = null;
        _namespaceNames = null;
        _namespaces.Clear();
    }

    private NamespaceState ReadLinks(string? namespaceName)
    {
        if (namespaceName is not null && !NamespaceNames.Contains(namespaceName, StringComparer.Ordinal))
        {
            return new NamespaceState(namespaceName, exists: false, Array.Empty<LinkState>());
        }

        var command = NetworkHost.IpIn(namespaceName, new[] { "-details", "-json", "addr", "show" });
        var result = _runner.Run(command, null, CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
        }

        return new NamespaceState(namespaceName, exists: true, IpJson.ParseLinks(result.StandardOutput));
    }

    private IReadOnlyList<string> ReadNamespaceNames()
    {
        var command = new CommandLine("ip", "-json", "netns", "list");
        var result = _runner.Run(command, null, CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
        }

        return IpJson.ParseNamespaces(result.StandardOutput);
    }
}
