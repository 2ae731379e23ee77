using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads from the host's rules which LANs the host masquerades.</summary>
[Cmdlet(VerbsCommon.Get, "VlanHostNat")]
[OutputType(typeof(HostNat))]
public sealed class GetVlanHostNatCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge to ask about; all bridges by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string? Bridge { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = new HostNatService(LanHost);
            var state = Runtime.ReadState();
            WriteObject(service.List(state).Where(n => Bridge is null || n.Bridge == Bridge), enumerateCollection: true);
        });
    }
}
