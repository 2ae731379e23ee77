namespace VirtualLan.HelpGen;

/// <summary>What a page says about one parameter: its description and, optionally, its default.</summary>
/// <param name="Name">The parameter name without the dash, as written in the heading.</param>
/// <param name="Line">The line of the '### -Name' heading.</param>
/// <param name="DefaultValue">The 'Default:' text, or null when the page gives none.</param>
/// <param name="Description">The paragraphs describing the parameter.</param>
public sealed record ParameterText(string Name, int Line, string? DefaultValue, IReadOnlyList<string> Description);
