using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans seed 004's way out: the host forwards and masquerades a LAN out of its own uplink, with no
/// router namespace. The previous ip_forward value is kept in the comment of the MASQUERADE rule,
/// so whoever disables host NAT, in whatever session, restores it (<see cref="HostNatComment"/>;
/// <see cref="HostNatReader"/> reads it back).
/// </summary>
public sealed class HostNatService
{
    /// <summary>The module's chain in the host's nat table.</summary>
    public const string NatChain = "VLAN-HOSTNAT";

    /// <summary>The module's chain in the host's filter table.</summary>
    public const string ForwardChain = "VLAN-HOSTNAT-FWD";

    /// <summary>
    /// The module's chain in the host's mangle table (hooked from FORWARD): what may not cross the
    /// host to or from the LAN is dropped there, before the filter table, so neither the host's
    /// FORWARD policy nor other programs' ACCEPT rules in filter FORWARD open the LAN.
    /// </summary>
    public const string GuardChain = "VLAN-HOSTNAT-GUARD";

    private readonly NetworkHost _host;
    private readonly HostReaders _readers;

    /// <summary>Initializes a new instance of the <see cref="HostNatService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public HostNatService(NetworkHost host)
        : this(new HostReaders(host))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HostNatService"/> class.</summary>
    /// <param name="readers">The readers of the host.</param>
    public HostNatService(HostReaders readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _host = readers.Host;
    }

    /// <summary>The comment that names the bridge owning a host NAT rule.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string bridge) => new HostNatComment(bridge).Write();

    /// <summary>Plans host NAT for a bridge's LAN.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="uplink">The host's uplink.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The bridge or uplink do not fit, the bridge has a router, or host NAT is on through another uplink.</exception>
    public Plan PlanEnable(string bridgeName, string uplink, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Namespace;
        var at = h;
        var bridge = _readers.Bridge(Names.Interface(bridgeName, "Bridge"), state);
        var lan = (bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, bridgeName, $"The bridge '{bridgeName}' has no address, so there is no LAN to masquerade. Give it one with New-VlanBridge -Force.")).Network;
        Names.Interface(uplink, "Uplink");
        var link = state.Links(h).Link(uplink) ?? throw new VlanException(ErrorIds.UplinkNotFound, VlanErrorKind.ObjectNotFound, uplink, $"There is no link named '{uplink}' in {_host.DisplayName}. Give the link that reaches your network (wlan0, eth0 …) as -Uplink.");
        if (link.IsBridge && link.Name == bridgeName || link.Master is not null || link.Name == "lo")
        {
            throw new VlanException(ErrorIds.UplinkInvalid, VlanErrorKind.InvalidArgument, uplink, $"'{uplink}' cannot be the uplink: it is the LAN's own bridge, a bridge port or the loopback link.");
        }

        var routers = _readers.Routers.Routers(state);
        if (OwnObjects.WhyLink(link, routers) is { } own)
        {
            throw new VlanException(ErrorIds.UplinkInvalid, VlanErrorKind.InvalidArgument, uplink, $"'{uplink}' cannot be the uplink: {own}. Give the link that reaches your network (wlan0, eth0 …) as -Uplink.");
        }

        if (routers.FirstOrDefault(r => r.Bridge == bridgeName) is { } router)
        {
            throw new VlanException(ErrorIds.GatewayConflict, VlanErrorKind.InvalidOperation, bridgeName, $"The bridge '{bridgeName}' has the router namespace '{router.Name}' as its gateway. A LAN has one way out: remove the router first (Remove-VlanRouterNamespace -Name {router.Name}), or keep it and leave host NAT off.");
        }

        var existing = Read(bridgeName, state);
        if (existing is not null && existing.Uplink != uplink)
        {
            throw new VlanException(ErrorIds.GatewayConflict, VlanErrorKind.ResourceExists, bridgeName, $"Host NAT for '{bridgeName}' already goes out of '{existing.Uplink}'. Disable it first with Disable-VlanHostNat -Bridge {bridgeName}.");
        }

        var previous = existing?.PreviousIpForward ?? (List(state) is { Count: > 0 } others ? others[0].PreviousIpForward : null) ?? state.Sysctl(h, "net.ipv4.ip_forward") ?? "0";
        var steps = new List<Step>();
        foreach (var table in new[] { "nat", "filter", "mangle" })
        {
            steps.Add(new CreateChain(at, table, Chain(table)).ToStep());
            steps.Add(Hook(at, table).ToStep());
        }

        steps.AddRange(OwnedRules(at, bridgeName, lan, uplink, previous).Select(r => r.ToStep()));
        steps.Add(new SetSysctls(at, [(IpForward, "1")], [(IpForward, previous)]).ToStep($"Turn on IPv4 forwarding in {_host.DisplayName} (it was {previous})"));
        return new Plan($"Enable host NAT for {bridgeName} out of {uplink}", $"{bridgeName} in {_host.DisplayName}", steps);
    }

    /// <summary>Reads the host NAT of a bridge from its rules (delegates to HostNatReader).</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NAT, or null when it is off.</returns>
    public HostNat? Read(string bridgeName, KernelState state) => _readers.HostNat.Read(bridgeName, state);

    /// <summary>Lists the bridges whose LAN the host masquerades (delegates to HostNatReader).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NATs.</returns>
    public IReadOnlyList<HostNat> List(KernelState state) => _readers.HostNat.List(state);

    /// <summary>Plans turning host NAT off: its rules removed and ip_forward set back to what it was.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">Host NAT is not on for that bridge.</exception>
    public Plan PlanDisable(string bridgeName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Namespace;
        var at = h;
        var nat = Read(bridgeName, state) ?? throw new VlanException(ErrorIds.HostNatNotFound, VlanErrorKind.ObjectNotFound, bridgeName, $"Host NAT is not on for '{bridgeName}' in {_host.DisplayName}. Run Get-VlanHostNat to see where it is.");
        var firewall = state.Firewall(h);
        var steps = new List<Step>();

        // The MASQUERADE rule is the record (it keeps the old ip_forward), so it goes last, in one
        // transaction with the rest of the nat table: a run cut off half-way still finds host NAT, and
        // running Disable again finishes it. Forwarding is set back first, while the record is read.
        if (List(state).Count == 1)
        {
            steps.Add(new SetSysctls(at, [(IpForward, nat.PreviousIpForward)], [(IpForward, nat.IpForward)]).ToStep($"Set IPv4 forwarding in {_host.DisplayName} back to {nat.PreviousIpForward}"));
        }

        foreach (var table in new[] { "filter", "mangle", "nat" })
        {
            foreach (var rule in OwnedRules(at, bridgeName, nat.Subnet, nat.Uplink, nat.PreviousIpForward).Where(r => r.Table == table))
            {
                if (rule.IsDone(state))
                {
                    steps.Add(RuleRemoval.Delete(new DeleteRule(at, table, rule.Chain, rule.Spec), $"Remove {rule.Line}"));
                }
            }

            // The chain and its jump go with the last bridge that uses them.
            var chain = Chain(table);
            var others = firewall.Rules(table).Count(l => l.StartsWith("-A " + chain + " ", StringComparison.Ordinal) && !IsOwnedBy(l, bridgeName));
            if (others == 0)
            {
                var hook = Hook(at, table);
                if (hook.IsDone(state))
                {
                    steps.Add(RuleRemoval.Delete(new DeleteRule(at, table, hook.Chain, hook.Spec), $"Remove the jump to {chain}"));
                }

                if (firewall.HasChain(table, chain))
                {
                    steps.Add(RuleRemoval.DeleteChain(h, $"Delete the chain {chain}", table, chain));
                }
            }
        }

        return new Plan($"Disable host NAT for {bridgeName}", $"{bridgeName} in {_host.DisplayName}", steps);
    }

    private static string Chain(string table) => table switch { "nat" => NatChain, "mangle" => GuardChain, _ => ForwardChain };

    private const string IpForward = "net.ipv4.ip_forward";

    private static AppendRule Hook(NetNamespace at, string table) =>
        new(at, table, table == "nat" ? "POSTROUTING" : "FORWARD", ["-m", "comment", "--comment", HostNatComment.Hook, "-j", Chain(table)]);

    /// <summary>Tells whether a rule, as iptables-save prints it, carries a comment of the bridge's host NAT.</summary>
    private static bool IsOwnedBy(string line, string bridge)
    {
        const string Comment = "--comment \"";
        var start = line.IndexOf(Comment, StringComparison.Ordinal);
        var end = start < 0 ? -1 : line.IndexOf('"', start + Comment.Length);
        return end > 0 && HostNatComment.Parse(line[(start + Comment.Length)..end])?.Bridge == bridge;
    }

    private static IEnumerable<AppendRule> OwnedRules(NetNamespace at, string bridge, Ipv4Cidr lan, string uplink, string previous)
    {
        var owner = Owner(bridge);
        yield return new(at, "nat", NatChain, ["-s", lan.Network.ToString(), "-o", uplink, "-m", "comment", "--comment", new HostNatComment(bridge, previous).Write(), "-j", "MASQUERADE"]);
        yield return new(at, "filter", ForwardChain, ["-i", bridge, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "ACCEPT"]);
        yield return new(at, "filter", ForwardChain, ["-i", uplink, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", owner, "-j", "ACCEPT"]);

        // Into the LAN only the answers from the uplink; out of it only to the uplink (and, with
        // bridge netfilter, within it). Everything else crossing the host to or from the LAN is dropped.
        yield return new(at, "mangle", GuardChain, ["-i", uplink, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", owner, "-j", "RETURN"]);
        yield return new(at, "mangle", GuardChain, ["!", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", owner, "-j", "DROP"]);
        yield return new(at, "mangle", GuardChain, ["-i", bridge, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "RETURN"]);
        yield return new(at, "mangle", GuardChain, ["-i", bridge, "!", "-o", bridge, "-m", "comment", "--comment", owner, "-j", "DROP"]);
    }
}
