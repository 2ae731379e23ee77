namespace VirtualLan.HelpGen;

/// <summary>One example of a cmdlet.</summary>
/// <param name="Title">The heading text, for example "Example 1: Create a bridge".</param>
/// <param name="Code">The text of the code block, lines separated by a line feed.</param>
/// <param name="Remarks">The paragraphs that explain the example, possibly none.</param>
public sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);
