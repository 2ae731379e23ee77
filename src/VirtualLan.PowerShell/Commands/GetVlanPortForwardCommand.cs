using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads the port forwards of the host's routers from their rules.</summary>
[Cmdlet(VerbsCommon.Get, "VlanPortForward")]
[OutputType(typeof(PortForward))]
public sealed class GetVlanPortForwardCommand : VlanCmdlet
{
    /// <summary>Gets or sets the router whose forwards to get; routers from the pipeline bind by their Name.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    [Alias("Name")]
    public string? Router { get; set; }

    /// <summary>Gets or sets the protocol to get.</summary>
    [Parameter]
    public ForwardProtocol? Protocol { get; set; }

    /// <summary>Gets or sets the external port or range to get.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.PortForwardCompleter))]
    public string? ExternalPort { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var forwards = new PortForwardService(LanHost, new Docker(Runtime.Runner)).List(Runtime.ReadState());
            WriteObject(
                forwards.Where(f => (Router is null || f.Router == Router) && (Protocol is null || f.Protocol == Protocol) && (ExternalPort is null || f.ExternalPort == ExternalPort)),
                enumerateCollection: true);
        });
    }
}
