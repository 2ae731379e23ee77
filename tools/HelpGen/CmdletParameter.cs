namespace VirtualLan.HelpGen;

/// <summary>One parameter of a cmdlet as its attributes declare it.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="TypeName">The short type name as Get-Help shows it, for example String[] or Int32 for int?.</param>
/// <param name="IsSwitch">Whether the type is SwitchParameter, which takes no value.</param>
/// <param name="Aliases">The names from [Alias].</param>
/// <param name="ValidValues">The values from [ValidateSet], or an enum's names; empty when any value goes.</param>
/// <param name="Bindings">One entry per [Parameter] attribute, that is per parameter set it is in.</param>
public sealed record CmdletParameter(
    string Name,
    string TypeName,
    bool IsSwitch,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> ValidValues,
    IReadOnlyList<ParameterBinding> Bindings)
{
    /// <summary>The set name PowerShell gives a [Parameter] without ParameterSetName.</summary>
    public const string AllSets = "__AllParameterSets";

    /// <summary>Gets a value indicating whether the parameter is mandatory in any of its sets.</summary>
    public bool Required => Bindings.Any(b => b.Mandatory);

    /// <summary>Gets the first position the parameter has in any set, or null when it is named only.</summary>
    public int? Position => Bindings.Select(b => b.Position).FirstOrDefault(p => p is not null);

    /// <summary>Gets every way the parameter binds from the pipeline, in any set.</summary>
    public PipelineInput PipelineInput => Bindings.Aggregate(PipelineInput.None, (all, b) => all | b.PipelineInput);

    /// <summary>
    /// Gets how the parameter binds in a parameter set, or null when it is not in that set.
    /// </summary>
    /// <param name="setName">A set name, or <see cref="AllSets"/> for a cmdlet without named sets.</param>
    /// <returns>The binding of that set, else the binding for every set, else null.</returns>
    public ParameterBinding? In(string setName) =>
        Bindings.FirstOrDefault(b => string.Equals(b.SetName, setName, StringComparison.OrdinalIgnoreCase))
        ?? Bindings.FirstOrDefault(b => b.SetName == AllSets);
}
