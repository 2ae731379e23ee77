namespace VirtualLan.HelpGen;

/// <summary>
/// Describes the help of one cmdlet as read from its Markdown page.
/// </summary>
/// <remarks>
/// The model holds already-validated values only, so the MAML writer never has to
/// second-guess its input and every format decision lives in the parser.
/// </remarks>
public sealed class CommandHelp
{
    /// <summary>
    /// Initializes a new instance of the <see cref="CommandHelp"/> class.
    /// </summary>
    /// <param name="name">The full cmdlet name in Verb-Noun form.</param>
    /// <param name="synopsis">The one-paragraph synopsis.</param>
    /// <param name="description">The paragraphs of the long description.</param>
    /// <param name="parameters">The documented parameters in page order.</param>
    /// <param name="examples">The examples in page order.</param>
    /// <param name="inputs">The types accepted from the pipeline, possibly none.</param>
    /// <param name="outputs">The types written to the pipeline.</param>
    /// <param name="notes">The paragraphs of the notes, possibly none.</param>
    /// <param name="relatedLinks">The related links in page order, possibly none.</param>
    public CommandHelp(
        string name,
        string synopsis,
        IReadOnlyList<string> description,
        IReadOnlyList<ParameterHelp> parameters,
        IReadOnlyList<ExampleHelp> examples,
        IReadOnlyList<TypeHelp> inputs,
        IReadOnlyList<TypeHelp> outputs,
        IReadOnlyList<string> notes,
        IReadOnlyList<RelatedLink> relatedLinks)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash == name.Length - 1)
        {
            throw new ArgumentException("The command name must have the form Verb-Noun.", nameof(name));
        }

        Name = name;
        Verb = name[..dash];
        Noun = name[(dash + 1)..];
        Synopsis = synopsis;
        Description = description;
        Parameters = parameters;
        Examples = examples;
        Inputs = inputs;
        Outputs = outputs;
        Notes = notes;
        RelatedLinks = relatedLinks;
    }

    /// <summary>Gets the full cmdlet name, for example New-VlanBridge.</summary>
    public string Name { get; }

    /// <summary>Gets the verb part of the name, for example New.</summary>
    public string Verb { get; }

    /// <summary>Gets the noun part of the name, for example VlanBridge.</summary>
    public string Noun { get; }

    /// <summary>Gets the one-paragraph synopsis.</summary>
    public string Synopsis { get; }

    /// <summary>Gets the paragraphs of the long description.</summary>
    public IReadOnlyList<string> Description { get; }

    /// <summary>Gets the documented parameters in page order, without the common parameters.</summary>
    public IReadOnlyList<ParameterHelp> Parameters { get; }

    /// <summary>Gets the examples in page order.</summary>
    public IReadOnlyList<ExampleHelp> Examples { get; }

    /// <summary>Gets the types the cmdlet accepts from the pipeline; empty when the page has no Inputs section.</summary>
    public IReadOnlyList<TypeHelp> Inputs { get; }

    /// <summary>Gets the types the cmdlet writes to the pipeline.</summary>
    public IReadOnlyList<TypeHelp> Outputs { get; }

    /// <summary>Gets the paragraphs of the notes; empty when the page has no Notes section.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Gets the related links; empty when the page has no Related Links section.</summary>
    public IReadOnlyList<RelatedLink> RelatedLinks { get; }

    /// <summary>
    /// Gets the names of the parameter sets named by any parameter, in order of first appearance.
    /// </summary>
    /// <remarks>
    /// First appearance rather than alphabetical order lets the page author decide which
    /// syntax line Get-Help shows first, while staying deterministic.
    /// </remarks>
    public IReadOnlyList<string> ParameterSetNames
    {
        get
        {
            var names = new List<string>();
            foreach (ParameterHelp parameter in Parameters)
            {
                foreach (string set in parameter.ParameterSets)
                {
                    if (!names.Contains(set, StringComparer.OrdinalIgnoreCase))
                    {
                        names.Add(set);
                    }
                }
            }

            return names;
        }
    }
}

/// <summary>
/// Describes one documented parameter of a cmdlet.
/// </summary>
public sealed class ParameterHelp
{
    /// <summary>
    /// Initializes a new instance of the <see cref="ParameterHelp"/> class.
    /// </summary>
    /// <param name="name">The parameter name without the leading dash.</param>
    /// <param name="typeName">The .NET type name as written on the page.</param>
    /// <param name="required">Whether the parameter is mandatory.</param>
    /// <param name="position">The zero-based position, or null when the parameter is named only.</param>
    /// <param name="pipelineInput">How the parameter binds from the pipeline.</param>
    /// <param name="defaultValue">The default value text, or null when the page gives none.</param>
    /// <param name="parameterSets">The parameter set names; empty means the parameter is in every set.</param>
    /// <param name="description">The paragraphs describing the parameter.</param>
    public ParameterHelp(
        string name,
        string typeName,
        bool required,
        int? position,
        PipelineInput pipelineInput,
        string? defaultValue,
        IReadOnlyList<string> parameterSets,
        IReadOnlyList<string> description)
    {
        Name = name;
        TypeName = typeName;
        Required = required;
        Position = position;
        PipelineInput = pipelineInput;
        DefaultValue = defaultValue;
        ParameterSets = parameterSets;
        Description = description;
    }

    /// <summary>Gets the parameter name without the leading dash.</summary>
    public string Name { get; }

    /// <summary>Gets the .NET type name as written on the page, for example String or String[].</summary>
    public string TypeName { get; }

    /// <summary>Gets a value indicating whether the parameter is mandatory.</summary>
    public bool Required { get; }

    /// <summary>Gets the zero-based position, or null when the parameter can only be given by name.</summary>
    public int? Position { get; }

    /// <summary>Gets how the parameter binds from the pipeline.</summary>
    public PipelineInput PipelineInput { get; }

    /// <summary>Gets the default value text, or null when the page gives none.</summary>
    public string? DefaultValue { get; }

    /// <summary>Gets the parameter set names; an empty list means the parameter belongs to every set.</summary>
    public IReadOnlyList<string> ParameterSets { get; }

    /// <summary>Gets the paragraphs describing the parameter.</summary>
    public IReadOnlyList<string> Description { get; }

    /// <summary>Gets a value indicating whether the parameter is in every parameter set.</summary>
    public bool InAllSets => ParameterSets.Count == 0;

    /// <summary>
    /// Gets a value indicating whether the parameter is a switch, which takes no value on the command line.
    /// </summary>
    public bool IsSwitch =>
        string.Equals(TypeName, "SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || string.Equals(TypeName, "System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Determines whether the parameter belongs to the named parameter set.
    /// </summary>
    /// <param name="setName">The parameter set name.</param>
    /// <returns>True when the parameter is in every set or names this one.</returns>
    public bool IsInSet(string setName) =>
        InAllSets || ParameterSets.Contains(setName, StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Says how a parameter binds from the pipeline.
/// </summary>
[Flags]
public enum PipelineInput
{
    /// <summary>The parameter does not bind from the pipeline.</summary>
    None = 0,

    /// <summary>The parameter binds whole pipeline objects.</summary>
    ByValue = 1,

    /// <summary>The parameter binds a property of the same name of the pipeline object.</summary>
    ByPropertyName = 2,
}

/// <summary>
/// Describes one example of a cmdlet.
/// </summary>
public sealed class ExampleHelp
{
    /// <summary>
    /// Initializes a new instance of the <see cref="ExampleHelp"/> class.
    /// </summary>
    /// <param name="title">The heading text, for example "Example 1: Create a bridge".</param>
    /// <param name="code">The text of the fenced code block without the fences.</param>
    /// <param name="remarks">The paragraphs after the code block, possibly none.</param>
    public ExampleHelp(string title, string code, IReadOnlyList<string> remarks)
    {
        Title = title;
        Code = code;
        Remarks = remarks;
    }

    /// <summary>Gets the heading text, for example "Example 1: Create a bridge".</summary>
    public string Title { get; }

    /// <summary>Gets the text of the code block, lines separated by a line feed.</summary>
    public string Code { get; }

    /// <summary>Gets the paragraphs that explain the example.</summary>
    public IReadOnlyList<string> Remarks { get; }
}

/// <summary>
/// Describes a type that a cmdlet accepts or returns.
/// </summary>
public sealed class TypeHelp
{
    /// <summary>
    /// Initializes a new instance of the <see cref="TypeHelp"/> class.
    /// </summary>
    /// <param name="typeName">The type name as written in the heading.</param>
    /// <param name="description">The paragraphs that describe the type's role, possibly none.</param>
    public TypeHelp(string typeName, IReadOnlyList<string> description)
    {
        TypeName = typeName;
        Description = description;
    }

    /// <summary>Gets the type name as written in the heading.</summary>
    public string TypeName { get; }

    /// <summary>Gets the paragraphs that describe the type's role.</summary>
    public IReadOnlyList<string> Description { get; }
}

/// <summary>
/// Describes one entry of the Related Links section.
/// </summary>
public sealed class RelatedLink
{
    /// <summary>
    /// Initializes a new instance of the <see cref="RelatedLink"/> class.
    /// </summary>
    /// <param name="text">The text shown, usually a command or about_ topic name.</param>
    /// <param name="address">The address, or an empty string for a topic that Get-Help finds by name.</param>
    public RelatedLink(string text, string address)
    {
        Text = text;
        Address = address;
    }

    /// <summary>Gets the text shown, usually a command or about_ topic name.</summary>
    public string Text { get; }

    /// <summary>Gets the address, or an empty string for a topic that Get-Help finds by name.</summary>
    /// <remarks>A string rather than a <see cref="System.Uri"/> because MAML allows the element to be empty.</remarks>
    public string Address { get; }
}
