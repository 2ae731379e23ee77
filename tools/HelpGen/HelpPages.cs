namespace VirtualLan.HelpGen;

/// <summary>
/// Finds the per-cmdlet help pages of a folder and joins them to the module's cmdlets.
/// </summary>
public static class HelpPages
{
    /// <summary>
    /// Lists the cmdlet help pages in a folder, ordered by file name with ordinal comparison.
    /// </summary>
    /// <param name="folder">The folder that holds the <c>Verb-Noun.md</c> pages; subfolders are not searched.</param>
    /// <returns>The full paths of the pages.</returns>
    /// <remarks>
    /// Ordinal order makes the output independent of the file system's listing order and of the
    /// machine's culture. Pages named <c>about_*.md</c> are conceptual topics, which are not MAML
    /// command help, so they are left out here rather than reported as malformed cmdlet pages.
    /// </remarks>
    public static IReadOnlyList<string> Find(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return Directory.EnumerateFiles(folder)
            .Where(path => string.Equals(Path.GetExtension(path), ".md", StringComparison.OrdinalIgnoreCase))
            .Where(path => !Path.GetFileName(path).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .OrderBy(path => Path.GetFileName(path), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Parses every page, joins each to its cmdlet and renders them as one MAML document.
    /// </summary>
    /// <param name="pages">The page paths, in the order the commands should appear.</param>
    /// <param name="cmdlets">The module's cmdlets; each needs exactly one page.</param>
    /// <param name="errors">Receives one <c>file:line: message</c> entry for each problem.</param>
    /// <returns>The MAML bytes, or null when any page failed.</returns>
    /// <remarks>
    /// Every page is checked even after a failure, so that one build reports all broken pages at once.
    /// </remarks>
    public static byte[]? Convert(IReadOnlyList<string> pages, IReadOnlyList<CmdletInfo> cmdlets, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(cmdlets);
        ArgumentNullException.ThrowIfNull(errors);

        var commands = new List<CommandHelp>(pages.Count);
        var documented = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int count = errors.Count;
        foreach (string path in pages)
        {
            try
            {
                // File names are unique but PowerShell command names are not case-sensitive, so
                // New-Foo.md and new-foo.md would be two help entries for one command.
                string name = Path.GetFileNameWithoutExtension(path);
                if (!documented.Add(name))
                {
                    throw new HelpFormatException(path, 1, $"the command {name} is documented twice");
                }

                HelpPage page = MarkdownHelpParser.ParseFile(path);
                CmdletInfo cmdlet = cmdlets.FirstOrDefault(c => string.Equals(c.Name, page.Name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new HelpFormatException(path, 1, $"the module has no cmdlet {page.Name}; remove the page or fix its title");
                commands.Add(CommandHelp.Combine(page, cmdlet));
            }
            catch (HelpFormatException ex)
            {
                errors.Add(ex.Message);
            }
        }

        foreach (CmdletInfo cmdlet in cmdlets.Where(c => !documented.Contains(c.Name)))
        {
            errors.Add($"{cmdlet.ClassName}: error: the cmdlet {cmdlet.Name} has no help page; add {cmdlet.Name}.md to the help folder");
        }

        return errors.Count > count ? null : MamlWriter.Write(commands);
    }
}
