using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Leaves the sandbox and deletes it with everything made inside: its links, the namespaces made
/// in it, and with -Force the processes still running there. With -Keep it only leaves.
/// </summary>
[Cmdlet(VerbsCommon.Exit, "VlanSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
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

                // The namespaces stay alive while the hold is open: a rollback mounts them back on their names.
                using var hold = NamespaceHold.Open(state.NamespaceNames.Where(n => n == name || n.StartsWith(name + ".", StringComparison.Ordinal)));
                var plan = new SandboxService(Runtime.Exists).PlanExit(name, Force, state, hold);
                if (Apply(plan, state) && name == current && !IsWhatIf)
                {
                    ModuleSession.Exit();
                }
            },
            terminating: true);
    }
}
