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

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanRouterNamespace");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
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
