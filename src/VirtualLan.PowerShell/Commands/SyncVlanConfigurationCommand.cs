using System.Management.Automation;
using VirtualLan.Configuration;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>
/// Converges the live LAN to a configuration document through the module's planners, as one
/// combined plan: what is in place costs no command, a failure undoes the whole run, and with
/// -Prune what the module owns and the document does not name is removed.
/// </summary>
[Cmdlet(VerbsData.Sync, "VlanConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class SyncVlanConfigurationCommand : VlanCmdlet
{
    /// <summary>Gets or sets the document.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether what the module owns and the document does not name is removed.</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Sync-VlanConfiguration");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LanDocument? document = null;
        if (!Guard(() => document = ConfigurationFile.Read(this, Path).Document))
        {
            return;
        }

        var sync = new LanSync(LanHost, Runtime.Tools.Find, Runtime.Exists, new Docker(Runtime.Runner));
        GuardLocked(() =>
        {
            var before = Reports.Count;

            // -Prune may delete namespaces in an early stage: they are held open until the whole run
            // is over, so that a later stage's failure can still mount them back.
            using var hold = Prune && !IsWhatIf ? NamespaceHold.Open(Runtime.ReadState().NamespaceNames.Where(n => LanHost.Sandbox is not { } s || n.StartsWith(s + ".", StringComparison.Ordinal))) : null;
            HeldNamespaces = hold;
            try
            {
                Converge(sync, document!);
            }
            catch (Exception) when (Reports.Count > before)
            {
                // The executor undid the stage that failed; the stages before it are undone here.
                var earlier = Reports.Skip(before).ToArray();
                var failures = StagedUndo.Run(earlier, Runtime.Runner, WriteVerbose, hold);
                foreach (var failure in failures)
                {
                    WriteWarning("Undoing an earlier stage of the sync failed: " + failure);
                }

                throw;
            }
            finally
            {
                HeldNamespaces = null;
            }
        });
    }

    private void Converge(LanSync sync, LanDocument document)
    {
        var state = Runtime.ReadState();
        var planned = new PlannedObjects();
        var plans = new List<Plan>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        for (var stage = 0; stage < LanSync.StageCount; stage++)
        {
            var items = sync.PlanStage(stage, document, Prune, state, planned);
            foreach (var absent in items.Where(i => i.Absent))
            {
                WriteWarning($"The {absent.What} is not synced: {absent.Error!.Message} Start it and run Sync-VlanConfiguration again.");
            }

            if (items.FirstOrDefault(i => i.Error is not null && !i.Absent) is { } failed)
            {
                throw failed.Error!;
            }

            if (items.Where(i => i.Deferred is not null).ToArray() is { Length: > 0 } deferred)
            {
                // Only -WhatIf gets here: a real sync applied the stage that makes what these are planned from.
                List(plans, state, listed);
                var reasons = deferred.Select(d => d.Deferred!).Distinct(StringComparer.Ordinal).ToArray();
                WriteWarning($"The rest of {Path} is planned once {string.Join(", ", reasons)} exist{(reasons.Length == 1 && !reasons[0].Contains(" and ", StringComparison.Ordinal) ? "s" : string.Empty)}: "
                    + $"{string.Join(", ", deferred.Select(d => d.What))} is planned from what the kernel holds where its packets go out (the uplink's address, MTU and routes, in the router's namespace), "
                    + "so -WhatIf cannot list its commands, nor those of the appliances, forwards and DHCP that take its MTU, before that.");
                return;
            }

            plans.AddRange(items.Where(i => i.Plan is not null).Select(i => i.Plan!));

            // A router is planned from its bridge, an appliance from its router: what this stage
            // makes is applied before the next stage is planned from a fresh read. With -WhatIf
            // nothing is applied: the next stage is planned from the objects this one declares.
            var makes = items.Where(i => i.Missing && i.Plan is not null && PlanExecutor.Pending(i.Plan, state).Count > 0).ToArray();
            if (stage + 1 < LanSync.StageCount && makes.Length > 0)
            {
                if (IsWhatIf)
                {
                    List(plans, state, listed);
                    plans.Clear();
                    continue;
                }

                if (!Apply(plans, state))
                {
                    WriteWarning($"The rest of {Path} is not synced: {string.Join(", ", makes.Select(m => m.What))} {(makes.Length == 1 ? "was" : "were")} not made.");
                    return;
                }

                plans.Clear();
                state = Runtime.ReadState();
            }
        }

        if (IsWhatIf)
        {
            List(plans, state, listed);
            return;
        }

        Apply(plans, state);
    }

    /// <summary>
    /// Lists (-WhatIf) the plans of one group of stages that a real sync applies together. Each
    /// command is listed once, as it runs: a step an earlier group or plan lists already is left
    /// out (an earlier group put it in place; within a group the combined plan runs it once).
    /// </summary>
    private void List(IReadOnlyList<Plan> plans, KernelState state, HashSet<string> listed)
    {
        var left = new List<Plan>();
        foreach (var plan in plans)
        {
            var rest = plan.Without(s => listed.Contains(PlanExecutor.Identity(s)));
            listed.UnionWith(PlanExecutor.Pending(rest, state).Select(PlanExecutor.Identity));
            left.Add(rest);
        }

        Apply(left, state);
    }

    private bool Apply(IReadOnlyList<Plan> plans, KernelState state) =>
        plans.Count == 0 || ApplyAll(plans, state, $"Sync the LAN to {Path}", LanHost.DisplayName).All(x => x);
}
