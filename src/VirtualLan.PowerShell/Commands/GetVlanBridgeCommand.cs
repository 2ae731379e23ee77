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

    /// <summary>Gets or sets the names of the bridges to get; wildcards are allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets a value indicating whether bridges VirtualLan did not make are listed too.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => _names.AddRange(Name ?? Array.Empty<string>());

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new BridgeService(LanHost);
        var state = Runtime.ReadState();
        IReadOnlyList<Bridge> bridges = Array.Empty<Bridge>();
        if (Guard(() => bridges = service.List(state, includeUnmanaged: true), terminating: true))
        {
            // A bridge asked for by its exact name is returned even when VirtualLan did not make it.
            WriteSelected(bridges.Where(b => All || b.IsManaged).ToArray(), _names, b => b.Name, name => service.Read(name, state));
        }
    }
}
