using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Appliances;

/// <summary>
/// The module's jump from FORWARD to DOCKER-USER, kept first in FORWARD. DOCKER-USER only works
/// while FORWARD consults it first; on a live-restore restart, dockerd before 25.0.7/27.4.0
/// re-inserts its isolation jump at the top of FORWARD and leaves its DOCKER-USER jump below it
/// (moby/moby#48560): no rule can stay above that jump across the restart, so connecting again
/// after the restart is what repairs it. Our jump is moved rather than added again, so it is never
/// there twice; it goes with the last Docker network that needs it.
/// </summary>
internal static class DockerUserJump
{
    private const string DockersOwn = "-A FORWARD -j DOCKER-USER";

    private static readonly IReadOnlyList<string> Spec = ["-m", "comment", "--comment", "virtuallan:docker-user-first", "-j", "DOCKER-USER"];

    private static string Ours => new AppendRule(NetNamespace.Own, "filter", "FORWARD", Spec).Line;

    /// <summary>Plans putting the jump first in FORWARD, unless Docker's own or ours (once) is first already.</summary>
    /// <param name="host">The host namespace.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps; none when FORWARD consults DOCKER-USER first.</returns>
    public static IEnumerable<Step> PlanFirst(NetNamespace host, KernelState state)
    {
        var forward = ForwardRules(state, host);
        var ours = Ours;
        var copies = forward.Select((line, index) => (line, index)).Where(r => r.line == ours).Select(r => r.index + 1).ToArray();
        if (forward.Count > 0 && (forward[0] == DockersOwn || (forward[0] == ours && copies.Length == 1)))
        {
            yield break;
        }

        for (var i = 0; i < copies.Length; i++)
        {
            // Undone in reverse, when the copies above this one are still gone.
            yield return new DeleteRule(host, "filter", "FORWARD", Spec).Shaped(
                $"Take the module's jump to DOCKER-USER from FORWARD position {copies[i]}",
                new InsertRule(host, "filter", "FORWARD", Spec, copies[i] - i).Arguments,
                null);
        }

        var first = new InsertRule(host, "filter", "FORWARD", Spec, 1);
        yield return first.Shaped(
            "Make FORWARD consult DOCKER-USER first",
            first.UndoArguments,
            s => ForwardRules(s, host) is { Count: > 0 } now && (now[0] == DockersOwn || (now[0] == ours && now.Count(l => l == ours) == 1)));
    }

    /// <summary>Plans removing every copy of the jump, when no Docker network stays connected.</summary>
    /// <param name="host">The host namespace.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps.</returns>
    public static IEnumerable<Step> PlanRemove(NetNamespace host, KernelState state)
    {
        var ours = Ours;
        var delete = new DeleteRule(host, "filter", "FORWARD", Spec);

        // Older versions could leave more than one (a repair after a second dockerd restart added another).
        return ForwardRules(state, host).Where(l => l == ours)
            .Select(_ => delete.Shaped("Remove the module's jump to DOCKER-USER", delete.UndoArguments, null))
            .ToArray();
    }

    private static List<string> ForwardRules(KernelState state, NetNamespace host) =>
        state.Firewall(host).Rules("filter").Where(l => l.StartsWith("-A FORWARD ", StringComparison.Ordinal)).ToList();
}
