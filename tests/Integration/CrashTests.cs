using System.Diagnostics;
using System.Globalization;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A runbook process killed with SIGKILL right after every command of a cmdlet (the crash hook,
/// VIRTUALLAN_TEST_KILL_AFTER, armed by a file only a test makes): one run of the same cmdlet
/// converges, traffic proves it, and the way back leaves the sandbox as it was, uplink included.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class CrashTests
{
    private const string AddRouter = "Get-VlanBridge virtualnet0 | Add-VlanRouterNamespace -Name router -Uplink uplink0 -RouteHostTraffic -Confirm:$false | Out-Null";
    private const string RemoveRouter = "Remove-VlanRouterNamespace -Name router -Confirm:$false";
    private const string RemoveRecurse = "Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false";
    private const string EnableNat = "Enable-VlanHostNat -Bridge br0 -Uplink uplink0 -Confirm:$false | Out-Null";
    private const string DisableNat = "Disable-VlanHostNat -Bridge br0 -Confirm:$false";

    /// <summary>What must come back: links, addresses, aliases, routes, rules (no counters), sysctls the module touches, namespaces.</summary>
    private static string Snapshot(World world)
    {
        var ns = world.Sandbox.Name;
        var rules = string.Join('\n', Kernel.Must("ip", "netns", "exec", ns, "iptables-save").Split('\n')
            .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) || (l.StartsWith(':') && !l.Contains(" ACCEPT ", StringComparison.Ordinal))));
        var sysctls = string.Join(',', new[] { "net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables" }
            .Select(k => k + "=" + Kernel.Must("ip", "netns", "exec", ns, "sysctl", "-n", k).Trim()));
        var namespaces = string.Join(',', Kernel.Namespaces().Where(n => n.StartsWith(ns, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        return string.Join("\n--\n", Kernel.Snapshot(ns), rules, sysctls, namespaces);
    }

    /// <summary>
    /// Runs a runbook in its own process (tests/RunbookHost) that kills itself right after its Nth
    /// command; true when it was killed, false when it ended first (N was past its last command).
    /// </summary>
    private static bool RunKilledAfter(World world, string runbook, int commands)
    {
        var script = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + ".ps1");
        var arming = "/run/virtuallan-test-kill." + world.Sandbox.Name;
        File.WriteAllText(script, runbook);
        File.WriteAllText(arming, string.Empty);
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "RunbookHost.dll"), world.Sandbox.Name, script })
            {
                start.ArgumentList.Add(argument);
            }

            // A process killed with SIGKILL cannot remove its debugger pipes and diagnostic socket from /tmp.
            start.Environment["DOTNET_EnableDiagnostics"] = "0";

            start.Environment["VIRTUALLAN_TEST_KILL_AFTER"] = commands.ToString(CultureInfo.InvariantCulture);
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), "The runbook did not end.");
            process.WaitForExit();
            Assert.True(process.ExitCode is 0 or 137, $"The runbook failed on its own (exit code {process.ExitCode}): {errors.Result}");
            return process.ExitCode == 137;
        }
        finally
        {
            File.Delete(script);
            File.Delete(arming);
        }
    }

    /// <summary>
    /// For N = 1, 2, … until the runbook outlives N commands: a fresh world set up by <paramref name="setup"/>
    /// (which returns the snapshot to come back to), the runbook killed after command N, then <paramref name="converge"/>.
    /// </summary>
    private static void AtEveryKillPoint(Func<World, string> setup, string runbook, Action<World, string, bool> converge)
    {
        for (var n = 1; ; n++)
        {
            Assert.True(n <= 60, "The runbook still had commands to run after 60.");
            using var world = new World();
            var before = setup(world);
            var killed = RunKilledAfter(world, runbook, n);
            try
            {
                converge(world, before, killed);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException || !e.Message.StartsWith("Killed after", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"Killed after command {n} of '{runbook}' ({(killed ? "killed" : "not killed: it had ended")}): {e.Message}", e);
            }

            if (!killed)
            {
                Assert.True(n > 1, "The runbook ran no command at all.");
                return;
            }
        }
    }

    /// <summary>Runs a script in the test's session; errors fail the test, except "not found" ones when allowed.</summary>
    private static void Converge(World world, string script, string? notFoundId = null)
    {
        world.Session.Invoke(script);
        var errors = world.Session.Errors.Where(e => notFoundId is null || !e.FullyQualifiedErrorId.StartsWith(notFoundId + ",", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }

    private static string NewLan(World world)
    {
        var before = Snapshot(world);
        Converge(world, "New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16 | Out-Null");
        return before;
    }

    private static void AssertUplinkBack(World world, string before)
    {
        Assert.Equal(before, Snapshot(world));
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The host did not get its uplink's address and default route back.");
    }

    [KernelFact]
    public void Add_VlanRouterNamespace_killed_after_any_command_converges_when_run_again_and_Remove_gives_the_uplink_back()
    {
        AtEveryKillPoint(
            world =>
            {
                var before = Snapshot(world);
                Converge(world, "New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16 | Out-Null");
                return before;
            },
            AddRouter,
            (world, before, killed) =>
            {
                Converge(world, AddRouter);
                Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The host does not reach the internet through the router.");
                Converge(world, RemoveRouter + "; Remove-VlanBridge virtualnet0 -Confirm:$false");
                AssertUplinkBack(world, before);
            });
    }

    [KernelFact]
    public void Add_VlanRouterNamespace_killed_after_any_command_but_the_first_is_undone_by_Remove()
    {
        var first = true;
        AtEveryKillPoint(
            world =>
            {
                var before = Snapshot(world);
                Converge(world, "New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16 | Out-Null");
                return before;
            },
            AddRouter,
            (world, before, killed) =>
            {
                // Cut off right after 'ip netns add', the namespace carries no record yet: nothing
                // says it is the module's, so only running Add again takes it over (the test above).
                if (first)
                {
                    first = false;
                    Converge(world, AddRouter);
                }

                Converge(world, RemoveRouter + "; Remove-VlanBridge virtualnet0 -Confirm:$false");
                AssertUplinkBack(world, before);
            });
    }

    [KernelFact]
    public void Remove_VlanRouterNamespace_killed_after_any_command_gives_the_uplink_back_when_run_again()
    {
        AtEveryKillPoint(
            world =>
            {
                var before = NewLan(world);
                Converge(world, AddRouter);
                Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The router does not work before the test.");
                return before;
            },
            RemoveRouter,
            (world, before, killed) =>
            {
                Converge(world, RemoveRouter, "RouterNotFound");
                Converge(world, "Remove-VlanBridge virtualnet0 -Confirm:$false");
                AssertUplinkBack(world, before);
            });
    }

    [KernelFact]
    public void Remove_VlanBridge_Recurse_killed_after_any_command_leaves_nothing_when_run_again()
    {
        AtEveryKillPoint(
            world =>
            {
                var before = Snapshot(world);
                Converge(world, "New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16 | " + AddRouter.Replace("Get-VlanBridge virtualnet0 | ", string.Empty, StringComparison.Ordinal));
                Converge(world, "$web = Get-VlanRouterNamespace router | Connect-VlanAppliance -Namespace web -Create; Get-VlanRouterNamespace router | Connect-VlanAppliance -Namespace desk -Create | Out-Null; $web | Add-VlanPortForward -ExternalPort 4000 | Out-Null");
                Assert.True(Kernel.Ping(world.Sandbox.Inner("desk"), World.InternetHost), "desk does not reach the internet before the test.");
                return before;
            },
            RemoveRecurse,
            (world, before, killed) =>
            {
                Converge(world, RemoveRecurse, "BridgeNotFound");
                // The namespaces made with -Create go with their appliances; a kill between an
                // appliance's veth deletion and its namespace's (the record went with the veth) leaves
                // the namespace, which nothing names as the module's any more: removed here by hand.
                foreach (var appliance in new[] { "web", "desk" })
                {
                    Kernel.Run("ip", "netns", "delete", world.Sandbox.Inner(appliance));
                    Kernel.WaitUntilGone(world.Sandbox.Name, "vl-" + appliance);
                }

                AssertUplinkBack(world, before);
            });
    }

    private static string NatLan(World world)
    {
        Converge(world, "New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Connect-VlanAppliance -Namespace c1 -Create -Address 10.0.0.2 | Out-Null");
        return Snapshot(world);
    }

    [KernelFact]
    public void Enable_VlanHostNat_killed_after_any_command_converges_when_run_again_and_Disable_restores_forwarding()
    {
        AtEveryKillPoint(
            NatLan,
            EnableNat,
            (world, before, killed) =>
            {
                Converge(world, EnableNat);
                Assert.True(Kernel.Ping(world.Sandbox.Inner("c1"), World.InternetHost), "c1 does not reach the internet through host NAT.");
                Converge(world, DisableNat);
                Assert.Equal(before, Snapshot(world));
            });
    }

    [KernelFact]
    public void Disable_VlanHostNat_killed_after_any_command_converges_when_run_again()
    {
        AtEveryKillPoint(
            world =>
            {
                var before = NatLan(world);
                Converge(world, EnableNat);
                return before;
            },
            DisableNat,
            (world, before, killed) =>
            {
                Converge(world, DisableNat, "HostNatNotFound");
                Assert.Equal(before, Snapshot(world));
                Assert.False(Kernel.Ping(world.Sandbox.Inner("c1"), World.InternetHost), "c1 still reaches the internet after host NAT was disabled.");
            });
    }

    /// <summary>The rules and policies of a namespace; a table with nothing but built-in chains at ACCEPT counts as absent (iptables cannot remove a table).</summary>
    private static string Rules(string ns)
    {
        var lines = new List<string>();
        string? table = null;
        foreach (var line in Kernel.Must("ip", "netns", "exec", ns, "iptables-save").Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line;
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) || (line.StartsWith(':') && !line.Contains(" ACCEPT ", StringComparison.Ordinal)))
            {
                lines.Add(table + " " + line.Split(" [", StringSplitOptions.None)[0]);
            }
        }

        return string.Join('\n', lines);
    }

    private static string[] Processes(string ns) =>
        Kernel.Must("ip", "netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()).ToArray();

    /// <summary>Whether a process runs, waiting up to 2 s for one that was told to stop (a zombie has stopped).</summary>
    private static bool Runs(string pid)
    {
        for (var i = 0; i < 40; i++)
        {
            var stat = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : string.Empty;
            if (stat.Length == 0 || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    private static string TraceLan(World world)
    {
        NewLan(world);
        Converge(world, AddRouter);
        return Rules(world.Sandbox.Inner("router"));
    }

    /// <summary>After a killed trace, the next one removes its rules and stops its reader, then works (traffic).</summary>
    private static void NextTraceCleansUp(World world, string routerRules)
    {
        var router = world.Sandbox.Inner("router");
        var entries = world.Session.Invoke(
            $"Get-VlanIptablesTrace -Mode Trace -Protocol icmp -Destination {World.InternetHost} -Count 1 -Duration 10 -ScriptBlock {{ & ip netns exec {world.Sandbox.Name} {Kernel.Busybox} ping -c 1 -W 2 {World.InternetHost} | Out-Null }}");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.NotEmpty(entries);
        Assert.Equal(routerRules, Rules(router));
        Assert.Empty(Processes(router));
    }

    [KernelTheory]
    [InlineData("Trace", "xtables-monitor")]
    [InlineData("Log", "tcpdump")]
    public void Get_VlanIptablesTrace_killed_after_any_command_leaves_nothing_once_the_next_trace_ran(string mode, string program)
    {
        AtEveryKillPoint(
            TraceLan,
            $"Get-VlanIptablesTrace -Mode {mode} -Protocol icmp -Duration 0.2 | Out-Null",
            (world, before, killed) => NextTraceCleansUp(world, before));

        // Killed while it watches: its rules are in and its reader runs, orphaned.
        using var world = new World();
        var rules = TraceLan(world);
        var router = world.Sandbox.Inner("router");
        Assert.True(RunKilledAfter(world, $"Get-VlanIptablesTrace -Mode {mode} -Protocol icmp -Duration 5 -ScriptBlock {{ [System.Diagnostics.Process]::GetCurrentProcess().Kill() }} | Out-Null", 1000));
        Assert.Contains("virtuallan:trace/", Rules(router), StringComparison.Ordinal);
        var orphans = Processes(router);
        Assert.Contains(orphans, p => File.ReadAllText($"/proc/{p}/cmdline").Split('\0').Any(a => Path.GetFileName(a) == program));
        NextTraceCleansUp(world, rules);

        // Removing the router stops what runs in it, an orphan reader too, and the uplink comes back.
        using var other = new World();
        var before = Snapshot(other);
        TraceLan(other);
        Assert.True(RunKilledAfter(other, $"Get-VlanIptablesTrace -Mode {mode} -Protocol icmp -Duration 5 -ScriptBlock {{ [System.Diagnostics.Process]::GetCurrentProcess().Kill() }} | Out-Null", 1000));
        var orphan = Processes(other.Sandbox.Inner("router"));
        Assert.NotEmpty(orphan);
        Converge(other, RemoveRouter + "; Remove-VlanBridge virtualnet0 -Confirm:$false");
        Assert.All(orphan, p => Assert.False(Runs(p), $"The orphan reader {p} still runs."));
        AssertUplinkBack(other, before);

        // The record of the cut-off trace goes with the next trace, wherever it looks.
        Converge(other, "Get-VlanIptablesTrace -Mode Log -Duration 0.1 | Out-Null");
        Assert.DoesNotContain(
            Directory.Exists("/run/virtuallan-traces") ? Directory.GetFiles("/run/virtuallan-traces") : Array.Empty<string>(),
            f => File.ReadAllText(f).Contains("namespace=" + other.Sandbox.Inner("router") + "\n", StringComparison.Ordinal));
    }

    [KernelFact]
    public void A_Drops_trace_killed_while_it_watches_leaves_its_tracefs_instance_and_the_next_trace_removes_it()
    {
        using var world = new World();
        TraceLan(world);

        // Tracefs is one file system for the machine: its instances are listed through a mount of our own, in a mount namespace of its own.
        static string[] Instances() => Kernel.Must("unshare", "--mount", "--propagation", "private", "sh", "-c", "d=$(mktemp -d) && mount -t tracefs nodev $d && ls $d/instances; umount $d; rmdir $d")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n.StartsWith("virtuallan-", StringComparison.Ordinal)).ToArray();
        static string[] Mounts() => File.ReadAllLines("/proc/self/mounts").Where(l => l.Contains("tracefs", StringComparison.Ordinal)).ToArray();
        static string[] Readers() => Kernel.Run("pgrep", "-f", "/instances/virtuallan-[0-9a-f]+/trace_pipe$").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var mountsBefore = Mounts();
        var before = Instances();

        // SIGKILLed from inside its script block: its instance and its record stay behind, and its reader if it outlived it (its mount went with the runbook's mount namespace).
        Assert.True(RunKilledAfter(world, "Get-VlanIptablesTrace -Mode Drops -Lan -Duration 5 -ScriptBlock { [System.Diagnostics.Process]::GetCurrentProcess().Kill() } | Out-Null", 1000));
        var left = Assert.Single(Instances().Except(before));
        var readers = Readers().Where(p => File.ReadAllText($"/proc/{p}/cmdline").Contains(left + "/trace_pipe", StringComparison.Ordinal)).ToArray();
        var record = Path.Combine(VirtualLan.Linux.TraceRecords.DefaultFolder, left["virtuallan-".Length..]);
        Assert.True(File.Exists(record), "The killed trace left no record to clean up by.");

        // The next Drops trace stops the orphan reader and removes the instance and the record, then its own.
        world.Session.Invoke("Get-VlanIptablesTrace -Mode Drops -Lan -Duration 0.5 | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.DoesNotContain(left, Instances());
        Assert.Empty(Instances().Except(before));
        Assert.All(readers, reader => Assert.False(Runs(reader), $"The orphan reader {reader} still runs."));
        Assert.False(File.Exists(record), "The killed trace's record is still there.");
        Assert.Equal(mountsBefore, Mounts());
        Assert.Empty(Directory.EnumerateDirectories("/run", "virtuallan-tracefs-*"));
    }

    [KernelFact]
    public void Exit_VlanSandbox_stops_the_modules_own_DHCP_client_without_Force()
    {
        using var world = new World();
        var config = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.conf");
        var leases = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.leases");
        File.WriteAllText(leases, string.Empty);
        File.WriteAllText(config, $"start 198.51.100.50\nend 198.51.100.60\ninterface wan0\nlease_file {leases}\nopt router 198.51.100.1\nopt subnet 255.255.255.0\n");
        try
        {
            var server = world.Start(world.Internet, Kernel.Busybox, "udhcpd", "-f", config);
            Converge(world, "New-VlanBridge | Add-VlanRouterNamespace -Name router -Uplink uplink0 -Dhcp -Confirm:$false | Out-Null");
            var pidFile = $"/run/virtuallan-{world.Sandbox.Inner("router")}-udhcpc.pid";
            var client = File.ReadAllText(pidFile).Trim();
            Assert.True(Runs(client), "udhcpc does not run in the router.");

            // The DHCP server is the user's: it blocks the exit, named by its command line; udhcpc is not named.
            var busy = world.Session.InvokeFailing("Exit-VlanSandbox -Confirm:$false");
            Assert.StartsWith("SandboxBusy,", busy.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains($"({Kernel.Busybox} udhcpd -f {config})", busy.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(client, busy.Exception.Message, StringComparison.Ordinal);
            server.Kill();
            server.WaitForExit();

            // Only the module's udhcpc runs now: it goes with the sandbox, no -Force needed.
            world.Session.Invoke("Exit-VlanSandbox -Confirm:$false");
            Assert.Empty(world.Session.Errors);
            Assert.False(Runs(client), "udhcpc still runs after Exit-VlanSandbox.");
            Assert.False(File.Exists(pidFile), $"Exit-VlanSandbox left {pidFile}.");
            Assert.DoesNotContain(world.Sandbox.Name, Kernel.Namespaces());
        }
        finally
        {
            File.Delete(config);
            File.Delete(leases);
        }
    }

    [KernelFact]
    public void Exit_VlanSandbox_Force_kills_the_routers_DHCP_client_and_deletes_its_pid_file()
    {
        using var world = new World();
        var config = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.conf");
        var leases = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + "-udhcpd.leases");
        File.WriteAllText(leases, string.Empty);
        File.WriteAllText(config, $"start 198.51.100.50\nend 198.51.100.60\ninterface wan0\nlease_file {leases}\nopt router 198.51.100.1\nopt subnet 255.255.255.0\n");
        try
        {
            world.Start(world.Internet, Kernel.Busybox, "udhcpd", "-f", config);
            Converge(world, "New-VlanBridge | Add-VlanRouterNamespace -Name router -Uplink uplink0 -Dhcp -Confirm:$false | Out-Null");
            var pidFile = $"/run/virtuallan-{world.Sandbox.Inner("router")}-udhcpc.pid";
            var client = File.ReadAllText(pidFile).Trim();
            Assert.True(Runs(client), "udhcpc does not run in the router.");

            Converge(world, "Exit-VlanSandbox -Force -Confirm:$false");
            Assert.False(Runs(client), "udhcpc still runs after Exit-VlanSandbox -Force.");
            Assert.False(File.Exists(pidFile), $"Exit-VlanSandbox -Force left {pidFile}.");
        }
        finally
        {
            File.Delete(config);
            File.Delete(leases);
        }
    }
}
