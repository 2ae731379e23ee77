namespace VirtualLan.HelpGen;

/// <summary>
/// The command line of the help generator:
/// <c>HelpGen --source &lt;folder of *.md&gt; --output &lt;path of .dll-Help.xml&gt;</c>.
/// </summary>
public static class Program
{
    /// <summary>The exit code when the help file was written.</summary>
    public const int Success = 0;

    /// <summary>The exit code when a page is malformed or cannot be read.</summary>
    public const int InvalidHelp = 1;

    /// <summary>The exit code when the command line itself is wrong.</summary>
    public const int InvalidArguments = 2;

    private const string Usage = "usage: HelpGen --source <folder with Verb-Noun.md pages> --output <path of Module.dll-Help.xml>";

    /// <summary>
    /// Runs the generator with the process's console streams.
    /// </summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs the generator with the given output streams, which lets tests drive the command line in-process.
    /// </summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="stdout">Receives the progress message.</param>
    /// <param name="stderr">Receives usage and <c>file:line: message</c> errors.</param>
    /// <returns>0 on success, 1 for malformed or unreadable help, 2 for a bad command line.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        string? source = null;
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            bool isSource = string.Equals(arg, "--source", StringComparison.Ordinal);
            bool isOutput = string.Equals(arg, "--output", StringComparison.Ordinal);
            if ((!isSource && !isOutput) || i + 1 >= args.Length)
            {
                stderr.WriteLine(isSource || isOutput ? $"HelpGen: {arg} needs a value" : $"HelpGen: unknown argument '{arg}'");
                stderr.WriteLine(Usage);
                return InvalidArguments;
            }

            if (isSource)
            {
                source = args[++i];
            }
            else
            {
                output = args[++i];
            }
        }

        if (string.IsNullOrEmpty(source) || string.IsNullOrEmpty(output))
        {
            stderr.WriteLine(Usage);
            return InvalidArguments;
        }

        if (!Directory.Exists(source))
        {
            stderr.WriteLine($"HelpGen: the source folder '{source}' does not exist");
            return InvalidArguments;
        }

        IReadOnlyList<string> pages = HelpPages.Find(source);
        if (pages.Count == 0)
        {
            // An empty folder almost always means a wrong path, and help without commands is useless.
            stderr.WriteLine($"{source}: error: no Verb-Noun.md help pages found");
            return InvalidHelp;
        }

        byte[]? maml;
        var errors = new List<string>();
        try
        {
            maml = HelpPages.Convert(pages, errors);
        }
        catch (IOException ex)
        {
            stderr.WriteLine($"HelpGen: {ex.Message}");
            return InvalidHelp;
        }
        catch (UnauthorizedAccessException ex)
        {
            stderr.WriteLine($"HelpGen: {ex.Message}");
            return InvalidHelp;
        }

        if (maml is null)
        {
            foreach (string error in errors)
            {
                stderr.WriteLine(error);
            }

            return InvalidHelp;
        }

        string fullOutput = Path.GetFullPath(output);
        string? folder = Path.GetDirectoryName(fullOutput);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(fullOutput, maml);
        stdout.WriteLine($"HelpGen: wrote {pages.Count} command(s) to {fullOutput}");
        return Success;
    }
}
