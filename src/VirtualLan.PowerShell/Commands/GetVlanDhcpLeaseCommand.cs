using System.Management.Automation;

namespace VirtualLan.Commands;

/// <summary>Reads a LAN's DHCP leases: those dnsmasq handed out, then the static ones of the module's appliances.</summary>
[Cmdlet(VerbsCommon.Get, "VlanDhcpLease")]
[OutputType(typeof(DhcpLease))]
public sealed class GetVlanDhcpLeaseCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge; every LAN with DHCP on by default. Bridges, routers and DHCP servers from the pipeline bind here.</summary>
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
            var bridges = Bridge is null ? service.List(state).Select(s => s.Bridge) : new[] { Bridge };
            WriteObject(bridges.SelectMany(b => service.Leases(b, state)), enumerateCollection: true);
        });
    }
}
