using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Planning;

/// <summary>
/// With br_netfilter on, frames bridged between two ports cross the host's FORWARD chain, and
/// Docker sets that chain's policy to DROP. One rule per bridge in the module's own chain
/// VLAN-BRIDGES keeps a LAN's ports talking without touching anyone else's rules.
/// </summary>
public static class BridgeFirewall
{
    /// <summary>The module's chain in the host's filter table.</summary>
    public const string Chain = "VLAN-BRIDGES";

    /// <summary>The comment of the jump from FORWARD to the chain.</summary>
    public const string HookOwner = "virtuallan:bridges";

    /// <summary>The comment that names the bridge owning a rule.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string bridge) => "virtuallan:bridge/" + bridge;

    /// <summary>Plans the rule that accepts frames between a bridge's ports, when bridged frames reach iptables.</summary>
    /// <param name="host">The host namespace (null: the process's own).</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps; none when bridge-nf-call-iptables is off.</returns>
    public static IEnumerable<Step> PlanAccept(NetNamespace host, string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Sysctl(host, "net.bridge.bridge-nf-call-iptables") != "1")
        {
            yield break;
        }

        var at = host;
        yield return new CreateChain(at, "filter", Chain).ToStep($"Create the chain {Chain}");
        yield return new AppendRule(at, "filter", "FORWARD", HookSpec()).ToStep($"Send forwarded frames through {Chain}");
        yield return new AppendRule(at, "filter", Chain, RuleSpec(bridge)).ToStep($"Let frames between the ports of {bridge} through");
    }

    /// <summary>Plans the removal of a bridge's rule, and of the chain and its hook when no other bridge uses them.</summary>
    /// <param name="host">The host namespace.</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps; none when the bridge has no rule.</returns>
    public static IEnumerable<Step> PlanRemove(NetNamespace host, string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var at = host;
        var firewall = state.Firewall(host);
        var rule = new DeleteRule(at, "filter", Chain, RuleSpec(bridge));
        if (rule.IsDone(state))
        {
            yield break;
        }

        yield return RuleRemoval.Delete(rule, $"Remove the rule of {bridge} from {Chain}");
        if (firewall.Rules("filter").Count(l => l.StartsWith("-A " + Chain + " ", StringComparison.Ordinal)) == 1)
        {
            var hook = new DeleteRule(at, "filter", "FORWARD", HookSpec());
            if (!hook.IsDone(state))
            {
                yield return RuleRemoval.Delete(hook, $"Remove the jump to {Chain}");
            }

            yield return RuleRemoval.DeleteChain(host, $"Delete the chain {Chain}", "filter", Chain);
        }
    }

    private static IReadOnlyList<string> HookSpec() => ["-m", "comment", "--comment", HookOwner, "-j", Chain];

    private static IReadOnlyList<string> RuleSpec(string bridge) =>
        ["-i", bridge, "-o", bridge, "-m", "comment", "--comment", Owner(bridge), "-j", "ACCEPT"];
}
