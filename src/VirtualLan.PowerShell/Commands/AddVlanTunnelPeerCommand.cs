using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Adds hosts to a bridge's VXLAN tunnel: their underlay addresses join its flood list and, on a router, its firewall.</summary>
[Cmdlet(VerbsCommon.Add, "VlanTunnelPeer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Tunnel))]
public sealed class AddVlanTunnelPeerCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose tunnel changes; tunnels from the pipeline bind here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the peers' underlay addresses.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string[] Peer { get; set; } = [];

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanTunnelPeer");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = Tunnels.Service();
        ApplyNow(state =>
        {
            var peers = Peer.Select(p => TunnelRequest.Unicast(p, "-Peer", ErrorIds.TunnelPeerInvalid)).Distinct().ToArray();
            return new(service.PlanPeers(Bridge, peers, [], state), after => service.Read(Bridge, after));
        });
    }
}
