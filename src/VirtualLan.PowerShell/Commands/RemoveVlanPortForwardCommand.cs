using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Removes a port forward: exactly its rules, and the connection-tracking entries of its flows.</summary>
[Cmdlet(VerbsCommon.Remove, "VlanPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveVlanPortForwardCommand : VlanCmdlet
{
    /// <summary>Gets or sets the router, the first positional argument; forwards from Get-VlanPortForward bind by their properties, a piped router by its Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    [Alias("Name")]
    public string Router { get; set; } = string.Empty;

    /// <summary>Gets or sets the protocol.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ForwardProtocol Protocol { get; set; } = ForwardProtocol.Tcp;

    /// <summary>Gets or sets the external port or range, the second positional argument.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.PortForwardCompleter))]
    public string ExternalPort { get; set; } = string.Empty;

    /// <summary>Gets or sets an object from the pipeline: a port forward (its Router, Protocol and ExternalPort bind), or a router whose forward on -ExternalPort to remove; another object of the module is an error (PipelineInputMismatch).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanPortForward");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if ((PipedInput.Of(InputObject) is Router ? null : PipedInput.Refuse<PortForward>(InputObject, "Remove-VlanPortForward", "port forwards and routers", "Run Get-VlanPortForward to pick the forwards, and pipe those")) is { } refused)
        {
            Guard(() => throw refused);
            return;
        }

        var (router, protocol, ports) = (Router, Protocol, ExternalPort);
        Queue(state => new(new PortForwardService(LanHost, new Docker(Runtime.Runner)).PlanRemove(router, protocol, ports, state)));
    }

    /// <summary>Removes every forward of the pipeline with one plan: one iptables-restore per router and table.</summary>
    protected override void EndProcessing() => ApplyQueued("Remove", "port forwards");
}
