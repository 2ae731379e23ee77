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
                var routers = new RouterService(Target, Runtime.Tools.Find, Runtime.Exists).Routers(state).Where(r => r.Bridge == name).ToArray();
                var appliances = new ApplianceService(Target, docker).List(state, live: false).Where(a => a.Bridge == name).ToArray();
                var hostNat = new HostNatService(Target).Read(name, state);
                if (!Recurse && (routers.Length > 0 || appliances.Length > 0 || hostNat is not null))
                {
                    throw new VlanException(
                        ErrorIds.BridgeInUse,
                        VlanErrorKind.InvalidOperation,
                        name,
                        $"The bridge '{name}' still has {string.Join(", ", routers.Select(r => "the router " + r.Name).Concat(appliances.Select(a => "the appliance " + a.Name)).Concat(hostNat is null ? Array.Empty<string>() : new[] { "host NAT" }))}. Add -Recurse to remove them with it, or remove them first.");
                }

                if (Recurse && !TearDown(name, routers, appliances, hostNat is not null, docker))
                {
                    return;
                }

                state = Runtime.ReadState();
                var plan = new BridgeService(Target).PlanRemove(name, Force, state);
                var ports = state.Links(Target.Sandbox).PortsOf(name);
                if (Apply(plan, state) && ports.Count > 0 && !IsWhatIf)
                {
                    WriteWarning($"The bridge {name} had ports the module did not make ({string.Join(", ", ports)}); they were unplugged and left in place.");
                }
            });
        }
    }

    private bool TearDown(string name, IReadOnlyList<Router> routers, IReadOnlyList<Appliance> appliances, bool hostNat, Docker docker)
    {
        var forwards = new PortForwardService(Target, docker);
        foreach (var forward in forwards.List(Runtime.ReadState()).Where(f => routers.Any(r => r.Name == f.Router)))
        {
            var state = Runtime.ReadState();
            if (!Apply(forwards.PlanRemove(forward.Router, forward.Protocol, forward.ExternalPort, state), state))
            {
                return false;
            }
        }

        if (hostNat)
        {
            var state = Runtime.ReadState();
            if (!Apply(new HostNatService(Target).PlanDisable(name, state), state))
            {
                return false;
            }
        }

        foreach (var appliance in appliances)
        {
            var state = Runtime.ReadState();
            if (!Apply(new ApplianceService(Target, docker).PlanDisconnect(appliance.Name, state), state))
            {
                return false;
            }
        }

        foreach (var router in routers)
        {
            var state = Runtime.ReadState();
            if (!Apply(new RouterService(Target, Runtime.Tools.Find, Runtime.Exists).PlanRemove(router.Name, state), state))
            {
                return false;
            }
        }

        return true;
    }
}
