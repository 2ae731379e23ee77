using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Takes hosts out of a bridge's VXLAN tunnel: their flood entries and, on a router, their firewall rules go.</summary>
[Cmdlet(VerbsCommon.Remove, "VlanTunnelPeer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Tunnel))]
public sealed class RemoveVlanTunnelPeerCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose tunnel changes; tunnels from the pipeline bind here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the peers' underlay addresses.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(Completers.TunnelPeerCompleter))]
    public string[] Peer { get; set; } = [];

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanTunnelPeer");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = Tunnels.Service();
        ApplyNow(state =>
        {
            var peers = Peer.Select(p => TunnelRequest.Unicast(p, "-Peer", ErrorIds.TunnelPeerInvalid)).Distinct().ToArray();
            return new(service.PlanPeers(Bridge, [], peers, state), after => service.Read(Bridge, after));
        });
    }
}
