using System.Globalization;

namespace VirtualLan.Bench;

/// <summary>The command line: --sizes 10,50,200 --runs 5 [--runs-for 200=3] --ways a,n,b,c,k --out bench/RESULTS.md.</summary>
internal sealed class Options
{
    public IReadOnlyList<int> Sizes { get; private set; } = new[] { 10, 50, 200 };

    public int Runs { get; private set; } = 5;

    public Dictionary<int, int> RunsFor { get; } = new();

    public IReadOnlyList<string> Ways { get; private set; } = new[] { "a", "n", "b", "c", "k" };

    public string Out { get; private set; } = "bench/RESULTS.md";

    public string? Module { get; private set; }

    public int ImportRuns { get; private set; } = 5;

    public bool Warmup { get; private set; } = true;

    public int? SettleMs { get; private set; }

    public string CommandLine { get; private set; } = string.Empty;

    public int RunsOf(int n) => RunsFor.TryGetValue(n, out var runs) ? runs : Runs;

    public const string Usage = """
        VirtualLan.Bench — build and tear down a bridge, a router and N namespace appliances with a port
        forward each, five ways, in sandbox namespaces (run as root).

          --sizes 10,50,200     appliance counts N
          --runs 5              runs per N and way (medians are reported; at least 5 for the targets)
          --runs-for 200=3      a different number of runs for one N (repeatable)
          --ways a,n,b,c,k      a = cmdlets on the ip backend, n = cmdlets on the netlink backend,
                                b = seed script (one command per line), c = hand-batched,
                                k = kernel floor (the netlink backend fed operations directly)
          --out bench/RESULTS.md
          --module PATH.psd1    the module to time Import-Module on (default: the copy beside this program)
          --import-runs 5       fresh processes timed for the import
          --settle-ms MS        pause between runs for the kernel to finish deleting namespaces (default 500 + 10 per appliance)
          --no-warmup           skip the untimed warm-up run of each way at N=3
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options { CommandLine = string.Join(' ', args) };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new BenchException($"{args[i]} needs a value.\n\n{Usage}");
            switch (args[i])
            {
                case "--sizes":
                    options.Sizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Positive).ToArray();
                    break;
                case "--runs":
                    options.Runs = Positive(Value());
                    break;
                case "--runs-for":
                    var pair = Value().Split('=');
                    if (pair.Length != 2)
                    {
                        throw new BenchException("--runs-for takes N=RUNS, e.g. 200=3.");
                    }

                    options.RunsFor[Positive(pair[0])] = Positive(pair[1]);
                    break;
                case "--ways":
                    options.Ways = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim().ToLowerInvariant()).ToArray();
                    if (options.Ways.Any(w => w is not "a" and not "n" and not "b" and not "c" and not "k"))
                    {
                        throw new BenchException("--ways takes a, n, b, c and k.");
                    }

                    break;
                case "--out":
                    options.Out = Value();
                    break;
                case "--module":
                    options.Module = Path.GetFullPath(Value());
                    break;
                case "--import-runs":
                    options.ImportRuns = Positive(Value());
                    break;
                case "--settle-ms":
                    options.SettleMs = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--no-warmup":
                    options.Warmup = false;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    Environment.Exit(0);
                    break;
                default:
                    throw new BenchException($"Unknown option '{args[i]}'.\n\n{Usage}");
            }
        }

        if (options.Sizes.Any(n => n > 253))
        {
            throw new BenchException("N above 253 does not fit the module's namespace address pool (172.24.4.2 to .254).");
        }

        return options;
    }

    private static int Positive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : throw new BenchException($"'{text}' is not a positive number.");
}
