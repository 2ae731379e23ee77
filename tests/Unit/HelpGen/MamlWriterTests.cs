using System.Text;
using System.Xml.Linq;
using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Checks the MAML document against the shape Get-Help reads.
/// </summary>
public sealed class MamlWriterTests
{
    private static readonly XNamespace _msh = MamlWriter.MshNamespace;
    private static readonly XNamespace _maml = MamlWriter.MamlNamespace;
    private static readonly XNamespace _command = MamlWriter.CommandNamespace;
    private static readonly XNamespace _dev = MamlWriter.DevNamespace;

    /// <summary>The root is a MAML helpItems element with one command per page.</summary>
    [Fact]
    public void RootAndCommandDetails()
    {
        XDocument document = Render(HelpSamples.FullPage);

        XElement root = document.Root!;
        Assert.Equal(_msh + "helpItems", root.Name);
        Assert.Equal("maml", (string?)root.Attribute("schema"));
        XElement command = Assert.Single(root.Elements(_command + "command"));

        XElement details = command.Element(_command + "details")!;
        Assert.Equal("New-VlanBridge", (string?)details.Element(_command + "name"));
        Assert.Equal("New", (string?)details.Element(_command + "verb"));
        Assert.Equal("VlanBridge", (string?)details.Element(_command + "noun"));
        Assert.Equal(
            "Creates a Linux bridge for a virtual LAN.",
            (string?)details.Element(_maml + "description")!.Element(_maml + "para"));

        string[] description =
        [
            "The New-VlanBridge cmdlet creates a bridge and gives it an address.",
            "The bridge stays until it is removed.",
        ];
        Assert.Equal(description, command.Element(_maml + "description")!.Elements(_maml + "para").Select(p => p.Value));
    }

    /// <summary>The prefixes are declared on each command element, as in PowerShell's own help files.</summary>
    [Fact]
    public void NamespacePrefixesAreDeclaredOnTheCommand()
    {
        XElement command = Command(Render(HelpSamples.FullPage));

        Assert.Equal(MamlWriter.MamlNamespace, (string?)command.Attribute(XNamespace.Xmlns + "maml"));
        Assert.Equal(MamlWriter.CommandNamespace, (string?)command.Attribute(XNamespace.Xmlns + "command"));
        Assert.Equal(MamlWriter.DevNamespace, (string?)command.Attribute(XNamespace.Xmlns + "dev"));
    }

    /// <summary>
    /// Each parameter carries what the cmdlet's attributes say (type, required, position,
    /// pipeline, aliases) and what the page says (description, default), in page order.
    /// </summary>
    [Fact]
    public void ParametersSectionComesFromTheAttributes()
    {
        XElement command = Command(Render(HelpSamples.FullPage));
        List<XElement> parameters = command.Element(_command + "parameters")!.Elements(_command + "parameter").ToList();

        string[] names = ["Name", "Mtu", "Address", "Force", "Kind", "WhatIf", "Confirm"];
        Assert.Equal(names, parameters.Select(p => (string?)p.Element(_maml + "name")));

        XElement name = parameters[0];
        Assert.Equal("false", (string?)name.Attribute("required"));
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("True (ByPropertyName)", (string?)name.Attribute("pipelineInput"));
        Assert.Equal("BridgeName", (string?)name.Attribute("aliases"));
        Assert.Equal("false", (string?)name.Attribute("globbing"));
        Assert.Equal("String", (string?)name.Element(_command + "parameterValue"));
        Assert.Equal("true", (string?)name.Element(_command + "parameterValue")!.Attribute("required"));
        Assert.Equal("String", (string?)name.Element(_dev + "type")!.Element(_maml + "name"));
        Assert.Equal("virtualnet0", (string?)name.Element(_dev + "defaultValue"));
        Assert.Equal("The name of the bridge.", (string?)name.Element(_maml + "description")!.Element(_maml + "para"));

        XElement mtu = parameters[1];
        Assert.Equal("Int32", (string?)mtu.Element(_dev + "type")!.Element(_maml + "name"));
        Assert.Equal("2", (string?)mtu.Attribute("position"));
        Assert.Equal("none", (string?)mtu.Attribute("aliases"));

        XElement address = parameters[2];
        Assert.Equal("true", (string?)address.Attribute("required"));
        Assert.Equal("True (ByValue, ByPropertyName)", (string?)address.Attribute("pipelineInput"));
        Assert.Equal("None", (string?)address.Element(_dev + "defaultValue"));
        Assert.Equal("The address & prefix length, as in <address>/<length>.", address.Element(_maml + "description")!.Value);

        XElement force = parameters[3];
        Assert.Equal("named", (string?)force.Attribute("position"));
        Assert.Equal("False", (string?)force.Attribute("pipelineInput"));
        Assert.Null(force.Element(_command + "parameterValue"));
        Assert.Equal("SwitchParameter", (string?)force.Element(_dev + "type")!.Element(_maml + "name"));
        Assert.Equal("False", (string?)force.Element(_dev + "defaultValue"));
        Assert.Equal(2, force.Element(_maml + "description")!.Elements(_maml + "para").Count());

        Assert.Equal("wi", (string?)parameters[5].Attribute("aliases"));
        Assert.Equal("cf", (string?)parameters[6].Attribute("aliases"));
    }

    /// <summary>
    /// There is one syntax item per parameter set, the default set first; parameters in every
    /// set are in each; each set's [Parameter] gives its own Mandatory; positional parameters
    /// lead in position order, whatever the page order; choices are listed.
    /// </summary>
    [Fact]
    public void SyntaxItemPerParameterSet()
    {
        XElement command = Command(Render(HelpSamples.FullPage));
        List<XElement> items = command.Element(_command + "syntax")!.Elements(_command + "syntaxItem").ToList();

        Assert.Equal(2, items.Count);
        Assert.All(items, item => Assert.Equal("New-VlanBridge", (string?)item.Element(_maml + "name")));
        string[] defaultSet = ["Name", "Address", "Mtu", "Force", "WhatIf", "Confirm"];
        string[] otherSet = ["Name", "Mtu", "Force", "Kind", "WhatIf", "Confirm"];
        Assert.Equal(defaultSet, SyntaxNames(items[0]));
        Assert.Equal(otherSet, SyntaxNames(items[1]));
        Assert.Equal("false", (string?)SyntaxParameter(items[0], "Force").Attribute("required"));
        Assert.Equal("true", (string?)SyntaxParameter(items[1], "Force").Attribute("required"));

        string[] kinds = ["Namespace", "Tap"];
        Assert.Equal(kinds, SyntaxParameter(items[1], "Kind").Element(_command + "parameterValueGroup")!.Elements().Select(e => e.Value));
        string[] mtus = ["1500", "9000"];
        Assert.Equal(mtus, SyntaxParameter(items[0], "Mtu").Element(_command + "parameterValueGroup")!.Elements().Select(e => e.Value));
    }

    /// <summary>A cmdlet without named sets has a single syntax item with every parameter.</summary>
    [Fact]
    public void SingleSyntaxItemWithoutSetNames()
    {
        XElement command = Command(XDocument.Parse(MamlWriter.WriteToString([HelpSamples.Help("Get-VlanBridge.md", HelpSamples.MinimalPage)])));

        XElement item = Assert.Single(command.Element(_command + "syntax")!.Elements(_command + "syntaxItem"));
        Assert.Equal(["Name"], SyntaxNames(item));
        Assert.Equal("true", (string?)SyntaxParameter(item, "Name").Attribute("variableLength"));
    }

    /// <summary>Examples have the dashed title, the code and the remark paragraphs.</summary>
    [Fact]
    public void Examples()
    {
        XElement command = Command(Render(HelpSamples.FullPage));
        List<XElement> examples = command.Element(_command + "examples")!.Elements(_command + "example").ToList();

        Assert.Equal(2, examples.Count);
        Assert.Equal(
            "-------------------------- Example 1: Create the seed's LAN --------------------------",
            (string?)examples[0].Element(_maml + "title"));
        Assert.Equal(
            "PS> New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16\n# The comment line is code, not a heading.",
            (string?)examples[0].Element(_dev + "code"));
        string[] remarks = ["Creates the bridge.", "It prints nothing."];
        Assert.Equal(remarks, examples[0].Element(_dev + "remarks")!.Elements(_maml + "para").Select(p => p.Value));
        Assert.Empty(examples[1].Element(_dev + "remarks")!.Elements());
    }

    /// <summary>Inputs, outputs, notes and links use the MAML container elements.</summary>
    [Fact]
    public void TypesNotesAndLinks()
    {
        XElement command = Command(Render(HelpSamples.FullPage));

        XElement input = Assert.Single(command.Element(_command + "inputTypes")!.Elements(_command + "inputType"));
        Assert.Equal("VirtualLan.Bridge", (string?)input.Element(_dev + "type")!.Element(_maml + "name"));
        Assert.Equal("A bridge whose Name is used.", (string?)input.Element(_maml + "description")!.Element(_maml + "para"));

        XElement output = Assert.Single(command.Element(_command + "returnValues")!.Elements(_command + "returnValue"));
        Assert.Equal("VirtualLan.Bridge", (string?)output.Element(_dev + "type")!.Element(_maml + "name"));

        XElement alert = Assert.Single(command.Element(_maml + "alertSet")!.Elements(_maml + "alert"));
        Assert.Equal("Needs CAP_NET_ADMIN.", (string?)alert.Element(_maml + "para"));

        List<XElement> links = command.Element(_command + "relatedLinks")!.Elements(_maml + "navigationLink").ToList();
        Assert.Equal(2, links.Count);
        Assert.Equal("about_VirtualLan", (string?)links[0].Element(_maml + "linkText"));
        Assert.Equal(string.Empty, (string?)links[0].Element(_maml + "uri"));
        Assert.Equal("https://example.org/New-VlanBridge", (string?)links[1].Element(_maml + "uri"));
    }

    /// <summary>Optional sections that a page leaves out produce no elements.</summary>
    [Fact]
    public void OptionalSectionsAreOmitted()
    {
        CommandHelp help = HelpSamples.Help("Get-VlanBridge.md", HelpSamples.MinimalPage);
        XElement command = Command(XDocument.Parse(MamlWriter.WriteToString([help])));

        Assert.Null(command.Element(_command + "inputTypes"));
        Assert.Null(command.Element(_maml + "alertSet"));
        Assert.Null(command.Element(_command + "relatedLinks"));
        XElement name = command.Element(_command + "parameters")!.Element(_command + "parameter")!;
        Assert.Equal("true", (string?)name.Attribute("variableLength"));
    }

    /// <summary>The same input gives the same bytes: UTF-8 without a byte order mark and with line feeds only.</summary>
    [Fact]
    public void OutputIsDeterministic()
    {
        CommandHelp full = HelpSamples.Help(HelpSamples.FullPagePath, HelpSamples.FullPage);
        CommandHelp minimal = HelpSamples.Help("Get-VlanBridge.md", HelpSamples.MinimalPage);
        CommandHelp fullAgain = HelpSamples.Help(HelpSamples.FullPagePath, HelpSamples.FullPage);
        CommandHelp minimalAgain = HelpSamples.Help("Get-VlanBridge.md", HelpSamples.MinimalPage);

        byte[] first = MamlWriter.Write([minimal, full]);
        byte[] second = MamlWriter.Write([minimalAgain, fullAgain]);

        Assert.Equal(first, second);
        Assert.Equal("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems", Encoding.UTF8.GetString(first, 0, 49));
        Assert.DoesNotContain((byte)'\r', first);
    }

    /// <summary>Commands appear in the order given, which the CLI makes the ordinal file name order.</summary>
    [Fact]
    public void CommandsKeepTheGivenOrder()
    {
        CommandHelp full = HelpSamples.Help(HelpSamples.FullPagePath, HelpSamples.FullPage);
        CommandHelp minimal = HelpSamples.Help("Get-VlanBridge.md", HelpSamples.MinimalPage);

        XDocument document = XDocument.Parse(MamlWriter.WriteToString([minimal, full]));

        string[] order = ["Get-VlanBridge", "New-VlanBridge"];
        Assert.Equal(
            order,
            document.Root!.Elements(_command + "command").Select(c => (string?)c.Element(_command + "details")!.Element(_command + "name")));
    }

    private static XDocument Render(string page) =>
        XDocument.Parse(MamlWriter.WriteToString([HelpSamples.Help(HelpSamples.FullPagePath, page)]));

    private static XElement Command(XDocument document) =>
        Assert.Single(document.Root!.Elements(_command + "command"));

    private static XElement SyntaxParameter(XElement syntaxItem, string name) =>
        syntaxItem.Elements(_command + "parameter").Single(p => (string?)p.Element(_maml + "name") == name);

    private static IEnumerable<string?> SyntaxNames(XElement syntaxItem) =>
        syntaxItem.Elements(_command + "parameter").Select(p => (string?)p.Element(_maml + "name"));
}
