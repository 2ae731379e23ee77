using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Deletes a bridge and with it the host's address on the LAN. The links plugged into it are
/// unplugged, not deleted.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "VlanBridge", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveVlanBridgeCommand : VlanCmdlet
{
    /// <summary>Gets or sets the names of the bridges to remove; a bridge from Get-VlanBridge binds by its Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets a value indicating whether a bridge VirtualLan did not make may be removed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanBridge");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = new BridgeService(Target);
        foreach (var name in Name)
        {
            Guard(() =>
            {
                var state = Runtime.ReadState();
                var plan = service.PlanRemove(name, Force, state);
                var ports = state.Links(Target.Sandbox).PortsOf(name);
                if (Apply(plan, state) && ports.Count > 0 && !IsWhatIf)
                {
                    WriteWarning($"The bridge {name} had ports ({string.Join(", ", ports)}); they were unplugged and left in place.");
                }
            });
        }
    }
}
