using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Stops a LAN's DHCP and DNS server: dnsmasq stopped, its rules and its folder deleted.</summary>
[Cmdlet(VerbsLifecycle.Disable, "VlanDhcp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class DisableVlanDhcpCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge; bridges, routers and DHCP servers from the pipeline bind here.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Disable-VlanDhcp");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = DhcpPlanner();
        ApplyNow(state => new(service.PlanDisable(Bridge, state)));
    }
}
