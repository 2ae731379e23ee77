using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Makes the host the gateway of a LAN, as seed 004 does: IPv4 forwarding on, and MASQUERADE for the
/// LAN out of the host's own uplink, with no router namespace.
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "VlanHostNat", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(HostNat))]
public sealed class EnableVlanHostNatCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose LAN is masqueraded; a bridge from the pipeline binds here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the host's link to the outside, such as wlan0 or eth0.</summary>
    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(Completers.HostLinkCompleter))]
    public string Uplink { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Enable-VlanHostNat");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = new HostNatService(LanHost);
        ApplyNow(state => new(service.PlanEnable(Bridge, Uplink, state), after => service.Read(Bridge, after)));
    }
}
