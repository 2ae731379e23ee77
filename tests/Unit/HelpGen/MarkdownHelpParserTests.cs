using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Checks that well-formed help pages are read into the right model.
/// </summary>
public sealed class MarkdownHelpParserTests
{
    /// <summary>The name, verb, noun, synopsis and description come from the title and prose sections.</summary>
    [Fact]
    public void FullPageHeaderAndProse()
    {
        HelpPage help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        Assert.Equal("New-VlanBridge", help.Name);
        Assert.Equal("Creates a Linux bridge for a virtual LAN.", help.Synopsis);
        string[] description =
        [
            "The New-VlanBridge cmdlet creates a bridge and gives it an address.",
            "The bridge stays until it is removed.",
        ];
        Assert.Equal(description, help.Description);
    }

    /// <summary>The page keeps each parameter's description and default; the rest comes from the cmdlet.</summary>
    [Fact]
    public void FullPageParameters()
    {
        HelpPage help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        string[] names = ["Name", "Mtu", "Address", "Force", "Kind", "WhatIf", "Confirm"];
        Assert.Equal(names, help.Parameters.Select(p => p.Name));
        ParameterText name = help.Parameters[0];
        Assert.Equal("virtualnet0", name.DefaultValue);
        Assert.Equal("The name of the bridge.", Assert.Single(name.Description));
        Assert.Equal(HelpSamples.LineOf(HelpSamples.FullPage, "### -Name"), name.Line);
        Assert.Null(help.Parameters[2].DefaultValue);
        Assert.Equal("The address & prefix length, as in <address>/<length>.", Assert.Single(help.Parameters[2].Description));
        Assert.Equal(2, help.Parameters[3].Description.Count);
    }

    /// <summary>
    /// Markdig reads the structure: headings by level, fenced code, lists (as one paragraph of
    /// items), lazy continuation lines, and a paragraph that only looks like a heading inside code.
    /// </summary>
    [Fact]
    public void StructureIsReadByMarkdig()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "Lists the bridges.",
            "Lists `the` bridges,\nwrapped.\n\n* up ones\n* down\n  ones\n\n````text\n```\n## not a heading\n````");

        HelpPage help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        string[] description = ["Lists `the` bridges, wrapped.", "* up ones\n* down ones", "```\n## not a heading"];
        Assert.Equal(description, help.Description);
        Assert.Equal(HelpSamples.LineOf(page, "## Parameters"), help.ParametersLine);
    }

    /// <summary>Examples keep their code verbatim, including lines that look like headings.</summary>
    [Fact]
    public void FullPageExamples()
    {
        HelpPage help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        Assert.Equal(2, help.Examples.Count);
        ExampleHelp first = help.Examples[0];
        Assert.Equal("Example 1: Create the seed's LAN", first.Title);
        Assert.Equal(
            "PS> New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16\n# The comment line is code, not a heading.",
            first.Code);
        string[] remarks = ["Creates the bridge.", "It prints nothing."];
        Assert.Equal(remarks, first.Remarks);

        ExampleHelp second = help.Examples[1];
        Assert.Equal("PS> New-VlanBridge -Force", second.Code);
        Assert.Empty(second.Remarks);
    }

    /// <summary>The optional and type sections are read.</summary>
    [Fact]
    public void FullPageTypesNotesAndLinks()
    {
        HelpPage help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        TypeHelp input = Assert.Single(help.Inputs);
        Assert.Equal("VirtualLan.Bridge", input.TypeName);
        Assert.Equal("A bridge whose Name is used.", Assert.Single(input.Description));
        Assert.Equal("VirtualLan.Bridge", Assert.Single(help.Outputs).TypeName);
        Assert.Equal("Needs CAP_NET_ADMIN.", Assert.Single(help.Notes));

        Assert.Equal(2, help.RelatedLinks.Count);
        Assert.Equal("about_VirtualLan", help.RelatedLinks[0].Text);
        Assert.Equal(string.Empty, help.RelatedLinks[0].Address);
        Assert.Equal("Online help", help.RelatedLinks[1].Text);
        Assert.Equal("https://example.org/New-VlanBridge", help.RelatedLinks[1].Address);
    }

    /// <summary>The optional sections may be left out.</summary>
    [Fact]
    public void MinimalPage()
    {
        HelpPage help = MarkdownHelpParser.Parse("Get-VlanBridge.md", HelpSamples.MinimalPage);

        Assert.Empty(help.Inputs);
        Assert.Empty(help.Notes);
        Assert.Empty(help.RelatedLinks);
        Assert.Equal("Names to get.", Assert.Single(Assert.Single(help.Parameters).Description));
    }

    /// <summary>A cmdlet without parameters has an empty Parameters section.</summary>
    [Fact]
    public void ParametersSectionMayBeEmpty()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "### -Name\nNames to get.\n",
            string.Empty);

        HelpPage help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        Assert.Empty(help.Parameters);
    }

    /// <summary>Windows line ends and a byte order mark are accepted.</summary>
    [Fact]
    public void CarriageReturnsAndByteOrderMarkAreAccepted()
    {
        string page = "\uFEFF" + HelpSamples.FullPage.Replace("\n", "\r\n", StringComparison.Ordinal);

        HelpPage help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, page);

        Assert.Equal("New-VlanBridge", help.Name);
        Assert.DoesNotContain('\r', help.Examples[0].Code);
    }

    /// <summary>List items inside a paragraph keep their own lines.</summary>
    [Fact]
    public void ListItemsStayOnTheirOwnLines()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "Lists the bridges.",
            "Lists the bridges:\n- up ones\n- down ones\nand nothing else.");

        HelpPage help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        Assert.Equal("Lists the bridges:\n- up ones\n- down ones and nothing else.", Assert.Single(help.Description));
    }
}
