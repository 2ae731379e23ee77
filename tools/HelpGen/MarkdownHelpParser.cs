using System.Globalization;
using System.Text;

namespace VirtualLan.HelpGen;

/// <summary>
/// Reads one per-cmdlet Markdown help page into a <see cref="CommandHelp"/>.
/// </summary>
/// <remarks>
/// The parser understands only the small, fixed page layout the project uses, not Markdown in
/// general. It is deliberately strict: anything it does not recognise is an error with a
/// file and line, because a page that is silently half-read would ship broken help.
/// </remarks>
public sealed class MarkdownHelpParser
{
    private const string SynopsisSection = "Synopsis";
    private const string DescriptionSection = "Description";
    private const string ParametersSection = "Parameters";
    private const string ExamplesSection = "Examples";
    private const string InputsSection = "Inputs";
    private const string OutputsSection = "Outputs";
    private const string NotesSection = "Notes";
    private const string RelatedLinksSection = "Related Links";

    // Section titles are compared exactly so that a typo such as "## Example" is reported
    // instead of being treated as a different, unknown-but-tolerated section.
    private static readonly string[] _knownSections =
    [
        SynopsisSection, DescriptionSection, ParametersSection, ExamplesSection,
        InputsSection, OutputsSection, NotesSection, RelatedLinksSection,
    ];

    private static readonly string[] _requiredSections =
    [
        SynopsisSection, DescriptionSection, ParametersSection, ExamplesSection, OutputsSection,
    ];

    // Get-Help appends "[<CommonParameters>]" and a paragraph naming these by itself, so a page
    // that lists them would show them twice. WhatIf and Confirm are deliberately absent: Get-Help
    // takes them from the MAML only, so a ShouldProcess cmdlet must document them on its page.
    private static readonly string[] _commonParameters =
    [
        "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable",
        "OutBuffer", "OutVariable", "PipelineVariable", "ProgressAction", "Verbose",
        "WarningAction", "WarningVariable",
    ];

    private static readonly string[] _metadataKeys = ["Type", "Required", "Position", "Pipeline", "Default", "Sets"];

    private readonly string _filePath;
    private readonly List<SourceLine> _lines;

    private MarkdownHelpParser(string filePath, string text)
    {
        _filePath = filePath;
        _lines = SplitLines(text);
    }

    /// <summary>
    /// Reads and parses a help page from disk.
    /// </summary>
    /// <param name="path">The path of the <c>Verb-Noun.md</c> file; it also appears in error messages.</param>
    /// <returns>The parsed help.</returns>
    /// <exception cref="HelpFormatException">The page does not follow the expected format.</exception>
    public static CommandHelp ParseFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(path, File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>
    /// Parses the text of a help page.
    /// </summary>
    /// <param name="filePath">
    /// The path the text came from; its file name without <c>.md</c> must equal the cmdlet name,
    /// and the path is the prefix of every error message.
    /// </param>
    /// <param name="text">The Markdown text.</param>
    /// <returns>The parsed help.</returns>
    /// <exception cref="HelpFormatException">The page does not follow the expected format.</exception>
    public static CommandHelp Parse(string filePath, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ArgumentNullException.ThrowIfNull(text);
        return new MarkdownHelpParser(filePath, text).ParsePage();
    }

    private CommandHelp ParsePage()
    {
        Page page = BuildOutline();

        string expectedName = Path.GetFileNameWithoutExtension(_filePath);
        if (!string.Equals(page.Title, expectedName, StringComparison.Ordinal))
        {
            throw Error(page.TitleLine, $"the title '# {page.Title}' must equal the file name '{expectedName}'");
        }

        if (!IsVerbNoun(page.Title))
        {
            throw Error(page.TitleLine, $"the title '{page.Title}' is not a Verb-Noun cmdlet name");
        }

        foreach (string required in _requiredSections)
        {
            if (!page.Sections.ContainsKey(required))
            {
                throw Error(page.TitleLine, $"the required section '## {required}' is missing");
            }
        }

        string synopsis = ParseSynopsis(page.Sections[SynopsisSection]);
        IReadOnlyList<string> description = ParseProseSection(page.Sections[DescriptionSection]);
        IReadOnlyList<ParameterHelp> parameters = ParseParameters(page.Sections[ParametersSection]);
        IReadOnlyList<ExampleHelp> examples = ParseExamples(page.Sections[ExamplesSection]);
        IReadOnlyList<TypeHelp> outputs = ParseTypes(page.Sections[OutputsSection]);
        IReadOnlyList<TypeHelp> inputs = page.Sections.TryGetValue(InputsSection, out Section? inputSection)
            ? ParseTypes(inputSection)
            : [];
        IReadOnlyList<string> notes = page.Sections.TryGetValue(NotesSection, out Section? notesSection)
            ? ParseProseSection(notesSection)
            : [];
        IReadOnlyList<RelatedLink> links = page.Sections.TryGetValue(RelatedLinksSection, out Section? linkSection)
            ? ParseRelatedLinks(linkSection)
            : [];

        return new CommandHelp(page.Title, synopsis, description, parameters, examples, inputs, outputs, notes, links);
    }

    /// <summary>
    /// Splits the page into its title, its <c>##</c> sections and their <c>###</c> subsections,
    /// keeping fenced code blocks intact so that a <c>#</c> comment in code is never a heading.
    /// </summary>
    private Page BuildOutline()
    {
        string? title = null;
        int titleLine = 0;
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? section = null;
        Section? subsection = null;
        int openFenceLine = 0;
        string? openFence = null;

        foreach (SourceLine line in _lines)
        {
            if (openFence is null && TryGetHeading(line, out int level, out string headingText))
            {
                switch (level)
                {
                    case 1:
                        if (title is not null)
                        {
                            throw Error(line.Number, $"only one '#' title is allowed; the first is on line {titleLine}");
                        }

                        title = headingText;
                        titleLine = line.Number;
                        break;

                    case 2:
                        if (title is null)
                        {
                            throw Error(line.Number, "the page must start with the '# Verb-Noun' title");
                        }

                        if (Array.IndexOf(_knownSections, headingText) < 0)
                        {
                            throw Error(line.Number, $"unknown section '## {headingText}'; expected one of: {string.Join(", ", _knownSections)}");
                        }

                        if (sections.TryGetValue(headingText, out Section? earlier))
                        {
                            throw Error(line.Number, $"the section '## {headingText}' appears twice; the first is on line {earlier.Line}");
                        }

                        section = new Section(headingText, line.Number);
                        sections.Add(headingText, section);
                        subsection = null;
                        break;

                    default:
                        if (section is null)
                        {
                            throw Error(line.Number, $"the heading '### {headingText}' is outside any '##' section");
                        }

                        subsection = new Section(headingText, line.Number);
                        section.Children.Add(subsection);
                        break;
                }

                continue;
            }

            // Track fences here only to know where headings cannot be; the blocks are cut later.
            if (openFence is null)
            {
                if (TryGetFenceOpening(line.Text, out string fence))
                {
                    openFence = fence;
                    openFenceLine = line.Number;
                }
            }
            else if (IsFenceClosing(line.Text, openFence))
            {
                openFence = null;
            }

            if (subsection is not null)
            {
                subsection.Body.Add(line);
            }
            else if (section is not null)
            {
                section.Body.Add(line);
            }
            else if (!string.IsNullOrWhiteSpace(line.Text))
            {
                throw title is null
                    ? Error(line.Number, "the page must start with the '# Verb-Noun' title")
                    : Error(line.Number, "text between the title and the first '##' section is not allowed");
            }
        }

        if (openFence is not null)
        {
            throw Error(openFenceLine, "the code block opened here is never closed");
        }

        if (title is null)
        {
            throw Error(1, "the page has no '# Verb-Noun' title");
        }

        return new Page(title, titleLine, sections);
    }

    private string ParseSynopsis(Section section)
    {
        RejectSubsections(section);
        List<Block> blocks = ParseBlocks(section.Body);
        if (blocks.Count == 0)
        {
            throw Error(section.Line, "the section '## Synopsis' is empty");
        }

        if (blocks[0].IsCode)
        {
            throw Error(blocks[0].Line, "the synopsis must be a plain paragraph, not a code block");
        }

        if (blocks.Count > 1)
        {
            throw Error(blocks[1].Line, "the synopsis must be a single paragraph");
        }

        return blocks[0].Text;
    }

    private List<string> ParseProseSection(Section section)
    {
        RejectSubsections(section);
        List<Block> blocks = ParseBlocks(section.Body);
        if (blocks.Count == 0)
        {
            throw Error(section.Line, $"the section '## {section.Title}' is empty");
        }

        return blocks.ConvertAll(block => block.Text);
    }

    private List<ParameterHelp> ParseParameters(Section section)
    {
        RejectPreamble(section, "### -Name");
        var parameters = new List<ParameterHelp>();
        var headingLines = new List<int>();
        foreach (Section entry in section.Children)
        {
            ParameterHelp parameter = ParseParameter(entry);
            int duplicate = parameters.FindIndex(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (duplicate >= 0)
            {
                throw Error(entry.Line, $"the parameter -{parameter.Name} is already documented on line {headingLines[duplicate]}");
            }

            parameters.Add(parameter);
            headingLines.Add(entry.Line);
        }

        CheckPositions(parameters, headingLines);
        return parameters;
    }

    private ParameterHelp ParseParameter(Section entry)
    {
        string name = entry.Title.Length > 1 && entry.Title[0] == '-' ? entry.Title[1..] : string.Empty;
        if (!IsIdentifier(name))
        {
            throw Error(entry.Line, $"a parameter heading must be '### -Name', not '### {entry.Title}'");
        }

        if (_commonParameters.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            throw Error(entry.Line, $"-{name} is a common parameter that PowerShell documents itself; remove it from the page");
        }

        // The metadata block is the run of "Key: value" lines right after the heading, ended by a blank line.
        var metadata = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        int index = 0;
        while (index < entry.Body.Count && string.IsNullOrWhiteSpace(entry.Body[index].Text))
        {
            index++;
        }

        for (; index < entry.Body.Count && !string.IsNullOrWhiteSpace(entry.Body[index].Text); index++)
        {
            SourceLine line = entry.Body[index];
            int colon = line.Text.IndexOf(':', StringComparison.Ordinal);
            string key = colon > 0 ? line.Text[..colon].Trim() : string.Empty;
            if (key.Length == 0 || !key.All(char.IsAsciiLetter))
            {
                throw Error(line.Number, $"expected a 'Key: value' metadata line of -{name} or a blank line, found '{line.Text.Trim()}'");
            }

            string? knownKey = Array.Find(_metadataKeys, k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            if (knownKey is null)
            {
                throw Error(line.Number, $"unknown parameter metadata '{key}'; expected one of: {string.Join(", ", _metadataKeys)}");
            }

            if (metadata.TryGetValue(knownKey, out (string Value, int Line) earlier))
            {
                throw Error(line.Number, $"the metadata '{knownKey}' of -{name} is already given on line {earlier.Line}");
            }

            string value = line.Text[(colon + 1)..].Trim();
            if (value.Length == 0)
            {
                throw Error(line.Number, $"the metadata '{knownKey}' of -{name} has no value");
            }

            metadata.Add(knownKey, (value, line.Number));
        }

        foreach (string requiredKey in (string[])["Type", "Required", "Position", "Pipeline"])
        {
            if (!metadata.ContainsKey(requiredKey))
            {
                throw Error(entry.Line, $"the parameter -{name} has no '{requiredKey}:' line");
            }
        }

        string typeName = metadata["Type"].Value;
        bool required = ParseRequired(metadata["Required"]);
        int? position = ParsePosition(metadata["Position"]);
        PipelineInput pipeline = ParsePipeline(metadata["Pipeline"]);
        string? defaultValue = metadata.TryGetValue("Default", out (string Value, int Line) def) ? def.Value : null;
        IReadOnlyList<string> sets = metadata.TryGetValue("Sets", out (string Value, int Line) setLine)
            ? ParseSets(setLine)
            : [];

        List<Block> blocks = ParseBlocks(entry.Body.GetRange(index, entry.Body.Count - index));
        if (blocks.Count == 0)
        {
            throw Error(entry.Line, $"the parameter -{name} has no description paragraph after its metadata");
        }

        return new ParameterHelp(name, typeName, required, position, pipeline, defaultValue, sets, blocks.ConvertAll(b => b.Text));
    }

    private bool ParseRequired((string Value, int Line) entry)
    {
        if (string.Equals(entry.Value, "True", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(entry.Value, "False", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw Error(entry.Line, $"Required must be True or False, not '{entry.Value}'");
    }

    private int? ParsePosition((string Value, int Line) entry)
    {
        if (string.Equals(entry.Value, "Named", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int position))
        {
            return position;
        }

        throw Error(entry.Line, $"Position must be a non-negative integer or Named, not '{entry.Value}'");
    }

    private PipelineInput ParsePipeline((string Value, int Line) entry)
    {
        if (string.Equals(entry.Value, "False", StringComparison.OrdinalIgnoreCase))
        {
            return PipelineInput.None;
        }

        PipelineInput result = PipelineInput.None;
        foreach (string part in entry.Value.Split(','))
        {
            PipelineInput flag = part.Trim() switch
            {
                var p when string.Equals(p, "ByValue", StringComparison.OrdinalIgnoreCase) => PipelineInput.ByValue,
                var p when string.Equals(p, "ByPropertyName", StringComparison.OrdinalIgnoreCase) => PipelineInput.ByPropertyName,
                _ => PipelineInput.None,
            };

            if (flag == PipelineInput.None || (result & flag) != 0)
            {
                throw Error(entry.Line, $"Pipeline must be False, ByValue, ByPropertyName or 'ByValue, ByPropertyName', not '{entry.Value}'");
            }

            result |= flag;
        }

        return result;
    }

    private List<string> ParseSets((string Value, int Line) entry)
    {
        if (string.Equals(entry.Value, "(All)", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var sets = new List<string>();
        foreach (string part in entry.Value.Split(','))
        {
            string set = part.Trim();
            if (set.Length == 0 || string.Equals(set, "(All)", StringComparison.OrdinalIgnoreCase))
            {
                throw Error(entry.Line, $"Sets must be (All) or a comma-separated list of set names, not '{entry.Value}'");
            }

            if (sets.Contains(set, StringComparer.OrdinalIgnoreCase))
            {
                throw Error(entry.Line, $"the parameter set '{set}' is listed twice");
            }

            sets.Add(set);
        }

        return sets;
    }

    /// <summary>
    /// Rejects two parameters with the same position in one parameter set, which PowerShell
    /// itself refuses, so the page cannot describe a cmdlet that could exist.
    /// </summary>
    private void CheckPositions(List<ParameterHelp> parameters, List<int> headingLines)
    {
        var setNames = new List<string?>();
        foreach (ParameterHelp parameter in parameters)
        {
            foreach (string set in parameter.ParameterSets)
            {
                if (!setNames.Contains(set, StringComparer.OrdinalIgnoreCase))
                {
                    setNames.Add(set);
                }
            }
        }

        if (setNames.Count == 0)
        {
            setNames.Add(null);
        }

        foreach (string? set in setNames)
        {
            var seen = new Dictionary<int, ParameterHelp>();
            for (int i = 0; i < parameters.Count; i++)
            {
                ParameterHelp parameter = parameters[i];
                if (parameter.Position is not int position || (set is not null && !parameter.IsInSet(set)))
                {
                    continue;
                }

                if (seen.TryGetValue(position, out ParameterHelp? other))
                {
                    string where = set is null ? string.Empty : $" in the parameter set '{set}'";
                    throw Error(headingLines[i], $"-{parameter.Name} has position {position.ToString(CultureInfo.InvariantCulture)}, which -{other.Name} already has{where}");
                }

                seen.Add(position, parameter);
            }
        }
    }

    private List<ExampleHelp> ParseExamples(Section section)
    {
        RejectPreamble(section, "### Example 1: ...");
        if (section.Children.Count < 2)
        {
            throw Error(section.Line, $"'## Examples' needs at least two examples, found {section.Children.Count.ToString(CultureInfo.InvariantCulture)}");
        }

        var examples = new List<ExampleHelp>();
        foreach (Section entry in section.Children)
        {
            List<Block> blocks = ParseBlocks(entry.Body);
            if (blocks.Count == 0 || !blocks[0].IsCode)
            {
                throw Error(blocks.Count == 0 ? entry.Line : blocks[0].Line, $"the example '{entry.Title}' must start with a fenced code block");
            }

            Block? secondCode = blocks.Skip(1).FirstOrDefault(b => b.IsCode);
            if (secondCode is not null)
            {
                throw Error(secondCode.Line, $"the example '{entry.Title}' must have exactly one code block");
            }

            examples.Add(new ExampleHelp(entry.Title, blocks[0].Text, blocks.Skip(1).Select(b => b.Text).ToList()));
        }

        return examples;
    }

    private List<TypeHelp> ParseTypes(Section section)
    {
        RejectPreamble(section, "### TypeName");
        if (section.Children.Count == 0)
        {
            throw Error(section.Line, $"'## {section.Title}' must list at least one type as '### TypeName'");
        }

        return section.Children.ConvertAll(entry => new TypeHelp(entry.Title, ParseBlocks(entry.Body).ConvertAll(b => b.Text)));
    }

    private List<RelatedLink> ParseRelatedLinks(Section section)
    {
        RejectSubsections(section);
        var links = new List<RelatedLink>();
        foreach (SourceLine line in section.Body)
        {
            string text = line.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (!(text.StartsWith("- ", StringComparison.Ordinal) || text.StartsWith("* ", StringComparison.Ordinal)))
            {
                throw Error(line.Number, $"a related link must be a list item '- Name', found '{text}'");
            }

            string item = text[2..].Trim();
            if (item.Length == 0)
            {
                throw Error(line.Number, "the related link is empty");
            }

            links.Add(ParseLink(item));
        }

        if (links.Count == 0)
        {
            throw Error(section.Line, "'## Related Links' is empty; remove it or list links as '- Name'");
        }

        return links;
    }

    /// <summary>
    /// Turns <c>[text](address)</c> into a link with an address and anything else into a bare topic name.
    /// </summary>
    private static RelatedLink ParseLink(string item)
    {
        if (item.StartsWith('[') && item.EndsWith(')'))
        {
            int middle = item.IndexOf("](", StringComparison.Ordinal);
            if (middle > 1)
            {
                return new RelatedLink(item[1..middle].Trim(), item[(middle + 2)..^1].Trim());
            }
        }

        return new RelatedLink(item, string.Empty);
    }

    private void RejectSubsections(Section section)
    {
        if (section.Children.Count > 0)
        {
            Section first = section.Children[0];
            throw Error(first.Line, $"'###' headings are not allowed in '## {section.Title}'");
        }
    }

    private void RejectPreamble(Section section, string expectedHeading)
    {
        SourceLine? text = section.Body.Find(l => !string.IsNullOrWhiteSpace(l.Text));
        if (text is not null)
        {
            throw Error(text.Number, $"'## {section.Title}' may contain only '{expectedHeading}' entries; move this text under one");
        }
    }

    /// <summary>
    /// Cuts a body into paragraphs and fenced code blocks. A code block becomes one paragraph
    /// whose lines are kept, because its layout is the point of it.
    /// </summary>
    private static List<Block> ParseBlocks(List<SourceLine> body)
    {
        var blocks = new List<Block>();
        var paragraph = new List<string>();
        int paragraphLine = 0;

        void EndParagraph()
        {
            if (paragraph.Count > 0)
            {
                blocks.Add(new Block(paragraphLine, JoinParagraph(paragraph), isCode: false));
                paragraph.Clear();
            }
        }

        for (int i = 0; i < body.Count; i++)
        {
            SourceLine line = body[i];
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                EndParagraph();
                continue;
            }

            if (TryGetFenceOpening(line.Text, out string fence))
            {
                EndParagraph();
                int indent = line.Text.Length - line.Text.TrimStart(' ').Length;
                var code = new List<string>();
                for (i++; i < body.Count && !IsFenceClosing(body[i].Text, fence); i++)
                {
                    code.Add(RemoveIndent(body[i].Text, indent));
                }

                // The outline pass has already proven that every fence closes.
                blocks.Add(new Block(line.Number, string.Join('\n', code), isCode: true));
                continue;
            }

            if (paragraph.Count == 0)
            {
                paragraphLine = line.Number;
            }

            paragraph.Add(line.Text.Trim());
        }

        EndParagraph();
        return blocks;
    }

    /// <summary>
    /// Joins wrapped lines with spaces, as Markdown does, but starts list items on a new line
    /// so that a bulleted list stays readable in the console.
    /// </summary>
    private static string JoinParagraph(List<string> lines)
    {
        var builder = new StringBuilder(lines[0]);
        for (int i = 1; i < lines.Count; i++)
        {
            builder.Append(IsListItem(lines[i]) ? '\n' : ' ').Append(lines[i]);
        }

        return builder.ToString();
    }

    private static bool IsListItem(string line)
    {
        if (line.StartsWith("- ", StringComparison.Ordinal) || line.StartsWith("* ", StringComparison.Ordinal)
            || line.StartsWith("+ ", StringComparison.Ordinal))
        {
            return true;
        }

        int digits = 0;
        while (digits < line.Length && char.IsAsciiDigit(line[digits]))
        {
            digits++;
        }

        return digits > 0 && line.AsSpan(digits).StartsWith(". ", StringComparison.Ordinal);
    }

    private static string RemoveIndent(string line, int indent)
    {
        int remove = 0;
        while (remove < indent && remove < line.Length && line[remove] == ' ')
        {
            remove++;
        }

        return line[remove..];
    }

    private static bool TryGetFenceOpening(string line, out string fence)
    {
        string trimmed = line.TrimStart(' ');
        fence = string.Empty;
        if (line.Length - trimmed.Length > 3 || !trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            return false;
        }

        int length = 0;
        while (length < trimmed.Length && trimmed[length] == '`')
        {
            length++;
        }

        fence = new string('`', length);
        return true;
    }

    private static bool IsFenceClosing(string line, string fence)
    {
        string trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == '`');
    }

    private bool TryGetHeading(SourceLine line, out int level, out string text)
    {
        level = 0;
        text = string.Empty;
        if (!line.Text.StartsWith('#'))
        {
            return false;
        }

        while (level < line.Text.Length && line.Text[level] == '#')
        {
            level++;
        }

        if (level > 3)
        {
            throw Error(line.Number, "headings deeper than '###' are not part of the help page format");
        }

        if (level >= line.Text.Length || line.Text[level] != ' ' || line.Text[level..].Trim().Length == 0)
        {
            throw Error(line.Number, $"a line starting with '#' must be a heading such as '{new string('#', level)} Text'");
        }

        text = line.Text[level..].Trim();
        return true;
    }

    private List<SourceLine> SplitLines(string text)
    {
        // A byte order mark is not text; File.ReadAllText removes it but callers of Parse may not.
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        string[] raw = text.Split('\n');
        var lines = new List<SourceLine>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            string value = raw[i].EndsWith('\r') ? raw[i][..^1] : raw[i];

            // XML 1.0 cannot carry most control characters, so catch them here with a line number
            // instead of letting the XML writer fail without one.
            int bad = value.AsSpan().IndexOfAnyInRange('\0', '\u001F');
            while (bad >= 0 && value[bad] == '\t')
            {
                int next = value.AsSpan(bad + 1).IndexOfAnyInRange('\0', '\u001F');
                bad = next < 0 ? -1 : bad + 1 + next;
            }

            if (bad >= 0)
            {
                throw new HelpFormatException(_filePath, i + 1, string.Create(CultureInfo.InvariantCulture, $"the control character U+{(int)value[bad]:X4} is not allowed"));
            }

            lines.Add(new SourceLine(i + 1, value));
        }

        return lines;
    }

    private static bool IsVerbNoun(string name)
    {
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && dash < name.Length - 1
            && name[..dash].All(char.IsAsciiLetter)
            && name[(dash + 1)..].All(char.IsAsciiLetterOrDigit);
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private HelpFormatException Error(int line, string reason) => new(_filePath, line, reason);

    private sealed record SourceLine(int Number, string Text);

    private sealed class Block
    {
        public Block(int line, string text, bool isCode)
        {
            Line = line;
            Text = text;
            IsCode = isCode;
        }

        public int Line { get; }

        public string Text { get; }

        public bool IsCode { get; }
    }

    private sealed class Section
    {
        public Section(string title, int line)
        {
            Title = title;
            Line = line;
        }

        public string Title { get; }

        public int Line { get; }

        public List<SourceLine> Body { get; } = [];

        public List<Section> Children { get; } = [];
    }

    private sealed class Page
    {
        public Page(string title, int titleLine, Dictionary<string, Section> sections)
        {
            Title = title;
            TitleLine = titleLine;
            Sections = sections;
        }

        public string Title { get; }

        public int TitleLine { get; }

        public Dictionary<string, Section> Sections { get; }
    }
}
