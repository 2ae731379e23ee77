using System.Management.Automation;
using VirtualLan.Execution;
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
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets a value indicating whether a bridge VirtualLan did not make may be removed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets a value indicating whether the router, forwards, host NAT and appliances on the bridge are removed first.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanBridge");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            GuardLocked(() =>
            {
                var docker = new Docker(Runtime.Runner);
                var state = Runtime.ReadState();
                var routerService = new RouterService(Target, Runtime.Tools.Find, Runtime.Exists);
                var applianceService = new ApplianceService(Target, docker);
                var routers = routerService.Routers(state).Where(r => r.Bridge == name).ToArray();
                var appliances = applianceService.List(state, live: false).Where(a => a.Bridge == name).ToArray();
                var hostNatService = new HostNatService(Target);
                var hostNat = hostNatService.Read(name, state);
                if (!Recurse && (routers.Length > 0 || appliances.Length > 0 || hostNat is not null))
                {
                    throw new VlanException(
                        ErrorIds.BridgeInUse,
                        VlanErrorKind.InvalidOperation,
                        name,
                        $"The bridge '{name}' still has {string.Join(", ", routers.Select(r => "the router " + r.Name).Concat(appliances.Select(a => "the appliance " + a.Name)).Concat(hostNat is null ? Array.Empty<string>() : new[] { "host NAT" }))}. Add -Recurse to remove them with it, or remove them first.");
                }

                // With -Recurse, everything on the bridge is planned from this one read and goes as
                // one plan (PlanExecutor.Combine): appliances, host NAT, routers, then the bridge, each
                // in its own order, the host's link deletions together. A router's forwards live in its
                // namespace and go with it.
                var plans = new List<Execution.Plan>();
                var leaving = appliances.Select(a => a.Name).ToArray();
                plans.AddRange(appliances.Select(a => applianceService.PlanDisconnect(a.Name, state, leaving)));
                if (hostNat is not null)
                {
                    plans.Add(hostNatService.PlanDisable(name, state));
                }

                plans.AddRange(routers.Select(r => routerService.PlanRemove(r.Name, state)));
                plans.Add(new BridgeService(Target).PlanRemove(name, Force, state));

                // Ports the module did not plug in stay, unplugged: the user is told which.
                var ours = appliances.Select(a => a.HostInterface).Concat(routers.Select(r => r.BridgePort)).ToHashSet(StringComparer.Ordinal);
                var foreign = state.Links(Target.Sandbox).PortsOf(name).Where(p => !ours.Contains(p)).ToArray();
                var plan = PlanExecutor.Combine(plans.Count == 1 ? plans[0].Title : $"Remove bridge {name} with everything on it", $"{name} in {Target.DisplayName}", plans, state);
                if (Apply(plan, state) && foreign.Length > 0 && !IsWhatIf)
                {
                    WriteWarning($"The bridge {name} had ports the module did not make ({string.Join(", ", foreign)}); they were unplugged and left in place.");
                }
            });
        }
    }
}
