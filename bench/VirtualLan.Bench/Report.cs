using System.Globalization;
using System.Text;

namespace VirtualLan.Bench;

/// <summary>Writes RESULTS.md: the machine, medians per N and way, ratios, import time, a verdict per target, and where (a)'s time goes.</summary>
internal static class Report
{
    public static void Write(Results results, string path)
    {
        var text = Render(results);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, text);
    }

    public static string Render(Results r)
    {
        var md = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        var sizes = r.Sizes.ToArray();
        var m = r.Machine;
        md.AppendLine("# VirtualLan benchmark results").AppendLine();
        md.AppendLine(ic, $"Measured {r.Started:yyyy-MM-dd HH:mm} UTC{(r.Finished is null ? " (in progress)" : $" to {r.Finished:HH:mm} UTC")} with `bench/VirtualLan.Bench` (`{(r.Options.CommandLine.Length == 0 ? "defaults" : r.Options.CommandLine)}`).").AppendLine();
        md.AppendLine("| machine | |").AppendLine("| --- | --- |");
        md.AppendLine(ic, $"| CPU | {m.Cpu}, {m.Cores} cores |");
        md.AppendLine(ic, $"| kernel | {m.Kernel} ({m.Os}) |");
        md.AppendLine(ic, $"| runtime | {m.Runtime}, System.Management.Automation 7.6.9 hosted in-process (no pwsh) |");
        md.AppendLine(ic, $"| tools | {m.Iproute}; {m.Iptables} |");
        md.AppendLine(ic, $"| load average (1/5/15 min) | at start {m.StartLoad}{(r.EndLoad is null ? string.Empty : $", at end {r.EndLoad}")} |");
        md.AppendLine();
        md.AppendLine(ic, $"Runs per way: {string.Join(", ", sizes.Select(n => $"N={n}: {r.Options.RunsOf(n)}"))}; the ways take turns within each run; every figure is a median over the valid runs. Every build was verified with a busybox ping from the last appliance to {Topology.InternetHost}; a run without an answer is invalid and left out.").AppendLine();

        // Medians.
        md.AppendLine("## Build and teardown").AppendLine();
        md.AppendLine("| N | way | valid runs | build | build per appliance | teardown | processes (build + teardown) | Get-VlanAppliance |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in sizes)
        {
            foreach (var way in r.Ways)
            {
                var build = r.BuildMs(n, way.Key);
                var run = r.MedianRun(n, way.Key);
                var processes = run is null ? "—" : run.BuildProcesses < 0 ? "n/a" : $"{run.BuildProcesses} + {run.TeardownProcesses}";
                md.AppendLine(ic, $"| {n} | ({way.Key}) {way.Title} | {r.Of(n, way.Key).Count} | {Results.Ms(build)} | {Results.Ms(build / n)} | {Results.Ms(r.TeardownMs(n, way.Key))} | {processes} | {Results.Ms(r.ReadMs(n, way.Key))} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## Ratios").AppendLine();
        md.AppendLine("Below 1 means the module (a: ip backend, n: netlink backend) is faster.").AppendLine();
        md.AppendLine("| N | build a/b | build a/c | build n/b | build n/c | teardown a/b | teardown a/c | teardown n/b | teardown n/c |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in sizes)
        {
            var cells = new[] { "a", "n" }.SelectMany(w => new[] { (w, "b"), (w, "c") }).Select(p => Ratio(r.BuildMs(n, p.Item1), r.BuildMs(n, p.Item2)))
                .Concat(new[] { "a", "n" }.SelectMany(w => new[] { (w, "b"), (w, "c") }).Select(p => Ratio(r.TeardownMs(n, p.Item1), r.TeardownMs(n, p.Item2))));
            md.AppendLine(ic, $"| {n} | {string.Join(" | ", cells)} |");
        }

        if (r.Ways.Any(w => w.Key == "k"))
        {
            md.AppendLine();
            md.AppendLine("The kernel's floor (k) against the hand-batched script (c), and what the module (n) takes beyond that floor (n/k; n − k is the module's own cost: PowerShell, planning, reads, undo bookkeeping, and its firewall in several transactions):").AppendLine();
            md.AppendLine("| N | build k/c | teardown k/c | build n/k | teardown n/k | build n − k | teardown n − k |");
            md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var n in sizes)
            {
                md.AppendLine(ic, $"| {n} | {Ratio(r.BuildMs(n, "k"), r.BuildMs(n, "c"))} | {Ratio(r.TeardownMs(n, "k"), r.TeardownMs(n, "c"))} | {Ratio(r.BuildMs(n, "n"), r.BuildMs(n, "k"))} | {Ratio(r.TeardownMs(n, "n"), r.TeardownMs(n, "k"))} | {Difference(r.BuildMs(n, "n"), r.BuildMs(n, "k"))} | {Difference(r.TeardownMs(n, "n"), r.TeardownMs(n, "k"))} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## Module import").AppendLine();
        var import = Results.Median(r.Imports);
        var pwsh = Results.Median(r.PwshImports);
        md.AppendLine(ic, $"- `Import-Module VirtualLan.psd1` in a fresh runspace of a fresh process (the module's assembly not yet loaded; the engine's own first command run before): median **{Results.Ms(import)}** ({List(r.Imports)}).");
        md.AppendLine(pwsh is null
            ? "- pwsh is not installed here: no `pwsh -NoProfile` figure."
            : string.Create(ic, $"- `pwsh -NoProfile -c 'Measure-Command {{ Import-Module … }}'`: median **{Results.Ms(pwsh)}** ({List(r.PwshImports)})."));
        if (r.WarmImports.Count > 0)
        {
            md.AppendLine(ic, $"- Imports into the fresh runspace of each (a) run, warm-up included, inside the benchmark process (only the first loads the assembly): median {Results.Ms(Results.Median(r.WarmImports.Select(t => t.TotalMilliseconds)))} over {r.WarmImports.Count}.");
        }

        md.AppendLine();
        Targets(md, r, sizes, import, pwsh);
        WhereTheTimeGoes(md, r, sizes);

        md.AppendLine("## Every run").AppendLine();
        md.AppendLine("| N | way | build (ms) | teardown (ms) |").AppendLine("| ---: | --- | --- | --- |");
        foreach (var n in sizes)
        {
            foreach (var way in r.Ways)
            {
                var runs = r.Of(n, way.Key);
                md.AppendLine(ic, $"| {n} | ({way.Key}) | {string.Join(", ", runs.Select(x => x.Build.TotalMilliseconds.ToString("F0", ic)))} | {string.Join(", ", runs.Select(x => x.Teardown.TotalMilliseconds.ToString("F0", ic)))} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## How each way works").AppendLine();
        md.AppendLine("All five build the same network inside a fresh sandbox namespace `vlb-HEX` per run (the module's defaults): bridge `virtualnet0` 172.24.0.1/16; router namespace with `lan0` 172.24.0.254 on the bridge, the host link 100.64.0.1/30 ↔ 100.64.0.2/30, the uplink `uplink0` moved in with 198.51.100.2/24 and its default route, FORWARD policy DROP, MASQUERADE out of the uplink, LAN and host link → uplink accepted with the answers back; N namespaces `aI` behind veths `vl-aI` ↔ `eth0` with 172.24.4.(I+1)/16, lo up and a default route; one TCP forward of port 10000+I to each, as Add-VlanPortForward writes it (DNAT on the uplink, on host0 and on lan0 for NAT loopback, two FORWARD accepts for DNATed flows, a hairpin MASQUERADE: six rules). Outside the timings: the sandbox and a simulated internet (203.0.113.10 behind 198.51.100.1, as tests/Integration/World.cs builds it). The teardown ends with the sandbox's deletion in every way.").AppendLine();
        md.AppendLine("- **(a)** and **(n)** one script in one runspace that imported the module from its manifest (`Enter-VlanSandbox` before, untimed); (a) on the ip backend (`ip -batch`, `iptables-restore`), (n) on the netlink backend (links, addresses, routes and namespaces over rtnetlink sockets, firewall with `iptables-restore`). After the build and the ping, `" + ReadScript() + "` is timed three times (median kept; it must list N):").AppendLine();
        md.AppendLine("  ```powershell");
        foreach (var line in CmdletWay.BuildScript.Split('\n'))
        {
            md.AppendLine("  " + line);
        }

        md.AppendLine("  # teardown");
        foreach (var line in CmdletWay.TeardownScript.Split('\n'))
        {
            md.AppendLine("  " + line);
        }

        md.AppendLine("  ```").AppendLine();
        md.AppendLine("  `Connect-VlanAppliance -Namespace` and `Add-VlanPortForward -ExternalPort` do not bind from the pipeline (only `-Bridge`, resp. `-Address`/`-Appliance` by property name), so the appliances are a loop of one `Connect-VlanAppliance | Add-VlanPortForward` per appliance inside that one script. The teardown is all pipelines. Processes are counted by wrapping the session's command runner (as tests/Shared/RecordingRunner.cs does).");
        md.AppendLine("- **(b)** the seed's way: the same network as a generated list of single `ip` / `ip netns exec … iptables` / `sysctl` commands, one process per line (Process.Start, no shell): 27 lines for bridge and router, 7 per appliance, 6 per forward; teardown one command per object (`iptables -D` per rule, `ip link del` and `ip netns delete` per appliance, the uplink moved back and re-addressed, the router's links, the bridge).");
        md.AppendLine("- **(k)** the kernel's floor for the module's approach: the module's netlink backend (`NetlinkBackend.Run`) handed (c)'s network as typed operations, grouped by hand — every `netns add`, the host's side in one socket (bridge, router legs, each appliance's veth created with its peer in the appliance's namespace and plugged in one request, the uplink moved), forwarding through /proc/sys, the router's inside, (c)'s one `iptables-restore` for the whole firewall, then each appliance's inside on a socket in its namespace. No PowerShell, no planning, no reads of the kernel's state, no undo bookkeeping. Its teardown is the module's, not (c)'s: the uplink moved back and re-addressed, every link of the LAN in one group deletion (so none is left when it returns), then every namespace; (c) deletes the bridge and the namespaces and leaves the 2N veth ends to the kernel's asynchronous clean-up. 1 process to build, none to tear down.");
        md.AppendLine("- **(c)** hand-batched: one `ip -batch -` with every `netns add`, one `ip -n SANDBOX -batch -` for the bridge, the router's legs, every appliance veth and the uplink move, one `sysctl`, one `ip -n ROUTER -batch -`, one `iptables-restore --noflush` with the router's whole firewall, and one `ip -n aI -batch -` per appliance (ip applies `-n` to a whole batch, so an appliance's inside needs its own process): N + 6 processes. Teardown: one `iptables-restore --noflush` with every forward's `-D`, the uplink moved back, one `ip -batch` for the sandbox side, one `ip -batch -` of `netns delete` lines: 4 processes.");
        md.AppendLine();

        md.AppendLine("## Checks").AppendLine();
        md.AppendLine(r.Failures.Count == 0 ? "- Every run was valid (ping answered, nothing left behind)." : string.Create(ic, $"- {r.Failures.Count} invalid run(s), left out of the medians:"));
        foreach (var (n, way, message) in r.Failures)
        {
            md.AppendLine(ic, $"  - N={n} ({way}): {message}");
        }

        if (r.Finished is not null)
        {
            md.AppendLine(r.LeftOver.Count == 0
                ? string.Create(ic, $"- After the run, `ip netns list` held no `vlb-` namespace{(r.OtherNamespaces == 0 ? " (it was empty)" : $" ({r.OtherNamespaces} namespaces of other users were there)")}.")
                : $"- LEFT BEHIND: {string.Join(", ", r.LeftOver)}");
        }

        return md.ToString();
    }

    private static void Targets(StringBuilder md, Results r, int[] sizes, double? import, double? pwsh)
    {
        var ic = CultureInfo.InvariantCulture;
        if (sizes.Length == 0)
        {
            return;
        }

        var big = sizes.Contains(200) ? 200 : sizes.Max();
        var small = sizes.Contains(10) ? 10 : sizes.Min();
        md.AppendLine(ic, $"## Targets (N = {big})").AppendLine();
        md.AppendLine("| target | measured | verdict |").AppendLine("| --- | --- | --- |");
        var a = r.BuildMs(big, "a");
        var b = r.BuildMs(big, "b");
        var c = r.BuildMs(big, "c");
        if (a is not null && b is not null)
        {
            var speedup = b.Value / a.Value;
            // The hand-batched reference bounds what any batching can reach: when even it is not 10×
            // faster than (b), the target cannot be met by batching, and the verdict says so.
            var floor = c is null ? string.Empty : FormattableString.Invariant($"; the hand-batched reference (c) itself is (b)/(c) = {b.Value / c.Value:F2}×, since every appliance's inside takes a process of its own in both");
            md.AppendLine(ic, $"| build: (a) at least 10× faster than (b) | (b)/(a) = {speedup:F2}× | {(speedup >= 10 ? "**met**" : $"**missed**: needs {10 / speedup:F1}× more speed{floor}")} |");
        }

        if (a is not null && c is not null)
        {
            var ratio = a.Value / c.Value;
            md.AppendLine(ic, $"| build: (a) within 1.5× of (c) | (a)/(c) = {ratio:F2}× | {(ratio <= 1.5 ? "**met**" : $"**missed** by {ratio / 1.5:F1}× ({a.Value - (1.5 * c.Value):N0} ms over)")} |");
        }

        var ta = r.TeardownMs(big, "a");
        var tc = r.TeardownMs(big, "c");
        if (ta is not null && tc is not null)
        {
            var ratio = ta.Value / tc.Value;
            md.AppendLine(ic, $"| teardown: (a) within 2× of (c) | (a)/(c) = {ratio:F2}× | {(ratio <= 2 ? "**met**" : $"**missed** by {ratio / 2:F1}× ({ta.Value - (2 * tc.Value):N0} ms over)")} |");
        }

        // Issue 22's targets for the netlink backend (n).
        var nb = r.BuildMs(big, "n");
        var nt = r.TeardownMs(big, "n");
        if (nb is not null && c is not null)
        {
            var ratio = nb.Value / c.Value;
            md.AppendLine(ic, $"| build: (n) at most 0.5× (c) | (n)/(c) = {ratio:F2}× | {(ratio <= 0.5 ? "**met**" : $"**missed** ({nb.Value - (0.5 * c.Value):N0} ms over)")} |");
        }

        if (nt is not null && tc is not null)
        {
            var ratio = nt.Value / tc.Value;
            md.AppendLine(ic, $"| teardown: (n) at most 1× (c) | (n)/(c) = {ratio:F2}× | {(ratio <= 1 ? "**met**" : $"**missed** ({nt.Value - tc.Value:N0} ms over)")} |");
        }

        // The floor (k) says whether a target is within reach of any tool doing the same kernel work.
        var kb = r.BuildMs(big, "k");
        var kt = r.TeardownMs(big, "k");
        if (kb is not null && c is not null && kt is not null && tc is not null)
        {
            md.AppendLine(ic, $"| (for reference) the kernel's floor (k) against (c) | build {kb.Value / c.Value:F2}×, teardown {kt.Value / tc.Value:F2}× | the least the module's approach can take here; (n) is {(nb is null ? "—" : $"{nb.Value - kb.Value:N0} ms")} above it to build, {(nt is null ? "—" : $"{nt.Value - kt.Value:N0} ms")} to tear down |");
        }

        if (nb is not null && b is not null)
        {
            var speedup = b.Value / nb.Value;
            md.AppendLine(ic, $"| build: (n) at least 10× faster than (b) | (b)/(n) = {speedup:F2}× | {(speedup >= 10 ? "**met**" : $"**missed**: needs {10 / speedup:F1}× more speed")} |");
        }

        foreach (var way in new[] { "n", "a" })
        {
            if (r.ReadMs(big, way) is { } read)
            {
                md.AppendLine(ic, $"| Get-VlanAppliance of {big} appliances under 100 ms ({way}) | {read:F0} ms | {(read < 100 ? "**met**" : $"**missed** by {read - 100:F0} ms")}{(way == "a" ? " (the target is the netlink backend's; the ip backend for comparison)" : string.Empty)} |");
            }
        }

        var aSmall = r.BuildMs(small, "a");
        if (a is not null && aSmall is not null && big != small)
        {
            var growth = (a.Value / big) / (aSmall.Value / small);
            md.AppendLine(ic, $"| linear: (a)'s build per appliance at N={big} within 1.3× of N={small} | {a.Value / big:F1} ms vs {aSmall.Value / small:F1} ms = {growth:F2}× | {(growth <= 1.3 ? "**met**" : $"**missed** by {growth / 1.3:F1}×")} |");
        }

        if (import is not null)
        {
            md.AppendLine(ic, $"| module import under 300 ms (hosted engine, fresh process) | {import.Value:F0} ms | {(import.Value < 300 ? "**met**" : $"**missed** by {import.Value - 300:F0} ms")} |");
        }

        if (pwsh is not null)
        {
            md.AppendLine(ic, $"| module import under 300 ms (pwsh -NoProfile) | {pwsh.Value:F0} ms | {(pwsh.Value < 300 ? "**met**" : $"**missed** by {pwsh.Value - 300:F0} ms")} |");
        }

        md.AppendLine();
    }

    private static void WhereTheTimeGoes(StringBuilder md, Results r, int[] sizes)
    {
        foreach (var way in new[] { "a", "n" })
        {
            WhereTheTimeGoes(md, r, sizes, way);
        }
    }

    private static void WhereTheTimeGoes(StringBuilder md, Results r, int[] sizes, string way)
    {
        var ic = CultureInfo.InvariantCulture;
        var counted = sizes.Select(n => (N: n, Run: r.MedianRun(n, way))).Where(x => x.Run?.BuildStats is not null).ToArray();
        if (counted.Length == 0)
        {
            return;
        }

        md.AppendLine(ic, $"## Where ({way})'s time goes").AppendLine();
        md.AppendLine("From the run with the median build time at each N. \"In processes\" is wall time spent waiting on the programs the module started; the rest is the engine, planning and parsing in the PowerShell process.").AppendLine();
        md.AppendLine("| N | phase | wall | in processes | elsewhere | processes | reads / changes | batched lines | read output |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        foreach (var (n, run) in counted)
        {
            foreach (var (phase, wall, stats) in new[] { ("build", run!.Build, run.BuildStats!), ("teardown", run.Teardown, run.TeardownStats!) })
            {
                md.AppendLine(ic, $"| {n} | {phase} | {Results.Ms(wall.TotalMilliseconds)} | {Results.Ms(stats.ChildTime.TotalMilliseconds)} | {Results.Ms((wall - stats.ChildTime).TotalMilliseconds)} | {stats.Processes} | {stats.Reads} / {stats.Changes} | {stats.BatchedLines} | {stats.ReadBytes / 1024.0:N0} KiB |");
            }
        }

        md.AppendLine();
        md.AppendLine("Per appliance (build):").AppendLine();
        md.AppendLine("| N | wall | in processes | elsewhere | processes | read output |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (n, run) in counted)
        {
            var s = run!.BuildStats!;
            md.AppendLine(ic, $"| {n} | {Results.Ms(run.Build.TotalMilliseconds / n)} | {Results.Ms(s.ChildTime.TotalMilliseconds / n)} | {Results.Ms((run.Build - s.ChildTime).TotalMilliseconds / n)} | {(double)s.Processes / n:F1} | {s.ReadBytes / 1024.0 / n:N1} KiB |");
        }

        md.AppendLine();
        var (big, bigRun) = counted[^1];
        foreach (var (phase, stats, wall) in new[] { ("build", bigRun!.BuildStats!, bigRun.Build), ("teardown", bigRun.TeardownStats!, bigRun.Teardown) })
        {
            md.AppendLine(ic, $"Commands the module ran ({way}), {phase} at N={big}, by kind (namespaces by role: HOST = the sandbox, ROUTER, APPL = an appliance, OTHER = another namespace in the sandbox (here the simulated internet); interface names, addresses and ports as X):").AppendLine();
            md.AppendLine("| command | count | per appliance | time in it | share of the phase | output read |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (kind, (count, time, bytes)) in stats.ByKind.OrderByDescending(k => k.Value.Time))
            {
                md.AppendLine(ic, $"| `{kind}` | {count} | {(double)count / big:F2} | {Results.Ms(time.TotalMilliseconds)} | {time / wall:P0} | {(bytes == 0 ? "—" : $"{bytes / 1024.0:N0} KiB")} |");
            }

            md.AppendLine();
        }
    }

    private static string ReadScript() => CmdletWay.ReadScript;

    private static string Difference(double? x, double? y) => x is null || y is null ? "—" : Results.Ms(x.Value - y.Value);

    private static string Ratio(double? x, double? y) => x is null || y is null ? "—" : (x.Value / y.Value).ToString("F2", CultureInfo.InvariantCulture) + "×";

    private static string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture))) + " ms";
}
