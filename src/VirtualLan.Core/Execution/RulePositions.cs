using System.Globalization;
using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>
/// Gives each rule deletion of a plan the undo that puts the rule back where it was when the step
/// ran: <c>-I CHAIN N</c>, with N found by replaying the plan's firewall steps, in the order they will
/// run, on the rules read before it. A planner can only know the positions in its own plan; once
/// plans are combined (<see cref="PlanExecutor.Combine"/>), deletions of several plans in one chain
/// shift each other, so the positions are settled here, just before the steps run.
/// </summary>
internal static class RulePositions
{
    /// <summary>Returns the steps with the undo of every rule deletion that re-adds its rule set to its position.</summary>
    /// <param name="steps">The pending steps in the order they will run.</param>
    /// <param name="state">The kernel's state they were planned from.</param>
    /// <returns>The steps, the same ones where nothing changed.</returns>
    public static IReadOnlyList<Step> Place(IReadOnlyList<Step> steps, KernelState state)
    {
        if (!steps.Any(IsRuleDeletion))
        {
            return steps;
        }

        var chains = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string> Rules(Step step)
        {
            var key = step.Namespace + "|" + step.Table;
            if (!chains.TryGetValue(key, out var rules))
            {
                rules = state.Firewall(step.Namespace).Rules(step.Table!).ToList();
                chains[key] = rules;
            }

            return rules;
        }

        var placed = new List<Step>(steps.Count);
        foreach (var step in steps)
        {
            if (step.Channel != StepChannel.Firewall || step.Arguments.Count < 2)
            {
                placed.Add(step);
                continue;
            }

            var rules = Rules(step);
            var chain = step.Arguments[1];
            var spec = step.Arguments.Skip(2).ToArray();
            switch (step.Arguments[0])
            {
                case "-A":
                    rules.Add(Line(chain, spec));
                    placed.Add(step);
                    break;
                case "-I":
                    var at = spec.Length > 0 && int.TryParse(spec[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
                    var inserted = at == 1 && spec.Length > 0 && spec[0] != "1" ? spec : spec.Skip(1).ToArray();
                    InsertAt(rules, chain, at, Line(chain, inserted));
                    placed.Add(step);
                    break;
                case "-D" when IsRuleDeletion(step):
                    var line = Line(chain, spec);
                    var inChain = rules.Where(l => l.StartsWith("-A " + chain + " ", StringComparison.Ordinal)).ToList();
                    var index = inChain.IndexOf(line);
                    if (index < 0)
                    {
                        placed.Add(step);
                        break;
                    }

                    rules.Remove(line);
                    var undo = new[] { "-w", "-t", step.Table!, "-I", chain, (index + 1).ToString(CultureInfo.InvariantCulture) }.Concat(spec);
                    placed.Add(step.WithUndo(new[] { NetworkHost.ExecIn(step.Namespace, "iptables", undo) }, step.UndoLoses));
                    break;
                default:
                    placed.Add(step);
                    break;
            }
        }

        return placed;
    }

    /// <summary>A deletion by rule (not by number) whose undo puts the same rule back.</summary>
    private static bool IsRuleDeletion(Step step) =>
        step.Channel == StepChannel.Firewall
        && step.Arguments.Count > 2
        && step.Arguments[0] == "-D"
        && !int.TryParse(step.Arguments[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)
        && step.Undo.Count == 1
        && step.Undo[0].Arguments.Contains(step.Arguments[1])
        && (step.Undo[0].Arguments.Contains("-I") || step.Undo[0].Arguments.Contains("-A"));

    private static string Line(string chain, IReadOnlyList<string> spec) => RestoreInput.Line(new[] { "-A", chain }.Concat(spec).ToArray());

    private static void InsertAt(List<string> rules, string chain, int position, string line)
    {
        var seen = 0;
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].StartsWith("-A " + chain + " ", StringComparison.Ordinal) && ++seen == position)
            {
                rules.Insert(i, line);
                return;
            }
        }

        rules.Add(line);
    }
}
