using System.Globalization;

namespace VirtualLan.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == ImportProbe.Flag)
        {
            return ImportProbe.RunChild(args[1]);
        }

        try
        {
            return Run(Options.Parse(args));
        }
        catch (BenchException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    private static int Run(Options options)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new BenchException("Run as root: the benchmark makes network namespaces (sandboxes only; the machine's own network is not touched).");
        }

        foreach (var tool in new[] { "ip", "iptables", "iptables-restore", "sysctl", "conntrack" })
        {
            Shell.Resolve(tool);
        }

        if (!File.Exists("/bin/busybox") && !File.Exists("/usr/bin/busybox"))
        {
            throw new BenchException("busybox is not installed (busybox-static): the build is verified with its ping.");
        }

        var manifest = Path.Combine(AppContext.BaseDirectory, "VirtualLan.psd1");
        var importManifest = options.Module ?? manifest;
        var machine = Machine.Describe();
        Console.WriteLine($"VirtualLan.Bench on {machine.Cpu}, {machine.Cores} cores, kernel {machine.Kernel}; sizes {string.Join(',', options.Sizes)}, ways {string.Join(',', options.Ways)}");

        // Import time first, in fresh processes, before anything else loads.
        Console.WriteLine($"Import-Module timing ({importManifest}) ...");
        var imports = ImportProbe.InFreshProcesses(importManifest, options.ImportRuns);
        var pwshImports = ImportProbe.WithPwsh(importManifest, options.ImportRuns);

        var cmdlets = new CmdletWay(manifest, netlink: false);
        var all = new Way[] { cmdlets, new CmdletWay(manifest, netlink: true), new SeedWay(), new BatchedWay(), new FloorWay() };
        var ways = all.Where(w => options.Ways.Contains(w.Key)).ToArray();
        var results = new Results(machine, options, ways);
        results.Imports.AddRange(imports);
        results.PwshImports.AddRange(pwshImports);
        var shell = new Shell();
        var before = World.Namespaces(shell).Where(n => n.StartsWith("vlb-", StringComparison.Ordinal)).ToArray();
        if (before.Length > 0)
        {
            throw new BenchException($"Namespaces of an earlier benchmark are still there: {string.Join(", ", before)}. Delete them (ip netns delete NAME) and run again.");
        }

        try
        {
            if (options.Warmup)
            {
                foreach (var way in ways)
                {
                    Console.WriteLine($"warm-up ({way.Key}) N=3 ...");
                    way.Run(3);
                }
            }

            foreach (var n in options.Sizes)
            {
                for (var run = 1; run <= options.RunsOf(n); run++)
                {
                    // The ways take turns within each run, so a disturbance on the machine spreads over all of them.
                    foreach (var way in ways)
                    {
                        Thread.Sleep(options.SettleMs ?? (500 + (10 * n)));
                        try
                        {
                            var result = way.Run(n);
                            results.Add(n, way.Key, result);
                            Console.WriteLine(string.Create(
                                CultureInfo.InvariantCulture,
                                $"N={n,3} run {run}/{options.RunsOf(n)} ({way.Key}) build {result.Build.TotalMilliseconds,9:F0} ms  teardown {result.Teardown.TotalMilliseconds,8:F0} ms  processes {result.BuildProcesses}+{result.TeardownProcesses}"));
                        }
                        catch (BenchException e)
                        {
                            results.Fail(n, way.Key, e.Message);
                            Console.Error.WriteLine($"N={n} run {run} ({way.Key}) INVALID: {e.Message}");
                        }
                    }
                }

                // Rewritten after each size, so a long run leaves its results so far.
                results.WarmImports = cmdlets.WarmImports;
                Report.Write(results, options.Out);
            }
        }
        finally
        {
            foreach (var ns in World.Namespaces(shell).Where(n => n.StartsWith("vlb-", StringComparison.Ordinal) && !n.Contains('.', StringComparison.Ordinal)))
            {
                World.Remove(shell, ns);
            }
        }

        var left = World.Namespaces(shell);
        results.LeftOver = left.Where(n => n.StartsWith("vlb-", StringComparison.Ordinal)).ToArray();
        results.OtherNamespaces = left.Count - results.LeftOver.Count;
        results.Finished = DateTimeOffset.UtcNow;
        results.EndLoad = Machine.LoadAverage();
        results.WarmImports = cmdlets.WarmImports;
        Report.Write(results, options.Out);
        Console.WriteLine($"Wrote {options.Out}. ip netns list: {(left.Count == 0 ? "empty" : string.Join(", ", left))}");
        return results.LeftOver.Count == 0 && results.Failures.Count == 0 ? 0 : 1;
    }
}
