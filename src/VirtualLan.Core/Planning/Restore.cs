using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Planning;

/// <summary>
/// The undo of teardown steps: the commands that put back what a step removes (a link with its
/// settings and routes, a namespace with its firewall), read from the state the plan was made from.
/// Rollback runs them in reverse step order, so each step's undo finds the state that step left.
/// </summary>
internal static class Restore
{
    /// <summary>
    /// The commands that recreate a veth pair deleted by one <c>ip link del</c>: both ends with their
    /// MAC, MTU and alias, the master and state of each, the addresses of each, and the routes through each.
    /// </summary>
    /// <param name="state">The state before the deletion.</param>
    /// <param name="ns">The namespace of the end that is deleted.</param>
    /// <param name="end">That end.</param>
    /// <param name="peerNs">The namespace of the other end.</param>
    /// <param name="peer">The other end, or null when it is not to be found (then only the name is known).</param>
    /// <param name="peerName">The other end's name.</param>
    /// <returns>The commands, in order.</returns>
    public static IReadOnlyList<CommandLine> Veth(KernelState state, NetNamespace ns, LinkState end, NetNamespace peerNs, LinkState? peer, string peerName)
    {
        var add = new List<string> { "link", "add", end.Name };
        add.AddRange(Identity(end));
        add.AddRange(new[] { "type", "veth", "peer", "name", peerName });
        if (peer is not null)
        {
            add.AddRange(Identity(peer));
        }

        if (peerNs != ns)
        {
            add.AddRange(new[] { "netns", peerNs.Text ?? throw new InvalidOperationException("A peer in the process's own namespace cannot be named from a sandbox.") });
        }

        var commands = new List<CommandLine> { NetworkHost.IpIn(ns, add) };
        commands.AddRange(Settings(state, ns, end, master: true));
        if (peer is not null)
        {
            commands.AddRange(Settings(state, peerNs, peer, master: true));
        }

        return commands;
    }

    /// <summary>The commands that recreate a bridge deleted by <c>ip link del</c>, with its ports plugged back in.</summary>
    /// <param name="state">The state before the deletion.</param>
    /// <param name="ns">The bridge's namespace.</param>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The commands, in order.</returns>
    public static IReadOnlyList<CommandLine> Bridge(KernelState state, NetNamespace ns, LinkState bridge)
    {
        var add = new List<string> { "link", "add", "name", bridge.Name };
        add.AddRange(Identity(bridge));
        add.AddRange(new[] { "type", "bridge" });
        var commands = new List<CommandLine> { NetworkHost.IpIn(ns, add) };
        commands.AddRange(Settings(state, ns, bridge, master: true));
        commands.AddRange(state.Links(ns).PortsOf(bridge.Name).Select(port => NetworkHost.IpIn(ns, new[] { "link", "set", "dev", port, "master", bridge.Name })));
        return commands;
    }

    /// <summary>The commands that recreate a tap deleted by <c>ip tuntap del</c>, with its owner and settings.</summary>
    /// <param name="state">The state before the deletion.</param>
    /// <param name="ns">The tap's namespace.</param>
    /// <param name="tap">The tap, as it will be just before the deletion.</param>
    /// <param name="master">Whether to plug it back into its master (false when an earlier step of the plan unplugs it).</param>
    /// <returns>The commands, in order.</returns>
    public static IReadOnlyList<CommandLine> Tap(KernelState state, NetNamespace ns, LinkState tap, bool master)
    {
        var add = new List<string> { "tuntap", "add", "dev", tap.Name, "mode", "tap" };
        if (tap.TunOwner is not null)
        {
            add.AddRange(new[] { "user", tap.TunOwner });
        }

        var commands = new List<CommandLine> { NetworkHost.IpIn(ns, add) };
        var identity = Identity(tap);
        if (identity.Count > 0)
        {
            commands.Add(NetworkHost.IpIn(ns, new[] { "link", "set", "dev", tap.Name }.Concat(identity)));
        }

        commands.AddRange(Settings(state, ns, tap, master));
        return commands;
    }

    /// <summary>
    /// The commands that give a link back its alias, master, addresses, state and the routes through it
    /// (the kernel's own routes for the addresses come back with them).
    /// </summary>
    /// <param name="state">The state to restore.</param>
    /// <param name="ns">The link's namespace.</param>
    /// <param name="link">The link as it was.</param>
    /// <param name="master">Whether to plug it into its master.</param>
    /// <returns>The commands, in order.</returns>
    public static IEnumerable<CommandLine> Settings(KernelState state, NetNamespace ns, LinkState link, bool master)
    {
        if (!string.IsNullOrEmpty(link.Alias))
        {
            yield return NetworkHost.IpIn(ns, new[] { "link", "set", "dev", link.Name, "alias", link.Alias });
        }

        if (master && link.Master is not null)
        {
            yield return NetworkHost.IpIn(ns, new[] { "link", "set", "dev", link.Name, "master", link.Master });
        }

        foreach (var address in link.Addresses)
        {
            yield return NetworkHost.IpIn(ns, new[] { "addr", "add", address.ToString(), "dev", link.Name });
        }

        if (link.IsUp)
        {
            yield return NetworkHost.IpIn(ns, new[] { "link", "set", "dev", link.Name, "up" });
        }

        foreach (var route in Routes(state, ns, link.Name))
        {
            yield return route;
        }
    }

    /// <summary>The commands that add back the routes through a link that its addresses do not bring back.</summary>
    /// <param name="state">The state to restore.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="link">The link.</param>
    /// <returns>The commands.</returns>
    public static IEnumerable<CommandLine> Routes(KernelState state, NetNamespace ns, string link) =>
        state.Routes(ns).Where(r => r.Device == link && r.AddArguments is not null).Select(r => NetworkHost.IpIn(ns, r.AddArguments!));

    /// <summary>The commands that rebuild a rule set in an empty namespace: policies, user chains, then the rules in order.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="firewall">The rule set.</param>
    /// <returns>The commands.</returns>
    public static IEnumerable<CommandLine> Firewall(NetNamespace ns, FirewallState firewall) => Firewall(ns, firewall, "iptables");

    /// <summary>The commands that rebuild a rule set in an empty namespace with iptables or ip6tables.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="firewall">The rule set.</param>
    /// <param name="program">iptables or ip6tables.</param>
    /// <returns>The commands.</returns>
    public static IEnumerable<CommandLine> Firewall(NetNamespace ns, FirewallState firewall, string program)
    {
        ArgumentNullException.ThrowIfNull(firewall);
        foreach (var table in firewall.Tables)
        {
            IEnumerable<string> Iptables(params string[] arguments) => new[] { "-w", "-t", table }.Concat(arguments);
            foreach (var (chain, policy) in firewall.Chains(table))
            {
                if (policy == "-")
                {
                    yield return NetworkHost.ExecIn(ns, program, Iptables("-N", chain));
                }
                else if (policy != "ACCEPT")
                {
                    yield return NetworkHost.ExecIn(ns, program, Iptables("-P", chain, policy));
                }
            }

            foreach (var rule in firewall.Rules(table))
            {
                yield return NetworkHost.ExecIn(ns, program, Iptables().Concat(RestoreInput.Split(rule)));
            }
        }
    }

    /// <summary>The MAC address and MTU of a link, as <c>ip link add</c> arguments.</summary>
    private static List<string> Identity(LinkState link)
    {
        var arguments = new List<string>();
        if (link.MacAddress is { Length: > 0 } mac)
        {
            arguments.AddRange(new[] { "address", mac });
        }

        if (link.Mtu > 0)
        {
            arguments.AddRange(new[] { "mtu", link.Mtu.ToString(CultureInfo.InvariantCulture) });
        }

        return arguments;
    }
}

/// <summary>
/// Plans rule and chain deletions so that each is undone exactly: a deleted rule is inserted back
/// at the position it had just before its step. The position is settled when the plan runs
/// (<see cref="Execution.RulePositions"/>), from the rules read before it and the rule changes that
/// run before the step, whichever plans they come from; here the undo re-adds the rule.
/// </summary>
internal static class RuleRemoval
{
    /// <summary>Plans deleting a rule, undone by inserting it back where it was.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="description">What the step does.</param>
    /// <param name="table">The table.</param>
    /// <param name="rule">The rule as appended (<c>-A CHAIN …</c>).</param>
    /// <returns>The step.</returns>
    public static Step Delete(NetNamespace ns, string description, string table, string[] rule) =>
        Delete(new DeleteRule(ns, table, rule[1], rule[2..]), description);

    /// <summary>Plans a rule deletion, undone by inserting the rule back where it was.</summary>
    /// <param name="rule">The deletion.</param>
    /// <param name="description">What the step does.</param>
    /// <returns>The step, carrying the operation; it always runs (a rule found gone fails it).</returns>
    public static Step Delete(DeleteRule rule, string description) =>
        Step.Firewall(description, rule.Namespace, rule.Table, rule.Arguments.ToArray(), rule.UndoArguments.ToArray(), null).Carrying(rule);

    /// <summary>Plans deleting an empty user chain, undone by creating it again.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="description">What the step does.</param>
    /// <param name="table">The table.</param>
    /// <param name="chain">The chain.</param>
    /// <returns>The step.</returns>
    public static Step DeleteChain(NetNamespace ns, string description, string table, string chain)
    {
        var delete = new DeleteChain(ns, table, chain);
        return Step.Firewall(description, ns, table, delete.Arguments.ToArray(), delete.UndoArguments.ToArray(), null).Carrying(delete);
    }
}
