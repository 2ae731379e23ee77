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
        // The prefixes are declared on each command, as PowerShell's own help files do, so that
        // every command element stands on its own when PowerShell lifts it out of the document.
        _xml.WriteStartElement("command", "command", CommandNamespace);
        _xml.WriteAttributeString("xmlns", "maml", null, MamlNamespace);
        _xml.WriteAttributeString("xmlns", "command", null, CommandNamespace);
        _xml.WriteAttributeString("xmlns", "dev", null, DevNamespace);

        _xml.WriteStartElement("command", "details", CommandNamespace);
        _xml.WriteElementString("command", "name", CommandNamespace, command.Name);
        _xml.WriteElementString("command", "verb", CommandNamespace, command.Verb);
        _xml.WriteElementString("command", "noun", CommandNamespace, command.Noun);
        WriteDescription([command.Synopsis]);
        _xml.WriteEndElement();

        WriteDescription(command.Description);
        WriteSyntax(command);

        _xml.WriteStartElement("command", "parameters", CommandNamespace);
        foreach (ParameterHelp parameter in command.Parameters)
        {
            WriteParameter(parameter);
        }

        _xml.WriteEndElement();

        if (command.Inputs.Count > 0)
        {
            WriteTypes("inputTypes", "inputType", command.Inputs);
        }

        WriteTypes("returnValues", "returnValue", command.Outputs);

        if (command.Notes.Count > 0)
        {
            _xml.WriteStartElement("maml", "alertSet", MamlNamespace);
            _xml.WriteStartElement("maml", "alert", MamlNamespace);
            WriteParas(command.Notes);
            _xml.WriteEndElement();
            _xml.WriteEndElement();
        }

        WriteExamples(command.Examples);

        if (command.RelatedLinks.Count > 0)
        {
            _xml.WriteStartElement("command", "relatedLinks", CommandNamespace);
            foreach (RelatedLink link in command.RelatedLinks)
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

    private void WriteSyntax(CommandHelp command)
    {
        _xml.WriteStartElement("command", "syntax", CommandNamespace);
        IReadOnlyList<string> sets = command.ParameterSetNames;
        if (sets.Count == 0)
        {
            WriteSyntaxItem(command.Name, command.Parameters);
        }
        else
        {
            foreach (string set in sets)
            {
                WriteSyntaxItem(command.Name, command.Parameters.Where(p => p.IsInSet(set)).ToList());
            }
        }

        _xml.WriteEndElement();
    }

    private void WriteSyntaxItem(string commandName, IReadOnlyList<ParameterHelp> parameters)
    {
        _xml.WriteStartElement("command", "syntaxItem", CommandNamespace);
        _xml.WriteElementString("maml", "name", MamlNamespace, commandName);

        // Get-Help prints syntax parameters in element order, so positional ones go first by
        // position, as PowerShell's own generated syntax does; the rest keep page order.
        IEnumerable<ParameterHelp> ordered = parameters
            .Where(p => p.Position is not null)
            .OrderBy(p => p.Position)
            .Concat(parameters.Where(p => p.Position is null));
        foreach (ParameterHelp parameter in ordered)
        {
            WriteParameter(parameter);
        }

        _xml.WriteEndElement();
    }

    private void WriteParameter(ParameterHelp parameter)
    {
        _xml.WriteStartElement("command", "parameter", CommandNamespace);
        _xml.WriteAttributeString("required", parameter.Required ? "true" : "false");
        _xml.WriteAttributeString("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        _xml.WriteAttributeString("globbing", "false");
        _xml.WriteAttributeString("pipelineInput", FormatPipelineInput(parameter.PipelineInput));
        _xml.WriteAttributeString("position", parameter.Position is int position ? position.ToString(CultureInfo.InvariantCulture) : "named");
        _xml.WriteAttributeString("aliases", "none");

        _xml.WriteElementString("maml", "name", MamlNamespace, parameter.Name);
        WriteDescription(parameter.Description);

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
        _xml.WriteElementString("dev", "defaultValue", DevNamespace, parameter.DefaultValue ?? "None");
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
