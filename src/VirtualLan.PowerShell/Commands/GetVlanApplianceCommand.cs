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
    private readonly List<string> _names = new();

    /// <summary>Gets or sets the names of the appliances to get; wildcards are allowed.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completers.ApplianceCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets the kind of appliance to get.</summary>
    [Parameter]
    public ApplianceKind? Kind { get; set; }

    /// <summary>Gets or sets the bridges whose appliances to get.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string[]? Bridge { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a bridge, router or host NAT (the appliances of its LAN), a port forward (its appliance), an appliance (read again) or an appliance's name.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var piped = PipedInput.Of(InputObject);
        switch (piped)
        {
            case Bridge b: _bridges.Add(b.Name); break;
            case Router r: _bridges.Add(r.Bridge); break;
            case HostNat n: _bridges.Add(n.Bridge); break;
            case Appliance a: _names.Add(a.Name); break;
            case PortForward { Appliance: { } appliance }: _names.Add(appliance); break;
            case PortForward f:
                Guard(() => throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, f, $"The port forward {f.Router} {f} goes to {f.InternalAddress}, which no appliance of the module holds. Run Get-VlanAppliance to see them."));
                break;
            case string s: _names.Add(s); break;
            case Sandbox or ValueType:
                Guard(() => throw PipedInput.Mismatch(piped, "Get-VlanAppliance", "bridges, routers, host NATs, port forwards, appliances and appliance names"));
                break;
            default: _bridges.AddRange(Bridge ?? Array.Empty<string>()); break;
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new ApplianceService(LanHost, new Docker(Runtime.Runner));
        var state = Runtime.ReadState();
        IReadOnlyList<Appliance> appliances = Array.Empty<Appliance>();
        if (!Guard(() => appliances = service.List(state), terminating: true))
        {
            return;
        }

        var known = Array.Empty<string>();
        Guard(() => known = new BridgeService(LanHost).List(state, includeUnmanaged: true).Select(b => b.Name).ToArray(), terminating: true);
        foreach (var missing in _bridges.Distinct().Where(b => !known.Contains(b)).ToArray())
        {
            _bridges.RemoveAll(b => b == missing);
            Guard(() => throw new VlanException(ErrorIds.BridgeNotFound, VlanErrorKind.ObjectNotFound, missing, $"There is no bridge named '{missing}' in {LanHost.DisplayName}, so it has no appliances. Run Get-VlanBridge -All to see the bridges."));
            if (_bridges.Count == 0)
            {
                return;
            }
        }

        WriteSelected(
            appliances.Where(a => (_bridges.Count == 0 || _bridges.Contains(a.Bridge)) && (Kind is null || a.Kind == Kind)).ToArray(),
            (Name ?? Array.Empty<string>()).Concat(_names).ToArray(),
            a => a.Name,
            name => throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, name, $"No appliance named '{name}' is connected in {LanHost.DisplayName}. Run Get-VlanAppliance to see them."));
    }
}
