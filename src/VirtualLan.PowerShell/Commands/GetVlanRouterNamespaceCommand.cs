using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads the router namespaces of the host from the kernel.</summary>
[Cmdlet(VerbsCommon.Get, "VlanRouterNamespace")]
[OutputType(typeof(Router))]
public sealed class GetVlanRouterNamespaceCommand : VlanCmdlet
{
    private readonly List<string> _names = new();

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

    /// <inheritdoc />
    protected override void ProcessRecord() => _names.AddRange(Name ?? Array.Empty<string>());

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var service = new RouterService(LanHost, Runtime.Tools.Find, Runtime.Exists);
        var state = Runtime.ReadState();
        IReadOnlyList<Router> routers = Array.Empty<Router>();
        if (Guard(() => routers = service.Routers(state), terminating: true))
        {
            // An exact name that matches none is read on its own, whose error says why it is no router.
            var selected = routers.Where(r => Bridge is null || r.Bridge == Bridge).ToArray();
            WriteSelected(selected, _names, r => r.Name, name => service.Read(name, state) is { } router && (Bridge is null || router.Bridge == Bridge) ? router : null);
        }
    }
}
