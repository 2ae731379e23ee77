using System.Management.Automation;

namespace VirtualLan.Commands;

/// <summary>Reads the VXLAN tunnels the module made, from the records on their devices.</summary>
[Cmdlet(VerbsCommon.Get, "VlanTunnel")]
[OutputType(typeof(Tunnel))]
public sealed class GetVlanTunnelCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge to ask about; all bridges by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string? Bridge { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var state = Runtime.ReadState();
            var service = Tunnels.Service();
            WriteObject(Bridge is null ? service.List(state) : new[] { service.Read(Bridge, state) }, enumerateCollection: true);
        });
    }
}
