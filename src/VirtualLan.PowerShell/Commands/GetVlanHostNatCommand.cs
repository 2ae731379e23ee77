using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads from the host's rules which LANs the host masquerades.</summary>
[Cmdlet(VerbsCommon.Get, "VlanHostNat")]
[OutputType(typeof(HostNat))]
public sealed class GetVlanHostNatCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge to ask about; all bridges by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string? Bridge { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a bridge, router, appliance or port forward (the host NAT of its LAN), or a bridge's name.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var state = Runtime.ReadState();
            var piped = PipedInput.Of(InputObject);
            var bridge = piped switch
            {
                Bridge b => b.Name,
                Router r => r.Bridge,
                Appliance a => a.Bridge,
                HostNat n => n.Bridge,
                PortForward f => new Readers.RouterReader(LanHost).Read(f.Router, state).Bridge,
                string s => s,
                Sandbox or ValueType => throw PipedInput.Mismatch(piped, "Get-VlanHostNat", "bridges, routers, appliances, port forwards, host NATs and bridge names"),
                _ => Bridge,
            };
            if (bridge is not null && new BridgeService(LanHost).List(state, includeUnmanaged: true).All(b => b.Name != bridge))
            {
                throw new VlanException(ErrorIds.BridgeNotFound, VlanErrorKind.ObjectNotFound, bridge, $"There is no bridge named '{bridge}' in {LanHost.DisplayName}. Run Get-VlanBridge -All to see the bridges.");
            }

            WriteObject(new HostNatService(LanHost).List(state).Where(n => bridge is null || n.Bridge == bridge), enumerateCollection: true);
        });
    }
}
