namespace VirtualLan.HelpGen;

/// <summary>A type that a cmdlet accepts or returns, with the prose about its role.</summary>
/// <param name="TypeName">The type name as written in the heading.</param>
/// <param name="Description">The paragraphs that describe the type's role, possibly none.</param>
public sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);
