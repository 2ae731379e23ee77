using System.Management.Automation;

namespace VirtualLan.Commands;

/// <summary>Reads the LANs' DHCP and DNS servers: where each runs, its ranges, domain and upstreams.</summary>
[Cmdlet(VerbsCommon.Get, "VlanDhcp")]
[OutputType(typeof(DhcpServer))]
public sealed class GetVlanDhcpCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge to ask about; all bridges by default. Bridges and routers from the pipeline bind here.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string? Bridge { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var state = Runtime.ReadState();
            var service = DhcpPlanner();
            WriteObject(Bridge is null ? service.List(state) : new[] { service.Read(Bridge, state) }.OfType<DhcpServer>(), enumerateCollection: true);
        });
    }
}
