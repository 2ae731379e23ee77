namespace VirtualLan.HelpGen;

/// <summary>
/// The help of one cmdlet: the prose of its page joined to the metadata of its attributes,
/// checked so that neither can say something the other does not.
/// </summary>
/// <param name="Page">The page's prose.</param>
/// <param name="Cmdlet">The cmdlet's attributes.</param>
/// <param name="Parameters">Each parameter with its page text, in page order.</param>
public sealed record CommandHelp(HelpPage Page, CmdletInfo Cmdlet, IReadOnlyList<(CmdletParameter Parameter, ParameterText Text)> Parameters)
{
    /// <summary>Gets the verb part of the name, for example New.</summary>
    public string Verb => Cmdlet.Name[..Cmdlet.Name.IndexOf('-', StringComparison.Ordinal)];

    /// <summary>Gets the noun part of the name, for example VlanBridge.</summary>
    public string Noun => Cmdlet.Name[(Cmdlet.Name.IndexOf('-', StringComparison.Ordinal) + 1)..];

    /// <summary>
    /// Joins a page to its cmdlet.
    /// </summary>
    /// <param name="page">The parsed page.</param>
    /// <param name="cmdlet">The cmdlet of the same name.</param>
    /// <returns>The joined help.</returns>
    /// <exception cref="HelpFormatException">
    /// The page documents a parameter the cmdlet does not have, leaves out one it has, or lists
    /// outputs other than the cmdlet's [OutputType].
    /// </exception>
    public static CommandHelp Combine(HelpPage page, CmdletInfo cmdlet)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(cmdlet);
        var joined = new List<(CmdletParameter, ParameterText)>();
        foreach (ParameterText text in page.Parameters)
        {
            CmdletParameter parameter = cmdlet.Parameters.FirstOrDefault(p => string.Equals(p.Name, text.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new HelpFormatException(page.FilePath, text.Line, $"-{text.Name} is documented, but {cmdlet.Name} ({cmdlet.ClassName}) has no such parameter; remove the '### -{text.Name}' entry or add the parameter");
            joined.Add((parameter, text));
        }

        CmdletParameter? undocumented = cmdlet.Parameters.FirstOrDefault(p => !joined.Any(j => j.Item1 == p));
        if (undocumented is not null)
        {
            throw new HelpFormatException(page.FilePath, page.ParametersLine, $"the parameter -{undocumented.Name} of {cmdlet.Name} ({cmdlet.ClassName}) has no description; add a '### -{undocumented.Name}' entry under '## Parameters'");
        }

        string[] pageOutputs = page.Outputs.Select(o => o.TypeName).ToArray();
        if (!pageOutputs.Order(StringComparer.Ordinal).SequenceEqual(cmdlet.OutputTypes.Order(StringComparer.Ordinal)))
        {
            throw new HelpFormatException(page.FilePath, page.OutputsLine, $"'## Outputs' lists {string.Join(", ", pageOutputs)}, but {cmdlet.Name}'s [OutputType] says {string.Join(", ", cmdlet.OutputTypes)}; make each '### TypeName' one of them");
        }

        return new CommandHelp(page, cmdlet, joined);
    }
}
