using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Creates seed 000's PAT router: a network namespace that takes the uplink, forwards the LAN's
/// traffic out of it with MASQUERADE and a default-deny FORWARD policy, and is the LAN's gateway.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VlanRouterNamespace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KeepSet)]
[OutputType(typeof(Router))]
public sealed class AddVlanRouterNamespaceCommand : VlanCmdlet
{
    private const string KeepSet = "Keep";
    private const string DhcpSet = "Dhcp";
    private const string StaticSet = "Static";

    /// <summary>Gets or sets the bridge whose gateway the router becomes; a bridge object from New-VlanBridge binds here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the router's name, which is also its namespace's name.</summary>
    [Parameter(Position = 0)]
    public string Name { get; set; } = RouterRequest.DefaultName;

    /// <summary>Gets or sets the router's address on the LAN: the appliances' default gateway.</summary>
    [Parameter]
    public string? GatewayAddress { get; set; }

    /// <summary>Gets or sets the link that reaches the outside network, moved into the router.</summary>
    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(Completers.HostLinkCompleter))]
    public string Uplink { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether the uplink gets its address by DHCP inside the router.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DhcpSet)]
    public SwitchParameter Dhcp { get; set; }

    /// <summary>Gets or sets the uplink's static address with its prefix.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StaticSet)]
    public string? UplinkAddress { get; set; }

    /// <summary>Gets or sets the router's gateway on the uplink side.</summary>
    [Parameter(ParameterSetName = StaticSet)]
    public string? UplinkGateway { get; set; }

    /// <summary>Gets or sets the host's address on the host ↔ router link, with its prefix.</summary>
    [Parameter]
    public string? HostLink { get; set; }

    /// <summary>Gets or sets a value indicating whether the host's default route goes through the router.</summary>
    [Parameter]
    public SwitchParameter RouteHostTraffic { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Add-VlanRouterNamespace");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var service = new RouterService(LanHost, Runtime.Tools.Find, Runtime.Exists);
        ApplyNow(state =>
        {
            var request = RouterRequest.Create(Name, Bridge, GatewayAddress, Uplink, Dhcp, UplinkAddress, UplinkGateway, HostLink, RouteHostTraffic);
            return new(service.PlanAdd(request, state), after => service.Read(request.Name, after));
        });
    }
}
