using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Creates the bridge of a virtual LAN, gives the host its address on it and brings it up.
/// Running it again with the same values changes nothing and returns the same bridge.
/// </summary>
[Cmdlet(VerbsCommon.New, "VlanBridge", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Bridge))]
public sealed class NewVlanBridgeCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge name; the seed's virtualnet0 by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the host's address on the LAN with its prefix; the seed's 172.24.0.1/16 by default.</summary>
    [Parameter(Position = 1)]
    public string Address { get; set; } = BridgeRequest.DefaultAddress;

    /// <summary>Gets or sets the MTU of the bridge; the kernel's default when not given.</summary>
    [Parameter]
    public int? Mtu { get; set; }

    /// <summary>Gets or sets a value indicating whether an existing bridge with other addresses or MTU is reconfigured.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("New-VlanBridge");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = new BridgeService(LanHost);
        ApplyNow(state =>
        {
            var request = BridgeRequest.Create(Name, Address, Mtu, Force);
            return new(service.PlanNew(request, state), after => service.Read(request.Name, after));
        });
    }
}
