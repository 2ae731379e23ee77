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
    private readonly List<Request> _requests = new();

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

    /// <summary>
    /// Gets or sets the external port or range, such as 4000 or 4000-4010; bound by name from piped
    /// objects (a CSV of forwards), or computed per piped appliance with a script block.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ExternalPort { get; set; } = string.Empty;

    /// <summary>Gets or sets the server's port, or the first of its range; the external port by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? InternalPort { get; set; }

    /// <summary>Gets or sets the protocol.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ForwardProtocol Protocol { get; set; } = ForwardProtocol.Tcp;

    /// <summary>Gets or sets the public address; the router's uplink address by default.</summary>
    [Parameter]
    public string? ExternalAddress { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanPortForward");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var address = RouterRequest.ParseAddress(Address.Split('/')[0], "Address");
            var external = ExternalAddress is null ? null : RouterRequest.ParseAddress(ExternalAddress, "ExternalAddress");
            PortForwardService.ParsePorts(ExternalPort, "ExternalPort");
            _requests.Add(new Request(Router, Bridge, Protocol, ExternalPort, InternalPort, address, external, Appliance));
        });
    }

    /// <summary>
    /// Plans every forward of the pipeline from one read of the kernel's state and applies them as
    /// one plan: one iptables-restore per router and table.
    /// </summary>
    protected override void EndProcessing()
    {
        if (_requests.Count == 0)
        {
            return;
        }

        GuardLocked(() =>
        {
            var state = Runtime.ReadState();
            var routers = new RouterService(Target, _ => null, _ => false).Routers(state);
            var service = new PortForwardService(Target, new Docker(Runtime.Runner));
            var planned = new List<(Execution.Plan Plan, PortForward Forward)>();
            var forwards = new List<PortForward>();
            foreach (var r in _requests)
            {
                Guard(() =>
                {
                    var router = r.Router ?? routers.FirstOrDefault(x => r.Bridge is null || x.Bridge == r.Bridge)?.Name
                        ?? throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, r.Bridge, $"There is no router{(r.Bridge is null ? string.Empty : $" for '{r.Bridge}'")} in {Target.DisplayName}. Give one with -Router, or make one with Add-VlanRouterNamespace.");
                    var (plan, forward) = service.PlanAdd(router, r.Protocol, r.ExternalPort, r.InternalPort, r.Address, r.ExternalAddress, r.Appliance, state, forwards);
                    planned.Add((plan, forward));
                    forwards.Add(forward);
                });
            }

            var title = planned.Count == 1 ? planned[0].Plan.Title : $"Add {planned.Count} port forwards";
            var inPlace = ApplyAll(planned.Select(p => p.Plan).ToArray(), state, title, Target.DisplayName);
            if (IsWhatIf)
            {
                return;
            }

            // What was planned is what is in place now: the forwards are written without reading the rules again.
            for (var i = 0; i < planned.Count; i++)
            {
                if (inPlace[i])
                {
                    WriteObject(planned[i].Forward);
                }
            }
        });
    }

    private sealed record Request(string? Router, string? Bridge, ForwardProtocol Protocol, string ExternalPort, string? InternalPort, System.Net.IPAddress Address, System.Net.IPAddress? ExternalAddress, string? Appliance);
}
