using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Starts a LAN's DHCP and DNS server: dnsmasq in the router's namespace bound to its LAN leg, or,
/// with no router, in the host's namespace bound to the bridge only.
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "VlanDhcp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DhcpServer))]
public sealed class EnableVlanDhcpCommand : VlanCmdlet
{
    /// <summary>Gets or sets the bridge whose LAN is served; bridges, routers and host NATs from the pipeline bind here.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the DNS domain of the LAN's names (NAME.DOMAIN); lan by default.</summary>
    [Parameter]
    public string? Domain { get; set; }

    /// <summary>Gets or sets the range handed out to MACs of no known vendor, as FIRST-LAST; 172.24.5.2-172.24.5.254 on seed 000's LAN by default.</summary>
    [Parameter]
    public string? Range { get; set; }

    /// <summary>Gets or sets how long a lease lasts; one hour by default.</summary>
    [Parameter]
    public TimeSpan? LeaseTime { get; set; }

    /// <summary>Gets or sets the DNS search domains given to clients; the domain by default.</summary>
    [Parameter]
    public string[]? SearchDomain { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Enable-VlanDhcp");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = DhcpPlanner();
        var appliances = new ApplianceService(LanHost, new Docker(Runtime.Runner));
        ApplyNow(
            state => new(service.PlanEnable(Bridge, Domain, LeaseTime, Range, SearchDomain, appliances.List(state), state), after => service.Read(Bridge, after)),
            DhcpService.StartFailure);
    }
}
