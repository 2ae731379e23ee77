namespace VirtualLan.HelpGen;

/// <summary>What one [Parameter] attribute declares: how the parameter binds in one set.</summary>
/// <param name="SetName">The parameter set, or <see cref="CmdletParameter.AllSets"/>.</param>
/// <param name="Mandatory">Whether the parameter is mandatory in the set.</param>
/// <param name="Position">The zero-based position, or null when named only.</param>
/// <param name="PipelineInput">How it binds from the pipeline.</param>
public sealed record ParameterBinding(string SetName, bool Mandatory, int? Position, PipelineInput PipelineInput);
