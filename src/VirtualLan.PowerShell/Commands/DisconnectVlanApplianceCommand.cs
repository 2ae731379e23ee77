using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Unplugs an appliance from its LAN, removing exactly what Connect-VlanAppliance added, the port
/// forwards that lead to it, and a namespace made for it with -Create; the appliance keeps running.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "VlanAppliance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class DisconnectVlanApplianceCommand : VlanCmdlet
{
    private readonly List<string> _leaving = new();

    /// <summary>Gets or sets the names of the appliances to unplug; appliances from Get-VlanAppliance bind by their Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets an object from the pipeline: an appliance or an appliance name; another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Gets or sets a value indicating whether a namespace the module made for the appliance (Connect-VlanAppliance -Create) is kept.</summary>
    [Parameter]
    public SwitchParameter KeepNamespace { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Disconnect-VlanAppliance");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (PipedInput.Refuse<Appliance>(InputObject, "Disconnect-VlanAppliance", "appliances and appliance names", "To disconnect the appliances of a bridge, run Get-VlanAppliance -Bridge NAME | Disconnect-VlanAppliance") is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        var service = new ApplianceService(LanHost, new Docker(Runtime.Runner));
        foreach (var name in Name)
        {
            _leaving.Add(name);
            Queue(state => new(service.PlanDisconnect(name, state, _leaving, KeepNamespace)));
        }
    }

    /// <summary>Disconnects every appliance of the pipeline with one plan: the host's links go in one ip -batch.</summary>
    protected override void EndProcessing() => ApplyQueuedUpdatingDhcp("Disconnect", "appliances");
}
