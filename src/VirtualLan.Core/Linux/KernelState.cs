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
    private readonly Dictionary<string, FirewallState> _firewalls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FirewallState> _firewalls6 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<RouteState>> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sysctls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<System.Net.IPAddress>> _neighbors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ConntrackFlow>> _flows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _derived = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, IReadOnlyList<string>>? _processes;
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

    /// <summary>Returns the iptables rules of a namespace (null: the process's own), reading them on first use.</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The rules; empty when the namespace does not exist.</returns>
    public FirewallState Firewall(string? namespaceName)
    {
        var key = namespaceName ?? string.Empty;
        if (!_firewalls.TryGetValue(key, out var state))
        {
            state = namespaceName is not null && !Exists(namespaceName)
                ? FirewallState.Empty
                : FirewallState.Parse(Read(NetworkHost.ExecIn(namespaceName, "iptables-save", Array.Empty<string>())));
            _firewalls[key] = state;
        }

        return state;
    }

    /// <summary>Returns the ip6tables rules of a namespace (null: the process's own), reading them on first use.</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The rules; empty when the namespace does not exist.</returns>
    public FirewallState Firewall6(string? namespaceName)
    {
        var key = namespaceName ?? string.Empty;
        if (!_firewalls6.TryGetValue(key, out var state))
        {
            state = namespaceName is not null && !Exists(namespaceName)
                ? FirewallState.Empty
                : FirewallState.Parse(Read(NetworkHost.ExecIn(namespaceName, "ip6tables-save", Array.Empty<string>())));
            _firewalls6[key] = state;
        }

        return state;
    }

    /// <summary>Returns the IPv4 routes of the main table of a namespace (null: the process's own).</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The routes; empty when the namespace does not exist.</returns>
    public IReadOnlyList<RouteState> Routes(string? namespaceName)
    {
        var key = namespaceName ?? string.Empty;
        if (!_routes.TryGetValue(key, out var routes))
        {
            routes = namespaceName is not null && !Exists(namespaceName)
                ? Array.Empty<RouteState>()
                : RouteState.ParseAll(Read(NetworkHost.IpIn(namespaceName, new[] { "-4", "-json", "route", "show" })));
            _routes[key] = routes;
        }

        return routes;
    }

    /// <summary>Returns a sysctl's value inside a namespace, or null when the namespace does not exist.</summary>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="key">The key, such as net.ipv4.ip_forward.</param>
    /// <returns>The value.</returns>
    public string? Sysctl(string? namespaceName, string key)
    {
        if (namespaceName is not null && !Exists(namespaceName))
        {
            return null;
        }

        var cacheKey = (namespaceName ?? string.Empty) + "/" + key;
        if (!_sysctls.TryGetValue(cacheKey, out var value))
        {
            value = Read(NetworkHost.ExecIn(namespaceName, "sysctl", new[] { "-n", key })).Trim();
            _sysctls[cacheKey] = value;
        }

        return value;
    }

    /// <summary>
    /// Returns several sysctls' values inside a namespace, reading those not yet known with one
    /// <c>sysctl -n</c>; null when the namespace does not exist.
    /// </summary>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="keys">The keys, such as net.ipv4.conf.all.rp_filter.</param>
    /// <returns>The values, in the order of the keys.</returns>
    public IReadOnlyList<string>? Sysctls(string? namespaceName, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (namespaceName is not null && !Exists(namespaceName))
        {
            return null;
        }

        var prefix = (namespaceName ?? string.Empty) + "/";
        var missing = keys.Where(k => !_sysctls.ContainsKey(prefix + k)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            var values = Read(NetworkHost.ExecIn(namespaceName, "sysctl", new[] { "-n" }.Concat(missing))).Split('\n');
            for (var i = 0; i < missing.Length; i++)
            {
                _sysctls[prefix + missing[i]] = i < values.Length ? values[i].Trim() : string.Empty;
            }
        }

        return keys.Select(k => _sysctls[prefix + k]).ToArray();
    }

    /// <summary>
    /// Returns the process ids running in a namespace. All namespaces are looked up in one pass over
    /// /proc on first use (no process started), so asking for hundreds costs no more than for one.
    /// </summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The ids; empty when the namespace does not exist or nothing runs in it.</returns>
    public IReadOnlyList<string> Pids(string namespaceName) =>
        (_processes ??= NamespaceProcesses.Scan()).TryGetValue(namespaceName, out var pids) ? pids : Array.Empty<string>();

    /// <summary>
    /// Returns the names of the namespaces a namespace has a peer in (the ids it assigned, as
    /// <c>ip netns list-id</c> prints them): those a veth of it reaches into. Not cached.
    /// </summary>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <returns>The names under /run/netns of its peers.</returns>
    public IReadOnlyList<string> PeerNamespaces(string? namespaceName) =>
        IpJson.ParseNamespaces(Read(NetworkHost.IpIn(namespaceName, new[] { "-json", "netns", "list-id" })));

    /// <summary>Returns the IPv4 neighbours the host has seen on a link, read once per cmdlet call.</summary>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="link">The link, usually a bridge.</param>
    /// <returns>The neighbours' addresses.</returns>
    public IReadOnlyList<System.Net.IPAddress> Neighbors(string? namespaceName, string link)
    {
        var key = (namespaceName ?? string.Empty) + "/" + link;
        if (!_neighbors.TryGetValue(key, out var neighbors))
        {
            neighbors = RouteState.ParseNeighbors(Read(NetworkHost.IpIn(namespaceName, new[] { "-4", "-json", "neigh", "show", "dev", link })));
            _neighbors[key] = neighbors;
        }

        return neighbors;
    }

    /// <summary>
    /// Returns the connection-tracking entries of a namespace, read once per cmdlet call with one
    /// <c>conntrack -L</c>; empty when the namespace does not exist or conntrack cannot list them.
    /// </summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <returns>The flows, in their original direction.</returns>
    public IReadOnlyList<ConntrackFlow> Flows(string namespaceName)
    {
        if (!_flows.TryGetValue(namespaceName, out var flows))
        {
            var command = NetworkHost.ExecIn(namespaceName, "conntrack", new[] { "-L" });
            var result = Exists(namespaceName) ? _runner.Run(command, null, CancellationToken.None) : null;
            flows = result is { Succeeded: true } ? ConntrackFlow.ParseAll(result.StandardOutput) : Array.Empty<ConntrackFlow>();
            _flows[namespaceName] = flows;
        }

        return flows;
    }

    /// <summary>
    /// Tells whether a namespace exists: a name under /run/netns, or a path such as
    /// /proc/PID/ns/net (a container's namespace, which has no name).
    /// </summary>
    /// <param name="namespaceName">The name or path.</param>
    /// <returns>True when it exists.</returns>
    public bool Exists(string namespaceName) =>
        NetworkHost.IsPath(namespaceName) ? File.Exists(namespaceName) : NamespaceNames.Contains(namespaceName, StringComparer.Ordinal);

    /// <summary>
    /// Returns what a planner derived from this state (such as the list of forwards parsed from the
    /// rules), computing it on first use, so planning hundreds of inputs from one state parses once.
    /// </summary>
    /// <typeparam name="T">The type of what is derived.</typeparam>
    /// <param name="key">A key naming what is derived and from which namespace.</param>
    /// <param name="derive">Computes it from the state.</param>
    /// <returns>The value, computed once until <see cref="Invalidate"/>.</returns>
    public T Derived<T>(string key, Func<T> derive)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(derive);
        if (!_derived.TryGetValue(key, out var value))
        {
            value = derive();
            _derived[key] = value;
        }

        return (T)value;
    }

    /// <summary>Forgets what was read, so the next question reads the kernel again (after a plan was applied).</summary>
    public void Invalidate()
    {
        _own = null;
        _namespaceNames = null;
        _namespaces.Clear();
        _firewalls.Clear();
        _firewalls6.Clear();
        _routes.Clear();
        _sysctls.Clear();
        _neighbors.Clear();
        _flows.Clear();
        _processes = null;
        _derived.Clear();
    }

    private NamespaceState ReadLinks(string? namespaceName)
    {
        if (namespaceName is not null && !Exists(namespaceName))
        {
            return new NamespaceState(namespaceName, exists: false, Array.Empty<LinkState>());
        }

        var json = Read(NetworkHost.IpIn(namespaceName, new[] { "-details", "-json", "addr", "show" }));
        return new NamespaceState(namespaceName, exists: true, IpJson.ParseLinks(json));
    }

    private IReadOnlyList<string> ReadNamespaceNames() =>
        IpJson.ParseNamespaces(Read(new CommandLine("ip", "-json", "netns", "list")));

    private string Read(CommandLine command)
    {
        var result = _runner.Run(command, null, CancellationToken.None);
        return result.Succeeded
            ? result.StandardOutput
            : throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>());
    }
}
