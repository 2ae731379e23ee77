using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Reads bridges from the kernel. By default it lists the bridges VirtualLan made; with -All it
/// lists every bridge of the host (docker0, br-… and the like).
/// </summary>
[Cmdlet(VerbsCommon.Get, "VlanBridge")]
[OutputType(typeof(Bridge))]
public sealed class GetVlanBridgeCommand : VlanCmdlet
{
    private readonly List<string> _names = new();
    private readonly List<string> _routers = new();

    /// <summary>Gets or sets the names of the bridges to get; wildcards are allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets a value indicating whether bridges VirtualLan did not make are listed too.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a router, appliance or host NAT (its bridge), a port forward (its router's bridge), a bridge (read again) or a bridge's name.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var piped = PipedInput.Of(InputObject);
        switch (piped)
        {
            case Bridge b: _names.Add(b.Name); break;
            case Router r: _names.Add(r.Bridge); break;
            case Appliance a: _names.Add(a.Bridge); break;
            case HostNat n: _names.Add(n.Bridge); break;
            case PortForward f: _routers.Add(f.Router); break;
            case string s: _names.Add(s); break;
            case Sandbox or ValueType:
                Guard(() => throw PipedInput.Mismatch(piped, "Get-VlanBridge", "routers, appliances, host NATs, port forwards, bridges and bridge names"));
                break;
            default: _names.AddRange(Name ?? Array.Empty<string>()); break;
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new BridgeService(LanHost);
        var state = Runtime.ReadState();
        IReadOnlyList<Bridge> bridges = Array.Empty<Bridge>();
        if (_routers.Count > 0)
        {
            var routers = new Readers.RouterReader(LanHost);
            foreach (var router in _routers.Distinct())
            {
                Guard(() => _names.Add(routers.Read(router, state).Bridge));
            }

            if (_names.Count == 0)
            {
                return;
            }
        }

        if (Guard(() => bridges = service.List(state, includeUnmanaged: true), terminating: true))
        {
            // A bridge asked for by its exact name is returned even when VirtualLan did not make it.
            WriteSelected(bridges.Where(b => All || b.IsManaged).ToArray(), _names, b => b.Name, name => service.Read(name, state));
        }
    }
}
