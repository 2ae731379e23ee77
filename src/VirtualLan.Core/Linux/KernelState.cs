using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// What the kernel holds, read lazily and at most once per namespace for the life of one cmdlet
/// call. Planners decide from it and plan steps test "already done" against it.
/// </summary>
public sealed class KernelState
{
    private readonly ICommandRunner _runner;
    private readonly IKernelReader _reader;
    private readonly Dictionary<NetNamespace, NamespaceState> _namespaces = new();
    private readonly Dictionary<NetNamespace, FirewallState> _firewalls = new();
    private readonly Dictionary<NetNamespace, FirewallState> _firewalls6 = new();
    private readonly Dictionary<NetNamespace, IReadOnlyDictionary<string, string>?> _policies = new();
    private readonly Dictionary<NetNamespace, IReadOnlyList<RouteState>> _routes = new();
    private readonly Dictionary<string, string> _sysctls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<Neighbor>> _neighbors = new(StringComparer.Ordinal);
    private readonly Dictionary<NetNamespace, IReadOnlyList<ConntrackFlow>> _flows = new();
    private readonly Dictionary<string, object> _derived = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, IReadOnlyList<string>>? _processes;
    private IReadOnlyList<string>? _namespaceNames;

    /// <summary>Initializes a new instance of the <see cref="KernelState"/> class.</summary>
    /// <param name="runner">Runs the read commands.</param>
    /// <param name="reader">Reads links, routes, neighbours and namespaces; null reads them with <c>ip -json</c> through the runner.</param>
    public KernelState(ICommandRunner runner, IKernelReader? reader = null)
    {
        _runner = runner;
        _reader = reader ?? new CommandLineKernelReader(runner);
    }

    /// <summary>Gets the names of all network namespaces under /run/netns.</summary>
    public IReadOnlyList<string> NamespaceNames => _namespaceNames ??= ReadNamespaceNames();

    /// <summary>Returns the links of a namespace , reading them on first use.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>Its state; <see cref="NamespaceState.Exists"/> is false when it does not exist.</returns>
    public NamespaceState Links(NetNamespace at)
    {
        if (!_namespaces.TryGetValue(at, out var state))
        {
            state = ReadLinks(at);
            _namespaces[at] = state;
        }

        return state;
    }

    /// <summary>Returns the iptables rules of a namespace , reading them on first use.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The rules; empty when the namespace does not exist.</returns>
    public FirewallState Firewall(NetNamespace at)
    {
        if (!_firewalls.TryGetValue(at, out var state))
        {
            state = !Exists(at)
                ? FirewallState.Empty
                : FirewallState.Parse(Read(at.Exec("iptables-save", Array.Empty<string>())));
            _firewalls[at] = state;
        }

        return state;
    }

    /// <summary>
    /// Returns the policy of a built-in IPv4 chain: from the rules when they were read already, else
    /// from the chains alone where the reader can (nf_tables over netlink), else from iptables-save.
    /// </summary>
    /// <param name="at">The namespace.</param>
    /// <param name="table">The table.</param>
    /// <param name="chain">The chain.</param>
    /// <returns>ACCEPT or DROP; null when the chain does not exist (or the namespace).</returns>
    public string? Policy(NetNamespace at, string table, string chain)
    {
        if (_firewalls.TryGetValue(at, out var firewall))
        {
            return firewall.Policy(table, chain);
        }

        if (!Exists(at))
        {
            return null;
        }

        if (!_policies.TryGetValue(at, out var policies))
        {
            policies = _reader.ChainPolicies(at);
            _policies[at] = policies;
        }

        return policies is null ? Firewall(at).Policy(table, chain) : policies.GetValueOrDefault(table + "/" + chain);
    }

    /// <summary>Returns the ip6tables rules of a namespace , reading them on first use.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The rules; empty when the namespace does not exist.</returns>
    public FirewallState Firewall6(NetNamespace at)
    {
        if (!_firewalls6.TryGetValue(at, out var state))
        {
            state = !Exists(at)
                ? FirewallState.Empty
                : FirewallState.Parse(Read(at.Exec("ip6tables-save", Array.Empty<string>())));
            _firewalls6[at] = state;
        }

        return state;
    }

    /// <summary>Returns the IPv4 routes of the main table of a namespace .</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The routes; empty when the namespace does not exist.</returns>
    public IReadOnlyList<RouteState> Routes(NetNamespace at)
    {
        if (!_routes.TryGetValue(at, out var routes))
        {
            routes = !Exists(at)
                ? Array.Empty<RouteState>()
                : _reader.Routes(at);
            _routes[at] = routes;
        }

        return routes;
    }

    /// <summary>Returns a sysctl's value inside a namespace, or null when the namespace does not exist.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="key">The key, such as net.ipv4.ip_forward.</param>
    /// <returns>The value.</returns>
    public string? Sysctl(NetNamespace at, string key)
    {
        if (!Exists(at))
        {
            return null;
        }

        var cacheKey = at.Text + "/" + key;
        if (!_sysctls.TryGetValue(cacheKey, out var value))
        {
            value = _reader.Sysctls(at, new[] { key }).Trim();
            _sysctls[cacheKey] = value;
        }

        return value;
    }

    /// <summary>
    /// Returns several sysctls' values inside a namespace, reading those not yet known with one
    /// <c>sysctl -n</c>; null when the namespace does not exist.
    /// </summary>
    /// <param name="at">The namespace.</param>
    /// <param name="keys">The keys, such as net.ipv4.conf.all.rp_filter.</param>
    /// <returns>The values, in the order of the keys.</returns>
    public IReadOnlyList<string>? Sysctls(NetNamespace at, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!Exists(at))
        {
            return null;
        }

        var prefix = at.Text + "/";
        var missing = keys.Where(k => !_sysctls.ContainsKey(prefix + k)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            var values = _reader.Sysctls(at, missing).Split('\n');
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
    /// <param name="at">The namespace.</param>
    /// <returns>The ids; empty when the namespace does not exist or nothing runs in it.</returns>
    public IReadOnlyList<string> Pids(NetNamespace at) =>
        at.Name is { } name && (_processes ??= NamespaceProcesses.Scan()).TryGetValue(name, out var pids) ? pids : Array.Empty<string>();

    /// <summary>
    /// Returns the names of the namespaces a namespace has a peer in (those it assigned an id to, as
    /// <c>ip -n NS netns list</c> prints them): those a veth of it reaches into. Not cached.
    /// </summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The names under /run/netns of its peers.</returns>
    public IReadOnlyList<string> PeerNamespaces(NetNamespace at) => _reader.PeerNamespaces(at);

    /// <summary>Tells whether a UDP port is bound in a namespace (<c>ss -Huln</c>), by a program or a kernel socket.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="port">The port.</param>
    /// <returns>True when something listens on it.</returns>
    public bool UdpPortBound(NetNamespace at, int port)
    {
        var suffix = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Read(at.Exec("ss", new[] { "-H", "-u", "-l", "-n" }))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length >= 4 && f[3].EndsWith(suffix, StringComparison.Ordinal));
    }

    /// <summary>Returns the IPv4 neighbours the host has seen on a link, read once per cmdlet call.</summary>
    /// <param name="at">The namespace.</param>
    /// <param name="link">The link, usually a bridge.</param>
    /// <returns>The neighbours' addresses.</returns>
    public IReadOnlyList<Neighbor> Neighbors(NetNamespace at, string link)
    {
        var key = at.Text + "/" + link;
        if (!_neighbors.TryGetValue(key, out var neighbors))
        {
            neighbors = _reader.Neighbors(at, link);
            _neighbors[key] = neighbors;
        }

        return neighbors;
    }

    /// <summary>
    /// Returns the connection-tracking entries of a namespace, read once per cmdlet call with one
    /// <c>conntrack -L</c>; empty when the namespace does not exist or conntrack cannot list them.
    /// </summary>
    /// <param name="at">The namespace.</param>
    /// <returns>The flows, in their original direction.</returns>
    public IReadOnlyList<ConntrackFlow> Flows(NetNamespace at)
    {
        if (!_flows.TryGetValue(at, out var flows))
        {
            var command = at.Exec("conntrack", new[] { "-L" });
            var result = Exists(at) ? _runner.Run(command, null, CancellationToken.None) : null;
            flows = result is { Succeeded: true } ? ConntrackFlow.ParseAll(result.StandardOutput) : Array.Empty<ConntrackFlow>();
            _flows[at] = flows;
        }

        return flows;
    }

    /// <summary>
    /// Tells whether a namespace exists: a name under /run/netns, or a path such as
    /// /proc/PID/ns/net (a container's namespace, which has no name).
    /// </summary>
    /// <param name="at">The namespace; the process's own always exists.</param>
    /// <returns>True when it exists.</returns>
    public bool Exists(NetNamespace at) =>
        at.IsOwn || (at.IsPath ? File.Exists(at.Text) : NamespaceNames.Contains(at.Name!, StringComparer.Ordinal));

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
        _namespaceNames = null;
        _namespaces.Clear();
        _firewalls.Clear();
        _firewalls6.Clear();
        _policies.Clear();
        _routes.Clear();
        _sysctls.Clear();
        _neighbors.Clear();
        _flows.Clear();
        _processes = null;
        _derived.Clear();
    }

    private NamespaceState ReadLinks(NetNamespace at)
    {
        if (!Exists(at))
        {
            return new NamespaceState(at, exists: false, Array.Empty<LinkState>());
        }

        try
        {
            return new NamespaceState(at, exists: true, _reader.Links(at));
        }
        catch (CommandFailedException) when (at.Name is { } name && !_reader.NamespaceNames().Contains(name, StringComparer.Ordinal))
        {
            // Deleted by someone else between the listing and this read: it is gone, not an error.
            return new NamespaceState(at, exists: false, Array.Empty<LinkState>());
        }
    }

    private IReadOnlyList<string> ReadNamespaceNames() => _reader.NamespaceNames();

    private string Read(CommandLine command) => CommandLineKernelReader.Read(_runner, command);
}
