using System.Globalization;
using System.Runtime.InteropServices;

namespace VirtualLan.Bench;

/// <summary>The machine the numbers come from.</summary>
internal sealed record Machine(string Cpu, int Cores, string Kernel, string Os, string Runtime, string Iproute, string Iptables, string StartLoad)
{
    public static Machine Describe()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "Linux"
            : "Linux";
        var shell = new Shell();
        var iproute = shell.Run("ip", "-V").Output.Trim();
        var iptables = shell.Run("iptables", "-V").Output.Trim();
        return new Machine(cpu, Environment.ProcessorCount, kernel, os, RuntimeInformation.FrameworkDescription, iproute, iptables, LoadAverage());
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

/// <summary>Every run's numbers, by N and way.</summary>
internal sealed class Results
{
    private readonly Dictionary<(int N, string Way), List<RunResult>> _runs = new();

    public Results(Machine machine, Options options, IReadOnlyList<Way> ways)
    {
        Machine = machine;
        Options = options;
        Ways = ways;
    }

    public Machine Machine { get; }

    public Options Options { get; }

    public IReadOnlyList<Way> Ways { get; }

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? Finished { get; set; }

    public string? EndLoad { get; set; }

    public List<double> Imports { get; } = new();

    public List<double> PwshImports { get; } = new();

    public IReadOnlyList<TimeSpan> WarmImports { get; set; } = Array.Empty<TimeSpan>();

    public List<(int N, string Way, string Message)> Failures { get; } = new();

    public IReadOnlyList<string> LeftOver { get; set; } = Array.Empty<string>();

    public int OtherNamespaces { get; set; }

    public IEnumerable<int> Sizes => _runs.Keys.Select(k => k.N).Distinct().Order();

    public void Add(int n, string way, RunResult result)
    {
        if (!_runs.TryGetValue((n, way), out var list))
        {
            _runs[(n, way)] = list = new List<RunResult>();
        }

        list.Add(result);
    }

    public void Fail(int n, string way, string message) => Failures.Add((n, way, message));

    public IReadOnlyList<RunResult> Of(int n, string way) => _runs.TryGetValue((n, way), out var list) ? list : Array.Empty<RunResult>();

    public double? BuildMs(int n, string way) => Median(Of(n, way).Select(r => r.Build.TotalMilliseconds));

    public double? TeardownMs(int n, string way) => Median(Of(n, way).Select(r => r.Teardown.TotalMilliseconds));

    /// <summary>The median time Get-VlanAppliance took to list the whole LAN, for the cmdlet ways.</summary>
    public double? ReadMs(int n, string way) => Median(Of(n, way).Where(r => r.ReadAll is not null).Select(r => r.ReadAll!.Value.TotalMilliseconds));

    /// <summary>The run whose build time is the median one (the lower middle for an even count).</summary>
    public RunResult? MedianRun(int n, string way)
    {
        var runs = Of(n, way).OrderBy(r => r.Build).ToArray();
        return runs.Length == 0 ? null : runs[(runs.Length - 1) / 2];
    }

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string Ms(double? value) => value is null ? "—" : value.Value.ToString(value.Value >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture) + " ms";
}
