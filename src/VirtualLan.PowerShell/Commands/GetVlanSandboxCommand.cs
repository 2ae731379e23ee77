using System.Management.Automation;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>
/// Shows the sandbox this session works in; with -All or -Name, the sandboxes on the machine.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VlanSandbox", DefaultParameterSetName = CurrentSet)]
[OutputType(typeof(Sandbox))]
public sealed class GetVlanSandboxCommand : VlanCmdlet
{
    private const string CurrentSet = "Current";
    private const string NameSet = "Name";
    private const string AllSet = "All";

    private readonly List<string> _names = new();

    /// <summary>Gets or sets the names of the sandboxes to get; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.SandboxCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Gets or sets a value indicating whether every sandbox on the machine is listed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => _names.AddRange(Name ?? Array.Empty<string>());

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var state = Runtime.ReadState();
        if (ParameterSetName == CurrentSet)
        {
            if (ModuleSession.CurrentSandbox is not { } current)
            {
                WriteVerbose("This session is not in a sandbox: the cmdlets act on the machine's own network. Run Get-VlanSandbox -All to list the sandboxes.");
                return;
            }

            Guard(() => WriteObject(SandboxService.Read(current, state)));
            return;
        }

        IReadOnlyList<Sandbox> sandboxes = Array.Empty<Sandbox>();
        if (Guard(() => sandboxes = SandboxService.List(state), terminating: true))
        {
            // A namespace asked for by its exact name is shown even when Enter-VlanSandbox did not make it (IsManaged false).
            WriteSelected(sandboxes, _names, s => s.Name, name => SandboxService.Read(name, state));
        }
    }
}
