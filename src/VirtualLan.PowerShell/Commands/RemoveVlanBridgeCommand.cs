using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Deletes a bridge and with it the host's address on the LAN. With -Recurse it first removes what
/// the module built on it, in order: port forwards, host NAT, appliances, the router.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "VlanBridge", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveVlanBridgeCommand : VlanCmdlet
{
    /// <summary>Gets or sets the names of the bridges to remove; a bridge from Get-VlanBridge binds by its Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets a value indicating whether a bridge VirtualLan did not make may be removed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets a value indicating whether the router, forwards, host NAT and appliances on the bridge are removed first.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a bridge or a bridge name; another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Gets or sets a value indicating whether, with -Recurse, the namespaces the module made for appliances (-Create) are kept.</summary>
    [Parameter]
    public SwitchParameter KeepNamespace { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanBridge");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (PipedInput.Refuse<Bridge>(InputObject, "Remove-VlanBridge", "bridges and bridge names", "To remove what is on a bridge as well, give -Recurse; to remove a router or an appliance, pipe it to Remove-VlanRouterNamespace or Disconnect-VlanAppliance") is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        var service = new TeardownService(LanHost, Runtime.Tools.Find, Runtime.Exists, new Docker(Runtime.Runner));
        foreach (var name in Name)
        {
            ApplyNow(state =>
            {
                var (plan, foreign) = service.PlanRemoveBridge(name, Recurse, Force, state, KeepNamespace);
                return new(plan, _ =>
                {
                    if (foreign.Count > 0)
                    {
                        WriteWarning($"The bridge {name} had ports the module did not make ({string.Join(", ", foreign)}); they were unplugged and left in place.");
                    }

                    return null;
                });
            });
        }
    }
}
