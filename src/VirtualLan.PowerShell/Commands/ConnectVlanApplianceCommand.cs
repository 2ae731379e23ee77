using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Plugs a virtual appliance into a LAN: a network namespace, a Docker container, a whole Docker
/// network, a QEMU tap or an existing link such as VirtualBox's vboxnet0.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "VlanAppliance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NamespaceSet)]
[OutputType(typeof(Appliance))]
public sealed class ConnectVlanApplianceCommand : VlanCmdlet
{
    private const string NamespaceSet = "Namespace";
    private const string ContainerSet = "Container";
    private const string DockerNetworkSet = "DockerNetwork";
    private const string TapSet = "Tap";
    private const string InterfaceSet = "Interface";

    private readonly HashSet<(ApplianceKind, string)> _requested = new();
    private readonly HashSet<System.Net.IPAddress> _reserved = new();
    private readonly Lazy<ApplianceService> _service = new(() => new ApplianceService(LanHost, new Docker(Runtime.Runner)));

    /// <summary>Gets or sets the bridge to plug into; a bridge or router from the pipeline binds here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string Bridge { get; set; } = BridgeRequest.DefaultName;

    /// <summary>Gets or sets the network namespaces to plug in; several are planned and applied as one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NamespaceSet)]
    [ArgumentCompleter(typeof(Completers.NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>Gets or sets a value indicating whether a missing namespace is created, as seed 004's 'ip netns add' does.</summary>
    [Parameter(ParameterSetName = NamespaceSet)]
    public SwitchParameter Create { get; set; }

    /// <summary>Gets or sets the Docker containers (names or ids) to plug in.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ContainerSet)]
    [ArgumentCompleter(typeof(Completers.DockerContainerCompleter))]
    public string[]? Container { get; set; }

    /// <summary>Gets or sets the Docker bridge network to join to the LAN.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DockerNetworkSet)]
    [ArgumentCompleter(typeof(Completers.DockerNetworkCompleter))]
    public string? DockerNetwork { get; set; }

    /// <summary>Gets or sets the QEMU taps to plug in; each is created when it does not exist.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TapSet)]
    [ArgumentCompleter(typeof(Completers.TapCompleter))]
    public string[]? Tap { get; set; }

    /// <summary>Gets or sets the existing links to plug in, such as vboxnet0.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InterfaceSet)]
    [ArgumentCompleter(typeof(Completers.HostLinkCompleter))]
    public string[]? Interface { get; set; }

    /// <summary>Gets or sets the appliance's address; by default the next free one of its kind's pool.</summary>
    [Parameter(ParameterSetName = NamespaceSet)]
    [Parameter(ParameterSetName = ContainerSet)]
    [Parameter(ParameterSetName = TapSet)]
    [Parameter(ParameterSetName = InterfaceSet)]
    public string? Address { get; set; }

    /// <summary>Gets or sets the appliance's default gateway; by default the router's address, else the bridge's.</summary>
    [Parameter]
    public string? Gateway { get; set; }

    /// <summary>Gets or sets the name of the appliance's interface inside its namespace.</summary>
    [Parameter(ParameterSetName = NamespaceSet)]
    [Parameter(ParameterSetName = ContainerSet)]
    public string? InterfaceName { get; set; }

    /// <summary>Gets or sets the user who owns a tap the cmdlet creates, so QEMU can run as that user.</summary>
    [Parameter(ParameterSetName = TapSet)]
    public string? TapOwner { get; set; }

    /// <summary>Gets or sets a value indicating whether the Docker network's containers get LAN addresses and the LAN gateway.</summary>
    [Parameter(ParameterSetName = DockerNetworkSet)]
    public SwitchParameter ReaddressContainers { get; set; }

    /// <summary>Gets or sets a value indicating whether a container's working default route from Docker is replaced by one via the LAN's gateway.</summary>
    [Parameter(ParameterSetName = ContainerSet)]
    public SwitchParameter ReplaceDefaultRoute { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Connect-VlanAppliance");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var (kind, targets) = ParameterSetName switch
        {
            ContainerSet => (ApplianceKind.Container, Container),
            DockerNetworkSet => (ApplianceKind.DockerNetwork, new[] { DockerNetwork }),
            TapSet => (ApplianceKind.Tap, Tap),
            InterfaceSet => (ApplianceKind.Interface, Interface),
            _ => (ApplianceKind.Namespace, Namespace),
        };
        targets ??= Array.Empty<string>();
        if (Address is not null && targets.Length > 1)
        {
            Guard(
                () => throw new VlanException(ErrorIds.AddressForMany, VlanErrorKind.InvalidArgument, Address, $"-Address {Address} was given for {targets.Length} appliances, and an address can belong to one only. Leave -Address out to give each the next free one, or connect them one by one."),
                terminating: true);
        }

        foreach (var target in targets)
        {
            Guard(() =>
            {
                var request = ApplianceRequest.Create(kind, target, Bridge, Address, Gateway, InterfaceName, TapOwner, ReaddressContainers, Create, ReplaceDefaultRoute);
                if (_requested.Add((request.Kind, request.Name)))
                {
                    // Later inputs of the pipeline see the addresses the earlier ones took.
                    Queue(state =>
                    {
                        var (plan, appliance) = _service.Value.PlanConnect(request, state, _reserved);
                        return new(plan, _ => Connected(appliance));
                    });
                }
            });
        }
    }

    /// <summary>
    /// Plans every appliance of the pipeline from one read of the kernel's state, then applies them
    /// as one plan: one ip -batch per namespace, one iptables-restore per namespace and table.
    /// </summary>
    protected override void EndProcessing() => ApplyQueuedUpdatingDhcp("Connect", "appliances");

    private Appliance Connected(Appliance appliance)
    {
        if (appliance.Kind == ApplianceKind.Interface)
        {
            WriteWarning($"VirtualBox gives {appliance.Name} its host address back when a VM starts or stops. Run this command again to take it off again; it changes nothing when all is in place.");
        }

        return appliance;
    }
}
