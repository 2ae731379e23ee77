using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Removes a port forward: exactly its rules, and the connection-tracking entries of its flows.</summary>
[Cmdlet(VerbsCommon.Remove, "VlanPortForward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveVlanPortForwardCommand : VlanCmdlet
{
    /// <summary>Gets or sets the router; forwards from Get-VlanPortForward bind by their properties.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    public string Router { get; set; } = string.Empty;

    /// <summary>Gets or sets the protocol.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ForwardProtocol Protocol { get; set; } = ForwardProtocol.Tcp;

    /// <summary>Gets or sets the external port or range.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.PortForwardCompleter))]
    public string ExternalPort { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Remove-VlanPortForward");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var (router, protocol, ports) = (Router, Protocol, ExternalPort);
        Queue(state => new(new PortForwardService(LanHost, new Docker(Runtime.Runner)).PlanRemove(router, protocol, ports, state)));
    }

    /// <summary>Removes every forward of the pipeline with one plan: one iptables-restore per router and table.</summary>
    protected override void EndProcessing() => ApplyQueued("Remove", "port forwards");
}
