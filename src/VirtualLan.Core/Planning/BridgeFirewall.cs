using VirtualLan.Execution;
using VirtualLan.Linux;

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
    public static IEnumerable<Step> PlanAccept(string? host, string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Sysctl(host, "net.bridge.bridge-nf-call-iptables") != "1")
        {
            yield break;
        }

        yield return Step.Firewall($"Create the chain {Chain}", host, "filter", new[] { "-N", Chain }, new[] { "-X", Chain }, s => s.Firewall(host).HasChain("filter", Chain));
        var hook = Hook();
        yield return Step.Firewall($"Send forwarded frames through {Chain}", host, "filter", hook, ApplianceService.Delete(hook), s => s.Firewall(host).HasRule("filter", RestoreInput.Line(hook)));
        var rule = Rule(bridge);
        yield return Step.Firewall($"Let frames between the ports of {bridge} through", host, "filter", rule, ApplianceService.Delete(rule), s => s.Firewall(host).HasRule("filter", RestoreInput.Line(rule)));
    }

    /// <summary>Plans the removal of a bridge's rule, and of the chain and its hook when no other bridge uses them.</summary>
    /// <param name="host">The host namespace.</param>
    /// <param name="bridge">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps; none when the bridge has no rule.</returns>
    public static IEnumerable<Step> PlanRemove(string? host, string bridge, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var firewall = state.Firewall(host);
        var rule = Rule(bridge);
        if (!firewall.HasRule("filter", RestoreInput.Line(rule)))
        {
            yield break;
        }

        yield return RuleRemoval.Delete(host, $"Remove the rule of {bridge} from {Chain}", "filter", rule);
        if (firewall.Rules("filter").Count(l => l.StartsWith("-A " + Chain + " ", StringComparison.Ordinal)) == 1)
        {
            var hook = Hook();
            if (firewall.HasRule("filter", RestoreInput.Line(hook)))
            {
                yield return RuleRemoval.Delete(host, $"Remove the jump to {Chain}", "filter", hook);
            }

            yield return RuleRemoval.DeleteChain(host, $"Delete the chain {Chain}", "filter", Chain);
        }
    }

    private static string[] Hook() => new[] { "-A", "FORWARD", "-m", "comment", "--comment", HookOwner, "-j", Chain };

    private static string[] Rule(string bridge) =>
        new[] { "-A", Chain, "-i", bridge, "-o", bridge, "-m", "comment", "--comment", Owner(bridge), "-j", "ACCEPT" };
}
