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
    private readonly List<PortForward> _planned = new();
    private readonly Lazy<PortForwardService> _service = new(() => new PortForwardService(LanHost, new Docker(Runtime.Runner)));

    /// <summary>Gets or sets the router; by default the router of the appliance's bridge.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    public string? Router { get; set; }

    /// <summary>Gets or sets the server's address on the LAN; an appliance from the pipeline binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Address { get; set; } = string.Empty;

    /// <summary>Gets or sets the appliance's name, recorded with the forward; bound from a piped appliance.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    [Alias("Name")]
    public string? Appliance { get; set; }

    /// <summary>Gets or sets the bridge of a piped appliance, to find its router.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
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

    /// <summary>Gets or sets an object from the pipeline: an appliance (its address, name and bridge bind), a router or a bridge (the forward goes through it; the appliance is the one that holds -Address), or an object with the parameters' names as properties.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanPortForward");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var address = RouterRequest.ParseAddress(Address.Split('/')[0], "Address");
            var external = ExternalAddress is null ? null : RouterRequest.ParseUnicast(ExternalAddress, "ExternalAddress");
            PortForwardService.ParsePorts(ExternalPort, "ExternalPort");
            var (router, bridge, protocol, externalPort, internalPort, appliance) = (Router, Bridge, Protocol, ExternalPort, InternalPort, Appliance);

            // A router or bridge from the pipeline says where the forward goes, never which appliance
            // it is for (its Name would otherwise bind -Appliance): that one holds the address.
            var piped = PipedInput.Of(InputObject);
            switch (piped)
            {
                case Router r:
                    (router, bridge, appliance) = (router ?? r.Name, r.Bridge, null);
                    break;
                case Bridge b:
                    (bridge, appliance) = (b.Name, null);
                    break;
                case HostNat or Sandbox or string or ValueType:
                    throw PipedInput.Mismatch(piped, "Add-VlanPortForward", "appliances, routers, bridges and objects with Address and ExternalPort properties");
            }


            // Later inputs of the pipeline see the forwards the earlier ones planned. What was
            // planned is what is in place after the apply: the forward is written without reading
            // the rules again.
            Queue(state =>
            {
                var name = router ?? _service.Value.RouterOf(bridge, state);
                var (plan, forward) = _service.Value.PlanAdd(name, protocol, externalPort, internalPort, address, external, appliance, state, _planned);
                _planned.Add(forward);
                return new(plan, _ => forward);
            });
        });
    }

    /// <summary>
    /// Plans every forward of the pipeline from one read of the kernel's state and applies them as
    /// one plan: one iptables-restore per router and table.
    /// </summary>
    protected override void EndProcessing() => ApplyQueued("Add", "port forwards");
}
