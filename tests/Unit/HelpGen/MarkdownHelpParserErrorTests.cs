using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Checks that malformed help pages are rejected with a <c>file:line: message</c> error that
/// points at the offending line.
/// </summary>
public sealed class MarkdownHelpParserErrorTests
{
    /// <summary>
    /// Each case edits the full sample page, then expects an error on the line holding
    /// <paramref name="lineMarker"/> in the edited page, whose reason contains <paramref name="reason"/>.
    /// </summary>
    /// <param name="oldText">The text of the sample to replace.</param>
    /// <param name="newText">The replacement that breaks the page.</param>
    /// <param name="lineMarker">A text on the line the error must point at.</param>
    /// <param name="reason">A part of the expected reason.</param>
    [Theory]
    [InlineData("## Outputs\n\n### VirtualLan.Bridge\nThe new bridge.\n\n", "", "# New-VlanBridge", "the required section '## Outputs' is missing")]
    [InlineData("## Synopsis\nCreates a Linux bridge for a virtual LAN.\n\n", "", "# New-VlanBridge", "'## Synopsis' is missing")]
    [InlineData("### Example 2: Replace a bridge\n```powershell\nPS> New-VlanBridge -Force\n```\n\n", "", "## Examples", "needs at least two examples, found 1")]
    [InlineData("## Notes", "## Syntax", "## Syntax", "unknown section '## Syntax'")]
    [InlineData("## Related Links", "## Related links", "## Related links", "unknown section")]
    [InlineData("The MTU.", "Type: Int32\nPosition: 2\n\nThe MTU.", "Type: Int32", "'Type:' of -Mtu comes from the cmdlet's attributes now; delete the line")]
    [InlineData("The MTU.", "Pipeline: False\n\nThe MTU.", "Pipeline: False", "'Pipeline:' of -Mtu comes from the cmdlet's attributes")]
    [InlineData("Default: virtualnet0\n", "Default: virtualnet0\nSets: (All)\n", "Sets: (All)", "'Sets:' of -Name comes from the cmdlet's attributes")]
    [InlineData("Default: virtualnet0\n\n", "Default: virtualnet0\n", "Default: virtualnet0", "'Default:' of -Name needs a value, alone on its line")]
    [InlineData("Default: virtualnet0", "Default:", "Default:", "'Default:' of -Name needs a value")]
    [InlineData("The name of the bridge.\n", "", "### -Name", "has no description paragraph")]
    [InlineData("### -Force", "### Force", "### Force", "a parameter heading must be '### -Name'")]
    [InlineData("### -Force", "### -Verbose", "### -Verbose", "-Verbose is a common parameter")]
    [InlineData("### -Force", "### -name", "### -name", "the parameter -name is already documented on line")]
    [InlineData("```powershell\nPS> New-VlanBridge -Force\n```\n", "PS> New-VlanBridge -Force\n", "PS> New-VlanBridge -Force", "must start with a fenced code block")]
    [InlineData("It prints nothing.", "```text\nmore\n```", "```text", "must have exactly one code block")]
    [InlineData("Needs CAP_NET_ADMIN.", "```text\nunclosed", "```text", "the code block opened here is never closed")]
    [InlineData("## Notes", "#### Notes", "#### Notes", "headings deeper than '###'")]
    [InlineData("## Notes", "##Notes", "##Notes", "must be a heading")]
    [InlineData("Needs CAP_NET_ADMIN.", "Needs\n---", "Needs", "must be written with '#' marks")]
    [InlineData("Needs CAP_NET_ADMIN.", "> quoted", "> quoted", "a QuoteBlock is not part of the help page format")]
    [InlineData("# New-VlanBridge\n", "Intro.\n# New-VlanBridge\n", "Intro.", "must start with the '# Verb-Noun' title")]
    [InlineData("## Synopsis", "Stray.\n\n## Synopsis", "Stray.", "between the title and the first '##' section")]
    [InlineData("Creates a Linux bridge for a virtual LAN.", "One.\n\nTwo.", "Two.", "the synopsis must be a single paragraph")]
    [InlineData("## Parameters\n", "## Parameters\nLoose text.\n", "Loose text.", "may contain only '### -Name' entries")]
    [InlineData("## Outputs\n\n### VirtualLan.Bridge\nThe new bridge.\n", "## Outputs\n", "## Outputs", "must list at least one type")]
    [InlineData("- about_VirtualLan", "about_VirtualLan", "about_VirtualLan", "a related link must be a list item")]
    [InlineData("## Description\n", "## Description\n### Details\n", "### Details", "'###' headings are not allowed in '## Description'")]
    [InlineData("Needs CAP_NET_ADMIN.", "Needs\u0007bell.", "Needs", "the control character U+0007 is not allowed")]
    public void MalformedPageIsRejectedWithLocation(string oldText, string newText, string lineMarker, string reason)
    {
        string page = HelpSamples.ReplaceOnce(HelpSamples.FullPage, oldText, newText);
        int expectedLine = HelpSamples.LineOf(page, lineMarker);

        HelpFormatException error = Assert.Throws<HelpFormatException>(
            () => MarkdownHelpParser.Parse(HelpSamples.FullPagePath, page));

        Assert.Equal(expectedLine, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal($"{HelpSamples.FullPagePath}:{expectedLine}: {error.Reason}", error.Message);
    }

    /// <summary>A section may appear only once; the error points at the second one.</summary>
    [Fact]
    public void DuplicateSectionIsRejected()
    {
        int notesLine = HelpSamples.LineOf(HelpSamples.FullPage, "## Notes");
        string page = HelpSamples.ReplaceOnce(HelpSamples.FullPage, "## Notes", "## Description");

        HelpFormatException error = Assert.Throws<HelpFormatException>(
            () => MarkdownHelpParser.Parse(HelpSamples.FullPagePath, page));

        Assert.Equal(
            $"{HelpSamples.FullPagePath}:{notesLine}: the section '## Description' appears twice; the first is on line 6",
            error.Message);
    }

    /// <summary>The title must equal the file name, which is how PowerShell finds the command.</summary>
    [Fact]
    public void NameMismatchIsRejected()
    {
        HelpFormatException error = Assert.Throws<HelpFormatException>(
            () => MarkdownHelpParser.Parse("help/Remove-VlanBridge.md", HelpSamples.FullPage));

        Assert.Equal(
            "help/Remove-VlanBridge.md:1: the title '# New-VlanBridge' must equal the file name 'Remove-VlanBridge'",
            error.Message);
    }

    /// <summary>A title that is not a Verb-Noun name cannot give a verb and noun.</summary>
    [Fact]
    public void TitleWithoutNounIsRejected()
    {
        string page = HelpSamples.ReplaceOnce(HelpSamples.FullPage, "# New-VlanBridge", "# NewVlanBridge");

        HelpFormatException error = Assert.Throws<HelpFormatException>(
            () => MarkdownHelpParser.Parse("NewVlanBridge.md", page));

        Assert.Equal("NewVlanBridge.md:1: the title 'NewVlanBridge' is not a Verb-Noun cmdlet name", error.Message);
    }

    /// <summary>An empty file has no title.</summary>
    [Fact]
    public void EmptyPageIsRejected()
    {
        HelpFormatException error = Assert.Throws<HelpFormatException>(
            () => MarkdownHelpParser.Parse("New-VlanBridge.md", string.Empty));

        Assert.Equal("New-VlanBridge.md:1: the page has no '# Verb-Noun' title", error.Message);
    }
}
