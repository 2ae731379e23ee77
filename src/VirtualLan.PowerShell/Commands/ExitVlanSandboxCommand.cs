using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Leaves the sandbox and deletes it with everything made inside: its links, the namespaces made
/// in it, the module's own processes (DHCP clients), and with -Force any other process still running
/// there. With -Keep it only leaves; with -WhatIf it lists what would be deleted and killed.
/// </summary>
[Cmdlet(VerbsCommon.Exit, "VlanSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class ExitVlanSandboxCommand : VlanCmdlet
{
    /// <summary>Gets or sets the sandbox to delete; the session's current sandbox by default.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completers.SandboxCompleter))]
    public string? Name { get; set; }

    /// <summary>Gets or sets a value indicating whether the sandbox is kept for a later Enter-VlanSandbox.</summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    /// <summary>Gets or sets a value indicating whether processes still running in the sandbox are killed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        GuardLocked(
            () =>
            {
                var current = ModuleSession.CurrentSandbox;
                var name = Name ?? current ?? throw new VlanException(
                    ErrorIds.NotInSandbox,
                    VlanErrorKind.InvalidOperation,
                    null,
                    "This session is not in a sandbox. Name the sandbox to delete with -Name, or run Enter-VlanSandbox first.");
                Names.Namespace(name, "Name");
                if (Keep)
                {
                    if (name == current)
                    {
                        ModuleSession.Exit();
                    }

                    return;
                }

                if (!IsWhatIf)
                {
                    Runtime.DemandPrivileges("Exit-VlanSandbox");
                }

                var state = Runtime.ReadState();

                // The executor holds the namespaces it deletes open while the plan runs: a rollback mounts them back on their names.
                var plan = new SandboxService(Runtime.Exists).PlanExit(name, Force, state, preview: IsWhatIf);
                var applied = Apply(plan, state);
                if (applied && !IsWhatIf)
                {
                    if (name == current)
                    {
                        ModuleSession.Exit();
                    }

                    WaitFor(plan.Stopping, name);
                    LeaveNetnsFolder();
                }
            },
            terminating: true);
    }

    /// <summary>Removes /run/netns when Enter-VlanSandbox made it and no namespace is left in it.</summary>
    private void LeaveNetnsFolder()
    {
        if (Runtime.NetnsFolder?.RemoveIfMadeAndEmpty() is { Text: { } text } outcome)
        {
            if (outcome.Removed)
            {
                WriteVerbose(text);
            }
            else
            {
                WriteWarning(text);
            }
        }
    }

    /// <summary>Waits a few seconds for the killed processes to end, showing progress while it waits.</summary>
    private void WaitFor(IReadOnlyList<ProcessIdentity> processes, string name)
    {
        var progress = new ProgressRecord(1, $"Exit-VlanSandbox {name}", "Waiting for the sandbox's processes to end");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(10);
        var left = processes.Where(p => p.IsAlive).ToArray();
        while (left.Length > 0 && watch.Elapsed < limit && !StopToken.IsCancellationRequested)
        {
            progress.StatusDescription = $"Waiting for {left.Length} process(es) to end: {string.Join(", ", left.Select(p => p.Pid))}";
            progress.PercentComplete = (int)(100 * watch.Elapsed.TotalMilliseconds / limit.TotalMilliseconds);
            WriteProgress(progress);
            Thread.Sleep(100);
            left = left.Where(p => p.IsAlive).ToArray();
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        if (left.Length > 0)
        {
            WriteWarning($"The processes {string.Join(", ", left.Select(p => p.Pid))} of the sandbox {name} still run after {limit.TotalSeconds} s; their namespaces go when they end.");
        }
    }
}
