using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VirtualLan.Bench;

/// <summary>
/// The module's import time: Import-Module of the manifest in a fresh runspace of a fresh process
/// (this program started again with --import-probe, so the module's assembly is not loaded yet),
/// and with pwsh -NoProfile when pwsh is installed.
/// </summary>
internal static class ImportProbe
{
    public const string Flag = "--import-probe";

    /// <summary>In the child: opens a runspace (not timed), times Import-Module, prints milliseconds.</summary>
    public static int RunChild(string manifest)
    {
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using (var warm = PowerShell.Create())
        {
            // The engine's own first-command cost is not the module's.
            warm.Runspace = runspace;
            warm.AddScript("$null = Get-Command Get-Date").Invoke();
        }

        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop").AddArgument(manifest);
        var clock = Stopwatch.StartNew();
        ps.Invoke();
        var elapsed = clock.Elapsed;
        if (ps.HadErrors)
        {
            Console.Error.WriteLine(ps.Streams.Error.FirstOrDefault()?.ToString() ?? "Import-Module failed.");
            return 1;
        }

        Console.WriteLine(elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>Times the import in fresh processes of this program.</summary>
    public static IReadOnlyList<double> InFreshProcesses(string manifest, int runs)
    {
        var self = Environment.ProcessPath ?? throw new BenchException("Cannot tell how this program was started.");
        var argv = new List<string> { self };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            argv.Add(typeof(ImportProbe).Assembly.Location);
        }

        argv.Add(Flag);
        argv.Add(manifest);
        var shell = new Shell();
        return Enumerable.Range(0, runs).Select(_ => Parse(shell.Must(argv))).ToArray();
    }

    /// <summary>Times the import with pwsh -NoProfile, or returns nothing when pwsh is not installed.</summary>
    public static IReadOnlyList<double> WithPwsh(string manifest, int runs)
    {
        if (!Shell.Exists("pwsh"))
        {
            return Array.Empty<double>();
        }

        var shell = new Shell();
        var script = $"(Measure-Command {{ Import-Module '{manifest.Replace("'", "''", StringComparison.Ordinal)}' -ErrorAction Stop }}).TotalMilliseconds";
        return Enumerable.Range(0, runs).Select(_ => Parse(shell.Must("pwsh", "-NoProfile", "-NonInteractive", "-Command", script))).ToArray();
    }

    private static double Parse(string output) => double.Parse(output.Trim().Split('\n')[^1].Trim(), CultureInfo.InvariantCulture);
}
