using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Sets the peers of a bridge's VXLAN tunnel to the list given: those missing are added, the others removed.</summary>
[Cmdlet(VerbsCommon.Set, "VlanTunnel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Tunnel))]
public sealed class SetVlanTunnelCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose tunnel changes; bridges and tunnels from the pipeline bind here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets every peer the tunnel is to have.</summary>
    [Parameter(Mandatory = true)]
    public string[] Peer { get; set; } = [];

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Set-VlanTunnel");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = Tunnels.Service();
        ApplyNow(state =>
        {
            var wanted = Peer.Select(p => TunnelRequest.Unicast(p, "-Peer", ErrorIds.TunnelPeerInvalid)).Distinct().ToArray();
            var have = service.Read(Bridge, state).Peers;
            return new(service.PlanPeers(Bridge, wanted.Except(have).ToArray(), have.Except(wanted).ToArray(), state), after => service.Read(Bridge, after));
        });
    }
}
