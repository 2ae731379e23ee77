using System.Text.RegularExpressions;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>
/// Plans seed 004's way out: the host forwards and masquerades a LAN out of its own uplink, with no
/// router namespace. The previous ip_forward value is kept in the comment of the MASQUERADE rule,
/// so whoever disables host NAT, in whatever session, restores it.
/// </summary>
public sealed partial class HostNatService
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

    /// <summary>Initializes a new instance of the <see cref="HostNatService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public HostNatService(NetworkHost host)
    {
        _host = host;
    }

    /// <summary>The comment that names the bridge owning a host NAT rule.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string bridge) => "virtuallan:hostnat/" + bridge;

    /// <summary>Plans host NAT for a bridge's LAN.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="uplink">The host's uplink.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The bridge or uplink do not fit, the bridge has a router, or host NAT is on through another uplink.</exception>
    public Plan PlanEnable(string bridgeName, string uplink, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        var bridge = new BridgeService(_host).Read(Names.Interface(bridgeName, "Bridge"), state);
        var lan = (bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, bridgeName, $"The bridge '{bridgeName}' has no address, so there is no LAN to masquerade. Give it one with New-VlanBridge -Force.")).Network;
        Names.Interface(uplink, "Uplink");
        var link = state.Links(h).Link(uplink) ?? throw new VlanException(ErrorIds.UplinkNotFound, VlanErrorKind.ObjectNotFound, uplink, $"There is no link named '{uplink}' in {_host.DisplayName}. Give the link that reaches your network (wlan0, eth0 …) as -Uplink.");
        if (link.IsBridge && link.Name == bridgeName || link.Master is not null || link.Name == "lo")
        {
            throw new VlanException(ErrorIds.UplinkInvalid, VlanErrorKind.InvalidArgument, uplink, $"'{uplink}' cannot be the uplink: it is the LAN's own bridge, a bridge port or the loopback link.");
        }

        if (OwnObjects.WhyLink(link, new RouterService(_host, _ => null, _ => false).Routers(state)) is { } own)
        {
            throw new VlanException(ErrorIds.UplinkInvalid, VlanErrorKind.InvalidArgument, uplink, $"'{uplink}' cannot be the uplink: {own}. Give the link that reaches your network (wlan0, eth0 …) as -Uplink.");
        }

        if (new RouterService(_host, _ => null, _ => false).Routers(state).FirstOrDefault(r => r.Bridge == bridgeName) is { } router)
        {
            throw new VlanException(ErrorIds.GatewayConflict, VlanErrorKind.InvalidOperation, bridgeName, $"The bridge '{bridgeName}' has the router namespace '{router.Name}' as its gateway. A LAN has one way out: remove the router first (Remove-VlanRouterNamespace -Name {router.Name}), or keep it and leave host NAT off.");
        }

        var existing = Read(bridgeName, state);
        if (existing is not null && existing.Uplink != uplink)
        {
            throw new VlanException(ErrorIds.GatewayConflict, VlanErrorKind.ResourceExists, bridgeName, $"Host NAT for '{bridgeName}' already goes out of '{existing.Uplink}'. Disable it first with Disable-VlanHostNat -Bridge {bridgeName}.");
        }

        var previous = existing?.PreviousIpForward ?? (List(state) is { Count: > 0 } others ? others[0].PreviousIpForward : null) ?? state.Sysctl(h, "net.ipv4.ip_forward") ?? "0";
        var steps = new List<Step>
        {
            Step.Firewall($"Create the chain {NatChain}", h, "nat", new[] { "-N", NatChain }, new[] { "-X", NatChain }, s => s.Firewall(h).HasChain("nat", NatChain)),
            Rule(h, "nat", Hook("nat")),
            Step.Firewall($"Create the chain {ForwardChain}", h, "filter", new[] { "-N", ForwardChain }, new[] { "-X", ForwardChain }, s => s.Firewall(h).HasChain("filter", ForwardChain)),
            Rule(h, "filter", Hook("filter")),
            Step.Firewall($"Create the chain {GuardChain}", h, "mangle", new[] { "-N", GuardChain }, new[] { "-X", GuardChain }, s => s.Firewall(h).HasChain("mangle", GuardChain)),
            Rule(h, "mangle", Hook("mangle")),
        };
        steps.AddRange(OwnedRules(bridgeName, lan, uplink, previous).Select(r => Rule(h, r.Table, r.Rule)));
        steps.Add(Step.Program(
                $"Turn on IPv4 forwarding in {_host.DisplayName} (it was {previous})",
                NetworkHost.ExecIn(h, "sysctl", new[] { "-qw", "net.ipv4.ip_forward=1" }),
                NetworkHost.ExecIn(h, "sysctl", new[] { "-qw", $"net.ipv4.ip_forward={previous}" }),
                s => s.Sysctl(h, "net.ipv4.ip_forward") == "1"));
        return new Plan($"Enable host NAT for {bridgeName} out of {uplink}", $"{bridgeName} in {_host.DisplayName}", steps);
    }

    /// <summary>Reads the host NAT of a bridge from its rules.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NAT, or null when it is off.</returns>
    public HostNat? Read(string bridgeName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        foreach (var line in state.Firewall(h).Rules("nat"))
        {
            var match = MasqueradeRule().Match(line);
            if (match.Success && match.Groups["bridge"].Value == bridgeName)
            {
                return new HostNat
                {
                    Bridge = bridgeName,
                    Subnet = Ipv4Cidr.Parse(match.Groups["subnet"].Value),
                    Uplink = match.Groups["uplink"].Value,
                    IpForward = state.Sysctl(h, "net.ipv4.ip_forward") ?? "0",
                    PreviousIpForward = match.Groups["forward"].Value,
                    Sandbox = _host.Sandbox,
                };
            }
        }

        return null;
    }

    /// <summary>Lists the bridges whose LAN the host masquerades.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NATs.</returns>
    public IReadOnlyList<HostNat> List(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Firewall(_host.Sandbox).Rules("nat")
            .Select(l => MasqueradeRule().Match(l))
            .Where(m => m.Success)
            .Select(m => Read(m.Groups["bridge"].Value, state)!)
            .ToArray();
    }

    /// <summary>Plans turning host NAT off: its rules removed and ip_forward set back to what it was.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">Host NAT is not on for that bridge.</exception>
    public Plan PlanDisable(string bridgeName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        var nat = Read(bridgeName, state) ?? throw new VlanException(ErrorIds.HostNatNotFound, VlanErrorKind.ObjectNotFound, bridgeName, $"Host NAT is not on for '{bridgeName}' in {_host.DisplayName}. Run Get-VlanHostNat to see where it is.");
        var firewall = state.Firewall(h);
        var steps = new List<Step>();

        // The MASQUERADE rule is the record (it keeps the old ip_forward), so it goes last, in one
        // transaction with the rest of the nat table: a run cut off half-way still finds host NAT, and
        // running Disable again finishes it. Forwarding is set back first, while the record is read.
        if (List(state).Count == 1)
        {
            steps.Add(Step.Program(
                $"Set IPv4 forwarding in {_host.DisplayName} back to {nat.PreviousIpForward}",
                NetworkHost.ExecIn(h, "sysctl", new[] { "-qw", $"net.ipv4.ip_forward={nat.PreviousIpForward}" }),
                NetworkHost.ExecIn(h, "sysctl", new[] { "-qw", $"net.ipv4.ip_forward={nat.IpForward}" }),
                s => s.Sysctl(h, "net.ipv4.ip_forward") == nat.PreviousIpForward));
        }

        foreach (var table in new[] { "filter", "mangle", "nat" })
        {
            foreach (var (_, rule) in OwnedRules(bridgeName, nat.Subnet, nat.Uplink, nat.PreviousIpForward).Where(r => r.Table == table))
            {
                if (firewall.HasRule(table, RestoreInput.Line(rule)))
                {
                    steps.Add(RuleRemoval.Delete(h, $"Remove {RestoreInput.Line(rule)}", table, rule));
                }
            }

            // The chain and its jump go with the last bridge that uses them.
            var chain = Chain(table);
            var others = firewall.Rules(table).Count(l => l.StartsWith("-A " + chain + " ", StringComparison.Ordinal) && !l.Contains("\"" + Owner(bridgeName), StringComparison.Ordinal));
            if (others == 0)
            {
                if (firewall.HasRule(table, RestoreInput.Line(Hook(table))))
                {
                    steps.Add(RuleRemoval.Delete(h, $"Remove the jump to {chain}", table, Hook(table)));
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

    private static string[] Hook(string table) =>
        new[] { "-A", table == "nat" ? "POSTROUTING" : "FORWARD", "-m", "comment", "--comment", "virtuallan:hostnat", "-j", Chain(table) };

    private static IEnumerable<(string Table, string[] Rule)> OwnedRules(string bridge, Ipv4Cidr lan, string uplink, string previous)
    {
        var owner = Owner(bridge);
        yield return ("nat", new[] { "-A", NatChain, "-s", lan.Network.ToString(), "-o", uplink, "-m", "comment", "--comment", $"{owner} ip_forward={previous}", "-j", "MASQUERADE" });
        yield return ("filter", new[] { "-A", ForwardChain, "-i", bridge, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "ACCEPT" });
        yield return ("filter", new[] { "-A", ForwardChain, "-i", uplink, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", owner, "-j", "ACCEPT" });

        // Into the LAN only the answers from the uplink; out of it only to the uplink (and, with
        // bridge netfilter, within it). Everything else crossing the host to or from the LAN is dropped.
        yield return ("mangle", new[] { "-A", GuardChain, "-i", uplink, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", owner, "-j", "RETURN" });
        yield return ("mangle", new[] { "-A", GuardChain, "!", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", owner, "-j", "DROP" });
        yield return ("mangle", new[] { "-A", GuardChain, "-i", bridge, "-o", uplink, "-m", "comment", "--comment", owner, "-j", "RETURN" });
        yield return ("mangle", new[] { "-A", GuardChain, "-i", bridge, "!", "-o", bridge, "-m", "comment", "--comment", owner, "-j", "DROP" });
    }

    private static Step Rule(string? ns, string table, string[] append)
    {
        var line = RestoreInput.Line(append);
        return Step.Firewall($"Add the rule {line}", ns, table, append, ApplianceService.Delete(append), s => s.Firewall(ns).HasRule(table, line));
    }

    [GeneratedRegex("^-A VLAN-HOSTNAT -s (?<subnet>\\S+) -o (?<uplink>\\S+) -m comment --comment \"virtuallan:hostnat/(?<bridge>\\S+) ip_forward=(?<forward>\\d)\" -j MASQUERADE$")]
    private static partial Regex MasqueradeRule();
}
