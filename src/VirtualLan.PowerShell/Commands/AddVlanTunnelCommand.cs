using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Stretches a bridge's LAN to other hosts over VXLAN: a VXLAN device, a port of the bridge, that
/// replicates broadcasts to each peer by unicast, with the MTU of the LAN lowered by the 50 bytes of
/// overhead. Unencrypted: use it on an underlay you trust.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VlanTunnel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Tunnel))]
public sealed class AddVlanTunnelCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose LAN the tunnel stretches; a bridge from the pipeline binds here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the other hosts' underlay addresses (unicast IPv4).</summary>
    [Parameter(Mandatory = true)]
    public string[] Peer { get; set; } = [];

    /// <summary>Gets or sets the VXLAN network identifier, 1–16777215, the same on every host.</summary>
    [Parameter(Mandatory = true)]
    public long Vni { get; set; }

    /// <summary>Gets or sets the UDP port, the same on every host.</summary>
    [Parameter]
    public int Port { get; set; } = TunnelRequest.DefaultPort;

    /// <summary>Gets or sets the local underlay address, or auto: the router's uplink address, else the address facing the first peer.</summary>
    [Parameter]
    public string Local { get; set; } = "auto";

    /// <summary>Gets or sets this host's index in the LAN, 0–3, different on every host: each hands out its own quarter of every address pool.</summary>
    [Parameter]
    public int HostIndex { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanTunnel");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = Tunnels.Service();
        ApplyNow(state => new(service.PlanAdd(TunnelRequest.Create(Bridge, Peer, Vni, Port, Local, HostIndex), state), after => service.Read(Bridge, after)));
    }
}
