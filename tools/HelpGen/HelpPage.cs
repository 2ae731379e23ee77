namespace VirtualLan.HelpGen;

/// <summary>
/// The prose of one cmdlet's help as read from its Markdown page; the parameter metadata comes
/// from the cmdlet itself (<see cref="CmdletInfo"/>).
/// </summary>
/// <param name="FilePath">The path of the page, the prefix of every error about it.</param>
/// <param name="Name">The cmdlet name in Verb-Noun form, from the page's title.</param>
/// <param name="Synopsis">The one-paragraph synopsis.</param>
/// <param name="Description">The paragraphs of the long description.</param>
/// <param name="Parameters">The parameters' descriptions in page order.</param>
/// <param name="ParametersLine">The line of the '## Parameters' heading.</param>
/// <param name="Examples">The examples in page order.</param>
/// <param name="Inputs">The types accepted from the pipeline, possibly none.</param>
/// <param name="Outputs">The types written to the pipeline.</param>
/// <param name="OutputsLine">The line of the '## Outputs' heading.</param>
/// <param name="Notes">The paragraphs of the notes, possibly none.</param>
/// <param name="RelatedLinks">The related links in page order, possibly none.</param>
public sealed record HelpPage(
    string FilePath,
    string Name,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<ParameterText> Parameters,
    int ParametersLine,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    int OutputsLine,
    IReadOnlyList<string> Notes,
    IReadOnlyList<RelatedLink> RelatedLinks);
