using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Removes a router namespace and gives the uplink back to the host with the addresses and
/// default route it had before.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "VlanRouterNamespace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveVlanRouterNamespaceCommand : VlanCmdlet
{
    /// <summary>Gets or sets the names of the routers to remove; a router from Get-VlanRouterNamespace binds by its Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets an object from the pipeline: a router or a router name; another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanRouterNamespace");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (PipedInput.Refuse<Router>(InputObject, "Remove-VlanRouterNamespace", "routers and router names", "To remove the router of a bridge, run Get-VlanRouterNamespace -Bridge NAME | Remove-VlanRouterNamespace") is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        var service = new RouterService(LanHost, Runtime.Tools.Find, Runtime.Exists);
        foreach (var name in Name)
        {
            // When the rollback does not finish, what matters is whether the host got its uplink back.
            ApplyNow(
                state => new(service.PlanRemove(name, state)),
                e => e.RollbackFailures.Count > 0 ? new VlanException(ErrorIds.UplinkNotRestored, VlanErrorKind.RollbackFailed, name, e.Message, e) : null);
        }
    }
}
