using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VirtualLan.Bench;

/// <summary>
/// Starts programs the way a user's script does: one process per command, an argument vector and
/// never a shell, LC_ALL=C. Counts what it starts, so each way reports its processes.
/// </summary>
internal sealed class Shell
{
    private static readonly Dictionary<string, string> Paths = new(StringComparer.Ordinal);

    /// <summary>Gets the number of processes started since the last <see cref="Reset"/>.</summary>
    public int Processes { get; private set; }

    public void Reset() => Processes = 0;

    /// <summary>Runs a command and throws when it fails.</summary>
    public string Must(IReadOnlyList<string> argv, string? input = null)
    {
        var (code, output, error) = Run(argv, input);
        if (code != 0)
        {
            var where = input is null ? string.Empty : " (input: " + FirstLines(input, 3) + ")";
            throw new BenchException($"'{string.Join(' ', argv)}' exited with {code}: {error.Trim()}{where}");
        }

        return output;
    }

    public string Must(params string[] argv) => Must((IReadOnlyList<string>)argv);

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public (int ExitCode, string Output, string Error) Run(IReadOnlyList<string> argv, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var start = new ProcessStartInfo(Resolve(argv[0]))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.Environment["LC_ALL"] = "C";
        for (var i = 1; i < argv.Count; i++)
        {
            start.ArgumentList.Add(argv[i]);
        }

        Processes++;
        using var process = Process.Start(start) ?? throw new BenchException("Could not start " + argv[0]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        process.WaitForExit();
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    public (int ExitCode, string Output, string Error) Run(params string[] argv) => Run((IReadOnlyList<string>)argv);

    /// <summary>Finds a program on PATH or in the sbin folders, once per program.</summary>
    public static string Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return program;
        }

        lock (Paths)
        {
            if (Paths.TryGetValue(program, out var known))
            {
                return known;
            }

            var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Concat(new[] { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" });
            var path = folders.Select(f => Path.Combine(f, program)).FirstOrDefault(File.Exists)
                ?? throw new BenchException($"'{program}' is not installed (see build/os-packages.txt).");
            Paths[program] = path;
            return path;
        }
    }

    public static bool Exists(string program)
    {
        try
        {
            Resolve(program);
            return true;
        }
        catch (BenchException)
        {
            return false;
        }
    }

    private static string FirstLines(string text, int count)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var builder = new StringBuilder(string.Join(" | ", lines.Take(count)));
        if (lines.Length > count)
        {
            builder.Append(CultureInfo.InvariantCulture, $" | … {lines.Length - count} more lines");
        }

        return builder.ToString();
    }
}

/// <summary>A failure that makes a run invalid or stops the benchmark, with a message for the user.</summary>
internal sealed class BenchException : Exception
{
    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BenchException()
    {
    }
}
