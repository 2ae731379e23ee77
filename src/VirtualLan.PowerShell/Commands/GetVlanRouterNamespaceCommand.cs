using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads the router namespaces of the host from the kernel.</summary>
[Cmdlet(VerbsCommon.Get, "VlanRouterNamespace")]
[OutputType(typeof(Router))]
public sealed class GetVlanRouterNamespaceCommand : VlanCmdlet
{
    private readonly List<string> _names = new();
    private readonly List<string> _bridges = new();

    /// <summary>Gets or sets the names of the routers to get; wildcards are allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets the bridge whose router to get.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    public string? Bridge { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a bridge, appliance or host NAT (the router of its LAN), a port forward (its router), a router (read again) or a router's name.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var piped = PipedInput.Of(InputObject);
        switch (piped)
        {
            case Bridge b: _bridges.Add(b.Name); break;
            case Appliance a: _bridges.Add(a.Bridge); break;
            case HostNat n: _bridges.Add(n.Bridge); break;
            case Router r: _names.Add(r.Name); break;
            case PortForward f: _names.Add(f.Router); break;
            case string s: _names.Add(s); break;
            case Sandbox or ValueType:
                Guard(() => throw PipedInput.Mismatch(piped, "Get-VlanRouterNamespace", "bridges, appliances, host NATs, port forwards, routers and router names"));
                break;
            default: _names.AddRange(Name ?? Array.Empty<string>()); break;
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new RouterService(LanHost, Runtime.Tools.Find, Runtime.Exists);
        var state = Runtime.ReadState();
        IReadOnlyList<Router> routers = Array.Empty<Router>();
        if (!Guard(() => routers = service.Routers(state), terminating: true))
        {
            return;
        }

        if (Bridge is not null)
        {
            _bridges.Add(Bridge);
        }

        // A LAN asked for by its bridge has its router, or the answer is an error that says it has none.
        foreach (var bridge in _bridges.Distinct())
        {
            var serving = routers.Where(r => r.Bridge == bridge).ToArray();
            if (serving.Length == 0)
            {
                Guard(() => throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, bridge, $"No router serves the bridge '{bridge}' in {LanHost.DisplayName}. Add one with Add-VlanRouterNamespace -Bridge {bridge}, or run Get-VlanRouterNamespace to see the routers."));
            }
            else if (_names.Count == 0)
            {
                WriteObject(serving, enumerateCollection: true);
            }
        }

        if (_names.Count > 0 || _bridges.Count == 0)
        {
            // An exact name that matches none is read on its own, whose error says why it is no router.
            var selected = routers.Where(r => _bridges.Count == 0 || _bridges.Contains(r.Bridge)).ToArray();
            WriteSelected(selected, _names, r => r.Name, name => service.Read(name, state) is { } router && (_bridges.Count == 0 || _bridges.Contains(router.Bridge)) ? router : null);
        }
    }
}
