using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Turns host NAT off for a LAN: its rules removed and IPv4 forwarding set back to what it was.</summary>
[Cmdlet(VerbsLifecycle.Disable, "VlanHostNat", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class DisableVlanHostNatCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge; bridges and host NATs from the pipeline bind here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Disable-VlanHostNat");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ApplyNow(state => new(new HostNatService(LanHost).PlanDisable(Bridge, state)));
    }
}
