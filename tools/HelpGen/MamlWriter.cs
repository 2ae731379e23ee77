using System.Globalization;
using System.Text;
using System.Xml;

namespace VirtualLan.HelpGen;

/// <summary>
/// Writes parsed cmdlet help as a MAML <c>helpItems</c> document, the format PowerShell reads
/// from <c>&lt;Assembly&gt;.dll-Help.xml</c> next to a binary module.
/// </summary>
/// <remarks>
/// The element shapes follow the MAML files that PowerShell's own modules and platyPS ship,
/// since Get-Help only understands that dialect and ignores what it does not expect.
/// </remarks>
public sealed class MamlWriter
{
    /// <summary>The namespace of the <c>helpItems</c> root element.</summary>
    public const string MshNamespace = "http://msh";

    /// <summary>The namespace bound to the <c>maml</c> prefix.</summary>
    public const string MamlNamespace = "http://schemas.microsoft.com/maml/2004/10";

    /// <summary>The namespace bound to the <c>command</c> prefix.</summary>
    public const string CommandNamespace = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    /// <summary>The namespace bound to the <c>dev</c> prefix.</summary>
    public const string DevNamespace = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string ExampleTitleRule = "--------------------------";

    private readonly XmlWriter _xml;

    private MamlWriter(XmlWriter xml)
    {
        _xml = xml;
    }

    /// <summary>
    /// Renders the commands as a MAML document.
    /// </summary>
    /// <param name="commands">The commands, written in the order given.</param>
    /// <returns>The document encoded as UTF-8 without a byte order mark, with line feed line ends.</returns>
    public static byte[] Write(IEnumerable<CommandHelp> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);

        // Fixed settings, not platform defaults, so that the same pages give the same bytes on
        // every machine and the file does not churn in builds.
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            OmitXmlDeclaration = false,
            CloseOutput = false,
        };

        using var stream = new MemoryStream();
        using (XmlWriter xml = XmlWriter.Create(stream, settings))
        {
            new MamlWriter(xml).WriteDocument(commands);
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    /// <summary>
    /// Renders the commands as a MAML document string, which is convenient for inspection.
    /// </summary>
    /// <param name="commands">The commands, written in the order given.</param>
    /// <returns>The document text.</returns>
    public static string WriteToString(IEnumerable<CommandHelp> commands) =>
        new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(Write(commands));

    private void WriteDocument(IEnumerable<CommandHelp> commands)
    {
        _xml.WriteStartDocument();
        _xml.WriteStartElement("helpItems", MshNamespace);
        _xml.WriteAttributeString("schema", "maml");
        foreach (CommandHelp command in commands)
        {
            WriteCommand(command);
        }

        _xml.WriteEndElement();
        _xml.WriteEndDocument();
    }

    private void WriteCommand(CommandHelp command)
    {
        HelpPage page = command.Page;

        // The prefixes are declared on each command, as PowerShell's own help files do, so that
        // every command element stands on its own when PowerShell lifts it out of the document.
        _xml.WriteStartElement("command", "command", CommandNamespace);
        _xml.WriteAttributeString("xmlns", "maml", null, MamlNamespace);
        _xml.WriteAttributeString("xmlns", "command", null, CommandNamespace);
        _xml.WriteAttributeString("xmlns", "dev", null, DevNamespace);

        _xml.WriteStartElement("command", "details", CommandNamespace);
        _xml.WriteElementString("command", "name", CommandNamespace, command.Cmdlet.Name);
        _xml.WriteElementString("command", "verb", CommandNamespace, command.Verb);
        _xml.WriteElementString("command", "noun", CommandNamespace, command.Noun);
        WriteDescription([page.Synopsis]);
        _xml.WriteEndElement();

        WriteDescription(page.Description);
        WriteSyntax(command);

        _xml.WriteStartElement("command", "parameters", CommandNamespace);
        foreach ((CmdletParameter parameter, ParameterText text) in command.Parameters)
        {
            WriteParameter(parameter, text, parameter.Required, parameter.Position, parameter.PipelineInput, inSyntax: false);
        }

        _xml.WriteEndElement();

        if (page.Inputs.Count > 0)
        {
            WriteTypes("inputTypes", "inputType", page.Inputs);
        }

        WriteTypes("returnValues", "returnValue", page.Outputs);

        if (page.Notes.Count > 0)
        {
            _xml.WriteStartElement("maml", "alertSet", MamlNamespace);
            _xml.WriteStartElement("maml", "alert", MamlNamespace);
            WriteParas(page.Notes);
            _xml.WriteEndElement();
            _xml.WriteEndElement();
        }

        WriteExamples(page.Examples);

        if (page.RelatedLinks.Count > 0)
        {
            _xml.WriteStartElement("command", "relatedLinks", CommandNamespace);
            foreach (RelatedLink link in page.RelatedLinks)
            {
                _xml.WriteStartElement("maml", "navigationLink", MamlNamespace);
                _xml.WriteElementString("maml", "linkText", MamlNamespace, link.Text);
                _xml.WriteElementString("maml", "uri", MamlNamespace, link.Address);
                _xml.WriteEndElement();
            }

            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    /// <summary>
    /// Writes one syntax line per parameter set, each with the parameters of that set as that
    /// set's [Parameter] attribute declares them.
    /// </summary>
    private void WriteSyntax(CommandHelp command)
    {
        _xml.WriteStartElement("command", "syntax", CommandNamespace);
        IReadOnlyList<string> sets = command.Cmdlet.ParameterSets.Count > 0 ? command.Cmdlet.ParameterSets : [CmdletParameter.AllSets];
        foreach (string set in sets)
        {
            _xml.WriteStartElement("command", "syntaxItem", CommandNamespace);
            _xml.WriteElementString("maml", "name", MamlNamespace, command.Cmdlet.Name);

            // Get-Help prints syntax parameters in element order, so positional ones go first by
            // position, as PowerShell's own generated syntax does; the rest keep page order.
            var inSet = command.Parameters
                .Select(p => (p.Parameter, p.Text, Binding: p.Parameter.In(set)))
                .Where(p => p.Binding is not null)
                .ToList();
            foreach ((CmdletParameter parameter, ParameterText text, ParameterBinding? binding) in inSet
                .Where(p => p.Binding!.Position is not null)
                .OrderBy(p => p.Binding!.Position)
                .Concat(inSet.Where(p => p.Binding!.Position is null)))
            {
                WriteParameter(parameter, text, binding!.Mandatory, binding.Position, binding.PipelineInput, inSyntax: true);
            }

            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    private void WriteParameter(CmdletParameter parameter, ParameterText text, bool required, int? position, PipelineInput pipeline, bool inSyntax)
    {
        _xml.WriteStartElement("command", "parameter", CommandNamespace);
        _xml.WriteAttributeString("required", required ? "true" : "false");
        _xml.WriteAttributeString("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        _xml.WriteAttributeString("globbing", "false");
        _xml.WriteAttributeString("pipelineInput", FormatPipelineInput(pipeline));
        _xml.WriteAttributeString("position", position is int p ? p.ToString(CultureInfo.InvariantCulture) : "named");
        _xml.WriteAttributeString("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none");

        _xml.WriteElementString("maml", "name", MamlNamespace, parameter.Name);
        WriteDescription(text.Description);

        // Get-Help shows a syntax line's choices as {a | b | c} from a value group.
        if (inSyntax && parameter.ValidValues.Count > 0)
        {
            _xml.WriteStartElement("command", "parameterValueGroup", CommandNamespace);
            foreach (string value in parameter.ValidValues)
            {
                _xml.WriteStartElement("command", "parameterValue", CommandNamespace);
                _xml.WriteAttributeString("required", "false");
                _xml.WriteAttributeString("variableLength", "false");
                _xml.WriteString(value);
                _xml.WriteEndElement();
            }

            _xml.WriteEndElement();
        }

        // A switch has no value on the command line; a parameterValue element would make Get-Help
        // print "-Force <SwitchParameter>" as though it took an argument.
        if (!parameter.IsSwitch)
        {
            _xml.WriteStartElement("command", "parameterValue", CommandNamespace);
            _xml.WriteAttributeString("required", "true");
            _xml.WriteAttributeString("variableLength", "false");
            _xml.WriteString(parameter.TypeName);
            _xml.WriteEndElement();
        }

        WriteType(parameter.TypeName);
        _xml.WriteElementString("dev", "defaultValue", DevNamespace, text.DefaultValue ?? (parameter.IsSwitch ? "False" : "None"));
        _xml.WriteEndElement();
    }

    private void WriteTypes(string listElement, string itemElement, IReadOnlyList<TypeHelp> types)
    {
        _xml.WriteStartElement("command", listElement, CommandNamespace);
        foreach (TypeHelp type in types)
        {
            _xml.WriteStartElement("command", itemElement, CommandNamespace);
            WriteType(type.TypeName);
            WriteDescription(type.Description);
            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    private void WriteType(string typeName)
    {
        _xml.WriteStartElement("dev", "type", DevNamespace);
        _xml.WriteElementString("maml", "name", MamlNamespace, typeName);
        _xml.WriteEndElement();
    }

    private void WriteExamples(IReadOnlyList<ExampleHelp> examples)
    {
        _xml.WriteStartElement("command", "examples", CommandNamespace);
        foreach (ExampleHelp example in examples)
        {
            _xml.WriteStartElement("command", "example", CommandNamespace);
            _xml.WriteElementString("maml", "title", MamlNamespace, $"{ExampleTitleRule} {example.Title} {ExampleTitleRule}");
            _xml.WriteElementString("dev", "code", DevNamespace, example.Code);
            _xml.WriteStartElement("dev", "remarks", DevNamespace);
            WriteParas(example.Remarks);
            _xml.WriteEndElement();
            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    private void WriteDescription(IReadOnlyList<string> paragraphs)
    {
        _xml.WriteStartElement("maml", "description", MamlNamespace);
        WriteParas(paragraphs);
        _xml.WriteEndElement();
    }

    private void WriteParas(IReadOnlyList<string> paragraphs)
    {
        foreach (string paragraph in paragraphs)
        {
            _xml.WriteElementString("maml", "para", MamlNamespace, paragraph);
        }
    }

    private static string FormatPipelineInput(PipelineInput input) => input switch
    {
        PipelineInput.ByValue => "True (ByValue)",
        PipelineInput.ByPropertyName => "True (ByPropertyName)",
        PipelineInput.ByValue | PipelineInput.ByPropertyName => "True (ByValue, ByPropertyName)",
        _ => "False",
    };
}
