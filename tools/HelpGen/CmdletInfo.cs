namespace VirtualLan.HelpGen;

/// <summary>
/// What a cmdlet's attributes say about it, read by reflection from the built assembly.
/// </summary>
/// <param name="Name">The cmdlet name in Verb-Noun form, from [Cmdlet].</param>
/// <param name="ClassName">The full name of the cmdlet class, for messages.</param>
/// <param name="ParameterSets">
/// The named parameter sets, the default set first, then in order of first declaration; empty
/// when every parameter is in every set.
/// </param>
/// <param name="OutputTypes">The full names of the [OutputType] types; "None" stands for void.</param>
/// <param name="Parameters">The parameters in declaration order, with WhatIf and Confirm for a ShouldProcess cmdlet.</param>
public sealed record CmdletInfo(
    string Name,
    string ClassName,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> OutputTypes,
    IReadOnlyList<CmdletParameter> Parameters);
