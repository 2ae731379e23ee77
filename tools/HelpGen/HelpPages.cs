namespace VirtualLan.HelpGen;

/// <summary>
/// Finds and converts the per-cmdlet help pages of a folder.
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
    /// Parses every page and renders them as one MAML document.
    /// </summary>
    /// <param name="pages">The page paths, in the order the commands should appear.</param>
    /// <param name="errors">Receives one <c>file:line: message</c> entry for each page that failed to parse.</param>
    /// <returns>The MAML bytes, or null when any page failed.</returns>
    /// <remarks>
    /// Every page is parsed even after a failure, so that one build reports all broken pages at once.
    /// </remarks>
    public static byte[]? Convert(IReadOnlyList<string> pages, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(errors);

        var commands = new List<CommandHelp>(pages.Count);
        var failed = false;
        foreach (string page in pages)
        {
            try
            {
                commands.Add(MarkdownHelpParser.ParseFile(page));
            }
            catch (HelpFormatException ex)
            {
                errors.Add(ex.Message);
                failed = true;
            }
        }

        if (failed)
        {
            return null;
        }

        // File names are unique but PowerShell command names are not case-sensitive, so
        // New-Foo.md and new-foo.md would be two help entries for one command.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < commands.Count; i++)
        {
            if (!seen.Add(commands[i].Name))
            {
                errors.Add(new HelpFormatException(pages[i], 1, $"the command {commands[i].Name} is documented twice").Message);
                failed = true;
            }
        }

        return failed ? null : MamlWriter.Write(commands);
    }
}
