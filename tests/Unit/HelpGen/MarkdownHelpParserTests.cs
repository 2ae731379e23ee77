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
        CommandHelp help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        Assert.Equal("New-VlanBridge", help.Name);
        Assert.Equal("New", help.Verb);
        Assert.Equal("VlanBridge", help.Noun);
        Assert.Equal("Creates a Linux bridge for a virtual LAN.", help.Synopsis);
        string[] description =
        [
            "The New-VlanBridge cmdlet creates a bridge and gives it an address.",
            "The bridge stays until it is removed.",
        ];
        Assert.Equal(description, help.Description);
    }

    /// <summary>Every metadata key of every parameter is read.</summary>
    [Fact]
    public void FullPageParameters()
    {
        CommandHelp help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

        Assert.Equal(3, help.Parameters.Count);

        ParameterHelp name = help.Parameters[0];
        Assert.Equal("Name", name.Name);
        Assert.Equal("String", name.TypeName);
        Assert.False(name.Required);
        Assert.Equal(0, name.Position);
        Assert.Equal(PipelineInput.ByPropertyName, name.PipelineInput);
        Assert.Equal("virtualnet0", name.DefaultValue);
        Assert.True(name.InAllSets);
        Assert.False(name.IsSwitch);
        Assert.Equal("The name of the bridge.", Assert.Single(name.Description));

        ParameterHelp address = help.Parameters[1];
        Assert.Equal("Address", address.Name);
        Assert.True(address.Required);
        Assert.Equal(1, address.Position);
        Assert.Equal(PipelineInput.ByValue | PipelineInput.ByPropertyName, address.PipelineInput);
        Assert.Null(address.DefaultValue);
        Assert.Equal("Default", Assert.Single(address.ParameterSets));

        ParameterHelp force = help.Parameters[2];
        Assert.Equal("Force", force.Name);
        Assert.True(force.IsSwitch);
        Assert.Null(force.Position);
        Assert.Equal(PipelineInput.None, force.PipelineInput);
        string[] sets = ["Default", "Other"];
        Assert.Equal(sets, force.ParameterSets);
        Assert.Equal(2, force.Description.Count);

        string[] setNames = ["Default", "Other"];
        Assert.Equal(setNames, help.ParameterSetNames);
    }

    /// <summary>Examples keep their code verbatim, including lines that look like headings.</summary>
    [Fact]
    public void FullPageExamples()
    {
        CommandHelp help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

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
        CommandHelp help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, HelpSamples.FullPage);

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

    /// <summary>The optional sections may be left out, and a missing Sets line means every set.</summary>
    [Fact]
    public void MinimalPage()
    {
        CommandHelp help = MarkdownHelpParser.Parse("Get-VlanBridge.md", HelpSamples.MinimalPage);

        Assert.Empty(help.Inputs);
        Assert.Empty(help.Notes);
        Assert.Empty(help.RelatedLinks);
        ParameterHelp name = Assert.Single(help.Parameters);
        Assert.True(name.InAllSets);
        Assert.Equal("String[]", name.TypeName);
        Assert.Empty(help.ParameterSetNames);
    }

    /// <summary>A cmdlet without parameters has an empty Parameters section.</summary>
    [Fact]
    public void ParametersSectionMayBeEmpty()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "### -Name\nType: String[]\nRequired: False\nPosition: 0\nPipeline: False\n\nNames to get.\n",
            string.Empty);

        CommandHelp help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        Assert.Empty(help.Parameters);
    }

    /// <summary>Windows line ends and a byte order mark are accepted.</summary>
    [Fact]
    public void CarriageReturnsAndByteOrderMarkAreAccepted()
    {
        string page = "\uFEFF" + HelpSamples.FullPage.Replace("\n", "\r\n", StringComparison.Ordinal);

        CommandHelp help = MarkdownHelpParser.Parse(HelpSamples.FullPagePath, page);

        Assert.Equal("New-VlanBridge", help.Name);
        Assert.DoesNotContain('\r', help.Examples[0].Code);
    }

    /// <summary>WhatIf and Confirm are documented on the page because Get-Help does not add them.</summary>
    [Fact]
    public void WhatIfAndConfirmAreAccepted()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "## Examples",
            "### -WhatIf\nType: SwitchParameter\nRequired: False\nPosition: Named\nPipeline: False\n\nShows what would happen.\n\n"
            + "### -Confirm\nType: SwitchParameter\nRequired: False\nPosition: Named\nPipeline: False\n\nAsks first.\n\n## Examples");

        CommandHelp help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        string[] names = ["Name", "WhatIf", "Confirm"];
        Assert.Equal(names, help.Parameters.Select(p => p.Name));
    }

    /// <summary>List items inside a paragraph keep their own lines.</summary>
    [Fact]
    public void ListItemsStayOnTheirOwnLines()
    {
        string page = HelpSamples.ReplaceOnce(
            HelpSamples.MinimalPage,
            "Lists the bridges.",
            "Lists the bridges:\n- up ones\n- down ones\nand nothing else.");

        CommandHelp help = MarkdownHelpParser.Parse("Get-VlanBridge.md", page);

        Assert.Equal("Lists the bridges:\n- up ones\n- down ones and nothing else.", Assert.Single(help.Description));
    }
}
