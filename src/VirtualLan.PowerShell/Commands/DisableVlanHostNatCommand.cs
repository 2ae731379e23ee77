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

    /// <summary>Gets or sets an object from the pipeline: a host NAT or a bridge (or its name); another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Disable-VlanHostNat");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if ((PipedInput.Of(InputObject) is Bridge ? null : PipedInput.Refuse<HostNat>(InputObject, "Disable-VlanHostNat", "host NATs, bridges and bridge names", "Run Get-VlanHostNat to pick the LANs, and pipe those")) is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        ApplyNow(state => new(new HostNatService(LanHost).PlanDisable(Bridge, state)));
    }
}
