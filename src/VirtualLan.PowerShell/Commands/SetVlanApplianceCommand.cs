using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Changes a connected appliance's address or gateway: inside the appliance where the module
/// configures it (namespace, container), in its record, and in the port forwards that lead to it.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VlanAppliance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Appliance))]
public sealed class SetVlanApplianceCommand : VlanCmdlet
{
    private readonly HashSet<System.Net.IPAddress> _reserved = new();
    private readonly Lazy<ApplianceService> _service = new(() => new ApplianceService(LanHost, new Docker(Runtime.Runner)));

    /// <summary>Gets or sets the appliances to change; appliances from Get-VlanAppliance bind by their Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets an object from the pipeline: an appliance or an appliance name; another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Gets or sets the appliance's new address on its LAN, with or without the LAN's prefix.</summary>
    [Parameter]
    public string? Address { get; set; }

    /// <summary>Gets or sets the appliance's new default gateway.</summary>
    [Parameter]
    public string? Gateway { get; set; }

    /// <summary>Gets or sets a value indicating whether the changed appliance is written to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Set-VlanAppliance");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (PipedInput.Refuse<Appliance>(InputObject, "Set-VlanAppliance", "appliances and appliance names", "To change the appliances of a bridge, run Get-VlanAppliance -Bridge NAME | Set-VlanAppliance -Gateway ADDRESS") is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        if (Address is not null && Name.Length > 1)
        {
            Guard(
                () => throw new VlanException(ErrorIds.AddressForMany, VlanErrorKind.InvalidArgument, Address, $"-Address {Address} was given for {Name.Length} appliances, and an address can belong to one only. Change them one by one."),
                terminating: true);
        }

        foreach (var name in Name)
        {
            Guard(() =>
            {
                var gateway = Gateway is null ? null : RouterRequest.ParseUnicast(Gateway, "Gateway");
                Queue(state =>
                {
                    var (plan, appliance, notice) = _service.Value.PlanSet(name, Address, gateway, state, _reserved);
                    return new(plan, _ =>
                    {
                        if (notice is not null)
                        {
                            WriteWarning(notice);
                        }

                        return PassThru ? appliance : null;
                    });
                });
            });
        }
    }

    /// <summary>Plans every appliance of the pipeline from one read of the state and applies them as one plan.</summary>
    protected override void EndProcessing() => ApplyQueuedUpdatingDhcp("Set", "appliances");
}
