using System.Management.Automation;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>The kinds a sample parameter takes, to show that an enum's names become the choices.</summary>
public enum SampleKind
{
    /// <summary>A namespace.</summary>
    Namespace,

    /// <summary>A tap.</summary>
    Tap,
}

/// <summary>
/// A cmdlet that HelpGen reads from this test assembly as it reads the module: two parameter
/// sets, a parameter mandatory in one set only, positions, both pipeline bindings, an alias, a
/// nullable value type, an enum, ShouldProcess, and a property that is not a parameter.
/// </summary>
[Cmdlet(VerbsCommon.New, "VlanBridge", DefaultParameterSetName = "Default", SupportsShouldProcess = true)]
[OutputType(typeof(Bridge))]
public sealed class SampleNewBridgeCommand : PSCmdlet
{
    /// <summary>Gets or sets the name.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BridgeName")]
    public string Name { get; set; } = "virtualnet0";

    /// <summary>Gets or sets the address.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Default")]
    public string? Address { get; set; }

    /// <summary>Gets or sets the replace switch.</summary>
    [Parameter(ParameterSetName = "Default")]
    [Parameter(Mandatory = true, ParameterSetName = "Other")]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets the MTU.</summary>
    [Parameter(Position = 2)]
    [ValidateSet("1500", "9000")]
    public int? Mtu { get; set; }

    /// <summary>Gets or sets the kind.</summary>
    [Parameter(ParameterSetName = "Other")]
    public SampleKind Kind { get; set; }

    /// <summary>Gets or sets a property that is no parameter, so it is not in the help.</summary>
    public string? NotAParameter { get; set; }
}

/// <summary>A cmdlet with one parameter in every set and no ShouldProcess.</summary>
[Cmdlet(VerbsCommon.Get, "VlanBridge")]
[OutputType(typeof(Bridge))]
public sealed class SampleGetBridgeCommand : PSCmdlet
{
    /// <summary>Gets or sets the names.</summary>
    [Parameter(Position = 0)]
    public string[]? Name { get; set; }
}
