using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Removes a bridge's VXLAN tunnel: the device, the router's rules for it, and the LAN's MTU set back.</summary>
[Cmdlet(VerbsCommon.Remove, "VlanTunnel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveVlanTunnelCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge; tunnels and bridges from the pipeline bind here.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanTunnel");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = Tunnels.Service();
        ApplyNow(state => new(service.PlanRemove(Bridge, state)));
    }
}
