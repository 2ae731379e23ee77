using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads the appliances plugged into the host's LANs from the kernel.</summary>
[Cmdlet(VerbsCommon.Get, "VlanAppliance")]
[OutputType(typeof(Appliance))]
public sealed class GetVlanApplianceCommand : VlanCmdlet
{
    private readonly List<string> _bridges = new();

    /// <summary>Gets or sets the names of the appliances to get; wildcards are allowed.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets the kind of appliance to get.</summary>
    [Parameter]
    public ApplianceKind? Kind { get; set; }

    /// <summary>Gets or sets the bridges whose appliances to get; bridges and routers from the pipeline bind here.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string[]? Bridge { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => _bridges.AddRange(Bridge ?? Array.Empty<string>());

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new ApplianceService(LanHost, new Docker(Runtime.Runner));
        IReadOnlyList<Appliance> appliances = Array.Empty<Appliance>();
        if (Guard(() => appliances = service.List(Runtime.ReadState()), terminating: true))
        {
            WriteSelected(
                appliances.Where(a => (_bridges.Count == 0 || _bridges.Contains(a.Bridge)) && (Kind is null || a.Kind == Kind)).ToArray(),
                Name ?? Array.Empty<string>(),
                a => a.Name,
                name => throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, name, $"No appliance named '{name}' is connected in {LanHost.DisplayName}. Run Get-VlanAppliance to see them."));
        }
    }
}
