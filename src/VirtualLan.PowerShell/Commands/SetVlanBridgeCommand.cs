using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Changes a bridge's address (the host's on the LAN) or MTU. The appliances whose gateway is the
/// host's old address follow it in the same plan; a LAN in use cannot move to another subnet.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VlanBridge", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Bridge))]
public sealed class SetVlanBridgeCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge to change; a bridge from Get-VlanBridge binds by its Name.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Name { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the host's new address on the LAN, with its prefix.</summary>
    [Parameter]
    public string? Address { get; set; }

    /// <summary>Gets or sets the bridge's new MTU.</summary>
    [Parameter]
    public int? Mtu { get; set; }

    /// <summary>Gets or sets a value indicating whether the changed bridge is written to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Set-VlanBridge");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = new BridgeChangeService(LanHost, new Docker(Runtime.Runner));
        ApplyNow(state =>
        {
            var (plan, notices) = service.PlanSet(Name, Address, Mtu, state);
            return new(plan, after =>
            {
                foreach (var notice in notices)
                {
                    WriteWarning(notice);
                }

                return PassThru ? new BridgeService(LanHost).Read(Name, after) : null;
            });
        });
    }
}
