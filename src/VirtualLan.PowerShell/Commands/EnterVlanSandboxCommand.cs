using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Makes a network namespace stand in for the host for the rest of the session, so every
/// VirtualLan cmdlet acts inside it and the machine's own network stays untouched.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "VlanSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Sandbox))]
public sealed class EnterVlanSandboxCommand : VlanCmdlet
{
    /// <summary>Gets or sets the sandbox name; it is made when it does not exist.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completers.SandboxCompleter))]
    public string Name { get; set; } = SandboxService.DefaultName;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Enter-VlanSandbox");

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        GuardLocked(
            () =>
            {
                Linux.Names.Namespace(Name, "Name");
                var current = ModuleSession.CurrentSandbox;
                if (current is not null && current != Name)
                {
                    throw new VlanException(
                        ErrorIds.AlreadyInSandbox,
                        VlanErrorKind.InvalidOperation,
                        Name,
                        $"This session is already in the sandbox '{current}'. Run Exit-VlanSandbox (or Exit-VlanSandbox -Keep) first.");
                }

                var state = Runtime.ReadState();
                var plan = SandboxService.PlanEnter(Name, state);

                // The first namespace on a machine makes /run/netns; Exit-VlanSandbox removes it again.
                if (!IsWhatIf && plan.Steps.Count > 0 && Runtime.NetnsFolder is { Exists: false } folder)
                {
                    folder.MarkMade();
                }

                if (Apply(plan, state) && !IsWhatIf)
                {
                    ModuleSession.Enter(Name);
                    WriteObject(SandboxService.Read(Name, state));
                }
            },
            terminating: true);
    }
}
