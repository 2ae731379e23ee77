namespace VirtualLan.HelpGen;

/// <summary>
/// The command line of the help generator:
/// <c>HelpGen --assembly &lt;module dll&gt; [--references &lt;file&gt;] --source &lt;folder of *.md&gt; --output &lt;path of .dll-Help.xml&gt;</c>.
/// </summary>
public static class Program
{
    /// <summary>The exit code when the help file was written.</summary>
    public const int Success = 0;

    /// <summary>The exit code when a page is malformed, drifts from its cmdlet, or cannot be read.</summary>
    public const int InvalidHelp = 1;

    /// <summary>The exit code when the command line itself is wrong.</summary>
    public const int InvalidArguments = 2;

    private const string Usage = "usage: HelpGen --assembly <Module.dll> [--references <file with one reference path a line>] --source <folder with Verb-Noun.md pages> --output <path of Module.dll-Help.xml>";

    private static readonly string[] _options = ["--assembly", "--references", "--source", "--output"];

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
    /// <returns>0 on success, 1 for malformed, drifting or unreadable help, 2 for a bad command line.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            bool known = _options.Contains(args[i], StringComparer.Ordinal);
            if (!known || i + 1 >= args.Length)
            {
                stderr.WriteLine(known ? $"HelpGen: {args[i]} needs a value" : $"HelpGen: unknown argument '{args[i]}'");
                stderr.WriteLine(Usage);
                return InvalidArguments;
            }

            values[args[i]] = args[i + 1];
        }

        if (!values.TryGetValue("--source", out string? source) || !values.TryGetValue("--output", out string? output)
            || !values.TryGetValue("--assembly", out string? assembly))
        {
            stderr.WriteLine(Usage);
            return InvalidArguments;
        }

        string? missing = Directory.Exists(source) ? null : source;
        missing ??= new[] { assembly, values.GetValueOrDefault("--references", assembly) }.FirstOrDefault(p => !File.Exists(p));
        if (missing is not null)
        {
            stderr.WriteLine($"HelpGen: '{missing}' does not exist");
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
            string[] references = values.TryGetValue("--references", out string? list)
                ? File.ReadAllLines(list).Where(l => l.Length > 0).ToArray()
                : [];
            maml = HelpPages.Convert(pages, CmdletReader.Read(assembly, references), errors);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException or FileLoadException)
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
        Directory.CreateDirectory(Path.GetDirectoryName(fullOutput)!);
        File.WriteAllBytes(fullOutput, maml);
        stdout.WriteLine($"HelpGen: wrote {pages.Count} command(s) to {fullOutput}");
        return Success;
    }
}
