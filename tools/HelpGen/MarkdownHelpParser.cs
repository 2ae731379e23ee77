using System.Globalization;
using System.Text;
using Markdig;
using Markdig.Syntax;

namespace VirtualLan.HelpGen;

/// <summary>
/// Reads one per-cmdlet Markdown help page into a <see cref="HelpPage"/>, on Markdig's CommonMark parser.
/// </summary>
/// <remarks>
/// Markdig does the Markdown; this class checks the page's fixed layout on Markdig's blocks. It is
/// deliberately strict: anything it does not recognise is an error with a file and line, because a
/// page that is silently half-read would ship broken help. The parameters' metadata (type,
/// position, pipeline, sets, aliases) is not on the page: it comes from the cmdlet's attributes.
/// </remarks>
public sealed class MarkdownHelpParser
{
    private const string SynopsisSection = "Synopsis";
    private const string ParametersSection = "Parameters";
    private const string ExamplesSection = "Examples";
    private const string OutputsSection = "Outputs";

    // Section titles are compared exactly so that a typo such as "## Example" is reported
    // instead of being treated as a different, unknown-but-tolerated section.
    private static readonly string[] _knownSections =
        [SynopsisSection, "Description", ParametersSection, ExamplesSection, "Inputs", OutputsSection, "Notes", "Related Links"];

    private static readonly string[] _requiredSections =
        [SynopsisSection, "Description", ParametersSection, ExamplesSection, OutputsSection];

    // Get-Help appends "[<CommonParameters>]" and a paragraph naming these by itself, so a page
    // that lists them would show them twice. WhatIf and Confirm are deliberately absent: Get-Help
    // takes them from the MAML only, so a ShouldProcess cmdlet must document them on its page.
    private static readonly string[] _commonParameters =
    [
        "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable",
        "OutBuffer", "OutVariable", "PipelineVariable", "ProgressAction", "Verbose",
        "WarningAction", "WarningVariable",
    ];

    // What the pages kept by hand before the metadata came from the attributes; such a line is
    // an error so that a page merged from an older branch does not carry stale metadata as prose.
    private static readonly string[] _generatedKeys = ["Type", "Required", "Position", "Pipeline", "Sets", "Aliases", "Accept"];

    private static readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder().Build();

    private readonly string _filePath;
    private readonly string _text;
    private readonly string[] _lines;

    private MarkdownHelpParser(string filePath, string text)
    {
        _filePath = filePath;
        _text = text;
        _lines = text.Split('\n');
    }

    /// <summary>
    /// Reads and parses a help page from disk.
    /// </summary>
    /// <param name="path">The path of the <c>Verb-Noun.md</c> file; it also appears in error messages.</param>
    /// <returns>The parsed page.</returns>
    /// <exception cref="HelpFormatException">The page does not follow the expected format.</exception>
    public static HelpPage ParseFile(string path)
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
    /// <returns>The parsed page.</returns>
    /// <exception cref="HelpFormatException">The page does not follow the expected format.</exception>
    public static HelpPage Parse(string filePath, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ArgumentNullException.ThrowIfNull(text);

        // A byte order mark is not text; File.ReadAllText removes it but callers of Parse may not.
        text = text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);
        return new MarkdownHelpParser(filePath, text).ParsePage();
    }

    private HelpPage ParsePage()
    {
        RejectControlCharacters();
        (string title, int titleLine, Dictionary<string, Section> sections) = BuildOutline(Markdown.Parse(_text, _pipeline));

        string expectedName = Path.GetFileNameWithoutExtension(_filePath);
        if (!string.Equals(title, expectedName, StringComparison.Ordinal))
        {
            throw Error(titleLine, $"the title '# {title}' must equal the file name '{expectedName}'");
        }

        if (!IsVerbNoun(title))
        {
            throw Error(titleLine, $"the title '{title}' is not a Verb-Noun cmdlet name");
        }

        string? missing = Array.Find(_requiredSections, s => !sections.ContainsKey(s));
        if (missing is not null)
        {
            throw Error(titleLine, $"the required section '## {missing}' is missing");
        }

        List<string> Prose(string name) => sections.TryGetValue(name, out Section? s) ? ParseProse(s) : [];
        return new HelpPage(
            _filePath,
            title,
            ParseSynopsis(sections[SynopsisSection]),
            Prose("Description"),
            ParseParameters(sections[ParametersSection]),
            sections[ParametersSection].Line,
            ParseExamples(sections[ExamplesSection]),
            sections.TryGetValue("Inputs", out Section? inputs) ? ParseTypes(inputs) : [],
            ParseTypes(sections[OutputsSection]),
            sections[OutputsSection].Line,
            Prose("Notes"),
            sections.TryGetValue("Related Links", out Section? links) ? ParseRelatedLinks(links) : []);
    }

    /// <summary>
    /// Sorts Markdig's top-level blocks into the title, the <c>##</c> sections and their
    /// <c>###</c> subsections, and rejects blocks the help format has no place for.
    /// </summary>
    private (string Title, int TitleLine, Dictionary<string, Section> Sections) BuildOutline(MarkdownDocument document)
    {
        string? title = null;
        int titleLine = 0;
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? section = null;
        Section? subsection = null;

        foreach (Block block in document)
        {
            int line = block.Line + 1;
            if (block is HeadingBlock heading)
            {
                string text = HeadingText(heading);
                if (heading.Level > 3)
                {
                    throw Error(line, "headings deeper than '###' are not part of the help page format");
                }

                if (heading.Level == 1)
                {
                    if (title is not null)
                    {
                        throw Error(line, $"only one '#' title is allowed; the first is on line {titleLine}");
                    }

                    (title, titleLine) = (text, line);
                }
                else if (title is null)
                {
                    throw Error(line, "the page must start with the '# Verb-Noun' title");
                }
                else if (heading.Level == 2)
                {
                    if (Array.IndexOf(_knownSections, text) < 0)
                    {
                        throw Error(line, $"unknown section '## {text}'; expected one of: {string.Join(", ", _knownSections)}");
                    }

                    if (sections.TryGetValue(text, out Section? earlier))
                    {
                        throw Error(line, $"the section '## {text}' appears twice; the first is on line {earlier.Line}");
                    }

                    section = new Section(text, line);
                    sections.Add(text, section);
                    subsection = null;
                }
                else
                {
                    subsection = new Section(text, line);
                    (section ?? throw Error(line, $"the heading '### {text}' is outside any '##' section")).Children.Add(subsection);
                }

                continue;
            }

            if (block is FencedCodeBlock { ClosingFencedCharCount: 0 })
            {
                throw Error(line, "the code block opened here is never closed");
            }

            if (block is ParagraphBlock && SourceLine(line).StartsWith('#'))
            {
                throw Error(line, "a line starting with '#' must be a heading such as '## Text', with a space after the '#'");
            }

            if (block is not (ParagraphBlock or ListBlock or FencedCodeBlock or HeadingBlock))
            {
                throw Error(line, $"a {block.GetType().Name} is not part of the help page format; use paragraphs, lists and fenced code blocks");
            }

            if (section is null)
            {
                throw title is null
                    ? Error(line, "the page must start with the '# Verb-Noun' title")
                    : Error(line, "text between the title and the first '##' section is not allowed");
            }

            (subsection ?? section).Blocks.Add(block);
        }

        return (title ?? throw Error(1, "the page has no '# Verb-Noun' title"), titleLine, sections);
    }

    private string ParseSynopsis(Section section)
    {
        List<Chunk> chunks = ParseProseChunks(section);
        if (chunks[0].IsCode)
        {
            throw Error(chunks[0].Line, "the synopsis must be a plain paragraph, not a code block");
        }

        return chunks.Count > 1 ? throw Error(chunks[1].Line, "the synopsis must be a single paragraph") : chunks[0].Text;
    }

    private List<string> ParseProse(Section section) => ParseProseChunks(section).ConvertAll(c => c.Text);

    private List<Chunk> ParseProseChunks(Section section)
    {
        if (section.Children.Count > 0)
        {
            throw Error(section.Children[0].Line, $"'###' headings are not allowed in '## {section.Title}'");
        }

        List<Chunk> chunks = Chunks(section.Blocks);
        return chunks.Count > 0 ? chunks : throw Error(section.Line, $"the section '## {section.Title}' is empty");
    }

    private List<ParameterText> ParseParameters(Section section)
    {
        RejectPreamble(section, "### -Name");
        var parameters = new List<ParameterText>();
        foreach (Section entry in section.Children)
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

            ParameterText? earlier = parameters.Find(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (earlier is not null)
            {
                throw Error(entry.Line, $"the parameter -{name} is already documented on line {earlier.Line}");
            }

            // The one line of metadata a page may keep is the default value, which is code the
            // attributes do not show; it is a paragraph of its own right after the heading.
            List<Chunk> chunks = Chunks(entry.Blocks);
            string? defaultValue = null;
            Chunk? first = chunks.Count > 0 && !chunks[0].IsCode ? chunks[0] : null;
            for (int line = first?.Line ?? 1; first is not null && line <= first.EndLine; line++)
            {
                string text = SourceLine(line).Trim();
                int colon = text.IndexOf(':', StringComparison.Ordinal);
                string key = colon > 0 ? text[..colon] : string.Empty;
                if (_generatedKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    throw Error(line, $"'{key}:' of -{name} comes from the cmdlet's attributes now; delete the line from the page");
                }

                if (line == first.Line && string.Equals(key, "Default", StringComparison.OrdinalIgnoreCase))
                {
                    defaultValue = text[(colon + 1)..].Trim();
                }
            }

            if (defaultValue is not null)
            {
                if (defaultValue.Length == 0 || first!.EndLine != first.Line)
                {
                    throw Error(first!.Line, $"'Default:' of -{name} needs a value, alone on its line and followed by a blank line");
                }

                chunks.RemoveAt(0);
            }

            if (chunks.Count == 0)
            {
                throw Error(entry.Line, $"the parameter -{name} has no description paragraph");
            }

            parameters.Add(new ParameterText(name, entry.Line, defaultValue, chunks.ConvertAll(c => c.Text)));
        }

        return parameters;
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
            List<Chunk> chunks = Chunks(entry.Blocks);
            if (chunks.Count == 0 || !chunks[0].IsCode)
            {
                throw Error(chunks.Count == 0 ? entry.Line : chunks[0].Line, $"the example '{entry.Title}' must start with a fenced code block");
            }

            Chunk? secondCode = chunks.Skip(1).FirstOrDefault(c => c.IsCode);
            if (secondCode is not null)
            {
                throw Error(secondCode.Line, $"the example '{entry.Title}' must have exactly one code block");
            }

            examples.Add(new ExampleHelp(entry.Title, chunks[0].Text, chunks.Skip(1).Select(c => c.Text).ToList()));
        }

        return examples;
    }

    private List<TypeHelp> ParseTypes(Section section)
    {
        RejectPreamble(section, "### TypeName");
        return section.Children.Count > 0
            ? section.Children.ConvertAll(entry => new TypeHelp(entry.Title, Chunks(entry.Blocks).ConvertAll(c => c.Text)))
            : throw Error(section.Line, $"'## {section.Title}' must list at least one type as '### TypeName'");
    }

    private List<RelatedLink> ParseRelatedLinks(Section section)
    {
        if (section.Children.Count > 0)
        {
            throw Error(section.Children[0].Line, $"'###' headings are not allowed in '## {section.Title}'");
        }

        var links = new List<RelatedLink>();
        foreach (Block block in section.Blocks)
        {
            if (block is not ListBlock { IsOrdered: false } list)
            {
                throw Error(block.Line + 1, $"a related link must be a list item '- Name', found '{SourceLine(block.Line + 1).Trim()}'");
            }

            // [text](address) is a link with an address; anything else is a topic Get-Help finds by name.
            foreach (string item in list.OfType<ListItemBlock>().Select(ItemText))
            {
                int middle = item.IndexOf("](", StringComparison.Ordinal);
                links.Add(item.StartsWith('[') && item.EndsWith(')') && middle > 1
                    ? new RelatedLink(item[1..middle].Trim(), item[(middle + 2)..^1].Trim())
                    : new RelatedLink(item, string.Empty));
            }
        }

        return links.Count > 0 ? links : throw Error(section.Line, "'## Related Links' is empty; remove it or list links as '- Name'");
    }

    private void RejectPreamble(Section section, string expectedHeading)
    {
        if (section.Blocks.Count > 0)
        {
            throw Error(section.Blocks[0].Line + 1, $"'## {section.Title}' may contain only '{expectedHeading}' entries; move this text under one");
        }
    }

    /// <summary>
    /// Turns blocks into MAML paragraphs: a paragraph's wrapped lines joined with spaces, as
    /// Markdown reads them; a list as one paragraph with an item per line, joined to a paragraph
    /// it directly follows, so that it stays readable in the console; a code block verbatim.
    /// </summary>
    private List<Chunk> Chunks(List<Block> blocks)
    {
        var chunks = new List<Chunk>();
        foreach (Block block in blocks)
        {
            int line = block.Line + 1;
            switch (block)
            {
                case FencedCodeBlock code:
                    chunks.Add(new Chunk(line, string.Join('\n', code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString())), true));
                    break;
                case ListBlock list:
                    string items = string.Join('\n', list.OfType<ListItemBlock>().Select(i => $"{Bullet(i)} {ItemText(i)}"));
                    if (chunks.Count > 0 && !chunks[^1].IsCode && chunks[^1].EndLine == line - 1)
                    {
                        chunks[^1] = chunks[^1] with { Text = chunks[^1].Text + "\n" + items, EndLine = EndLine(block) };
                    }
                    else
                    {
                        chunks.Add(new Chunk(line, items, false) { EndLine = EndLine(block) });
                    }

                    break;
                default:
                    chunks.Add(new Chunk(line, JoinLines(block.Span), false) { EndLine = EndLine(block) });
                    break;
            }
        }

        return chunks;
    }

    private string ItemText(ListItemBlock item) =>
        string.Join(' ', item.OfType<Block>().Select(b => JoinLines(b.Span)));

    private string JoinLines(SourceSpan span) =>
        string.Join(' ', _text.Substring(span.Start, span.Length).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    private int EndLine(Block block) => block.Line + 1 + _text.AsSpan(block.Span.Start, block.Span.Length).TrimEnd('\n').Count('\n');

    private string Bullet(ListItemBlock item)
    {
        string line = SourceLine(item.Line + 1).Trim();
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? line[..space] : line;
    }

    private string HeadingText(HeadingBlock heading)
    {
        if (heading.IsSetext)
        {
            // Markdig places a setext heading on its underline; the text starts where its span does.
            throw Error(_text.AsSpan(0, heading.Span.Start).Count('\n') + 1, "a heading must be written with '#' marks, not underlined");
        }

        return SourceLine(heading.Line + 1).Trim().TrimStart('#').Trim();
    }

    private string SourceLine(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : string.Empty;

    // XML 1.0 cannot carry most control characters, so catch them here with a line number
    // instead of letting the XML writer fail without one.
    private void RejectControlCharacters()
    {
        int bad = _text.AsSpan().IndexOfAnyInRange('\0', '\u001F');
        while (bad >= 0 && (_text[bad] == '\t' || _text[bad] == '\n'))
        {
            int next = _text.AsSpan(bad + 1).IndexOfAnyInRange('\0', '\u001F');
            bad = next < 0 ? -1 : bad + 1 + next;
        }

        if (bad >= 0)
        {
            int line = _text.AsSpan(0, bad).Count('\n') + 1;
            throw Error(line, string.Create(CultureInfo.InvariantCulture, $"the control character U+{(int)_text[bad]:X4} is not allowed"));
        }
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

    private sealed record Chunk(int Line, string Text, bool IsCode)
    {
        public int EndLine { get; init; } = Line;
    }

    private sealed record Section(string Title, int Line)
    {
        public List<Block> Blocks { get; } = [];

        public List<Section> Children { get; } = [];
    }
}
