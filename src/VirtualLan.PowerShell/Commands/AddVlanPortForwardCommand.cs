using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Forwards a port of a router's public address to a server on the LAN, with NAT loopback, so the
/// internet, the host and the LAN all reach it at the public address.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VlanPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PortForward))]
public sealed class AddVlanPortForwardCommand : VlanCmdlet
{
    /// <summary>Gets or sets the router; by default the router of the appliance's bridge.</summary>
    [Parameter]
    public string? Router { get; set; }

    /// <summary>Gets or sets the server's address on the LAN; an appliance from the pipeline binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Address { get; set; } = string.Empty;

    /// <summary>Gets or sets the appliance's name, recorded with the forward; bound from a piped appliance.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string? Appliance { get; set; }

    /// <summary>Gets or sets the bridge of a piped appliance, to find its router.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? Bridge { get; set; }

    /// <summary>Gets or sets the external port or range, such as 4000 or 4000-4010.</summary>
    [Parameter(Mandatory = true)]
    public string ExternalPort { get; set; } = string.Empty;

    /// <summary>Gets or sets the server's port, or the first of its range; the external port by default.</summary>
    [Parameter]
    public string? InternalPort { get; set; }

    /// <summary>Gets or sets the protocol.</summary>
    [Parameter]
    public ForwardProtocol Protocol { get; set; } = ForwardProtocol.Tcp;

    /// <summary>Gets or sets the public address; the router's uplink address by default.</summary>
    [Parameter]
    public string? ExternalAddress { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanPortForward");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        GuardLocked(() =>
        {
            var address = RouterRequest.ParseAddress(Address.Split('/')[0], "Address");
            var external = ExternalAddress is null ? null : RouterRequest.ParseAddress(ExternalAddress, "ExternalAddress");
            var state = Runtime.ReadState();
            var router = Router ?? new RouterService(Target, _ => null, _ => false).Routers(state).FirstOrDefault(r => Bridge is null || r.Bridge == Bridge)?.Name
                ?? throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, Bridge, $"There is no router{(Bridge is null ? string.Empty : $" for '{Bridge}'")} in {Target.DisplayName}. Give one with -Router, or make one with Add-VlanRouterNamespace.");
            var service = new PortForwardService(Target, new Docker(Runtime.Runner));
            var (plan, forward) = service.PlanAdd(router, Protocol, ExternalPort, InternalPort, address, external, Appliance, state);
            if (Apply(plan, state) && !IsWhatIf)
            {
                WriteObject(service.List(state).First(f => f.Router == router && f.Protocol == Protocol && f.ExternalPort == forward.ExternalPort));
            }
        });
    }
}
