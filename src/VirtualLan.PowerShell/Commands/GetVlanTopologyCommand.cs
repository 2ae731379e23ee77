using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>
/// Reads the whole LAN from the kernel as one topology: the host, the bridges, routers, appliances
/// by kind and the internet as nodes, and the veths, taps, ports, uplinks and port forwards between
/// them as edges, each with its interfaces' names, addresses, MACs and MTU.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VlanTopology")]
[OutputType(typeof(Topology))]
public sealed class GetVlanTopologyCommand : VlanCmdlet
{
    private readonly List<object> _piped = new();

    /// <summary>Gets or sets the bridges whose LANs to read; every bridge VirtualLan made by default.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Bridge { get; set; }

    /// <summary>Gets or sets a configuration document (Export-VlanConfiguration) to take the topology from instead of the live LAN: a LAN not built yet.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigurationPath { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a bridge, or a router, appliance, host NAT or port forward (its LAN), or a bridge's name.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (PipedInput.Of(InputObject) is { } piped)
        {
            _piped.Add(piped);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        Guard(
            () =>
            {
                if (ConfigurationPath is not null)
                {
                    WriteObject(Configuration.DocumentTopology.From(ConfigurationFile.Read(this, ConfigurationPath).Document, LanHost, Bridge));
                    return;
                }

                var state = Runtime.ReadState();
                var bridges = TopologyBridges.Of(_piped, Bridge, state, "Get-VlanTopology");
                WriteObject(TopologyReader.For(LanHost, new Docker(Runtime.Runner)).Read(state, bridges));
            },
            terminating: true);
    }
}
