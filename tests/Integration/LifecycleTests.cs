using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>The whole module held to account on seed 000's topology: idempotency, teardown, invariants.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class LifecycleTests
{
    /// <summary>Seed 000 as a runbook: LAN, router, namespaces, a VM tap, a VirtualBox adapter, a port forward.</summary>
    private const string Runbook = """
        $lan = New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16
        $router = $lan | Add-VlanRouterNamespace -Name router -Uplink uplink0 -RouteHostTraffic -Confirm:$false
        $web = $router | Connect-VlanAppliance -Namespace web -Create
        $router | Connect-VlanAppliance -Namespace desk -Create | Out-Null
        $router | Connect-VlanAppliance -Tap qemutap0 | Out-Null
        $router | Connect-VlanAppliance -Interface vboxnet0 | Out-Null
        $web | Add-VlanPortForward -ExternalPort 4000 | Out-Null
        """;

    /// <summary>Everything that teardown must give back: links, addresses, routes, rules (no counters), sysctls, namespaces.</summary>
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

    private static string Rules(string ns) =>
        string.Join('\n', Kernel.Must("ip", "netns", "exec", ns, "iptables-save").Split('\n').Where(l => !l.StartsWith('#')));

    /// <summary>The invariants every state-changing test ends with.</summary>
    private static void AssertInvariants(World world)
    {
        foreach (var ns in new[] { world.Sandbox.Name, world.Sandbox.Inner("router") }.Where(n => Kernel.Namespaces().Contains(n)))
        {
            foreach (var rule in Rules(ns).Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && l.Contains("VLAN-", StringComparison.Ordinal)))
            {
                Assert.True(rule.Contains("--comment \"virtuallan:", StringComparison.Ordinal), $"A rule of ours in {ns} has no owner: {rule}");
            }
        }

        if (Kernel.Namespaces().Contains(world.Sandbox.Inner("router")))
        {
            Assert.Contains(":FORWARD DROP", Rules(world.Sandbox.Inner("router")), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(world.Sandbox.Runner.Commands, c => c.Command.Program is "sh" or "bash" or "dash" || c.Command.Arguments.Contains("sh"));
    }

    [KernelFact]
    public void The_seed_runbook_run_twice_runs_nothing_the_second_time_and_Remove_Recurse_gives_everything_back()
    {
        using var world = new World();
        var vbox = world.Sandbox.Inner("vbox");
        Kernel.Must("ip", "netns", "add", vbox);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "eth0", "netns", vbox);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "192.168.56.1/24", "dev", "vboxnet0");
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "vboxnet0", "up");
        var before = Snapshot(world);

        world.Session.Invoke(Runbook);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        AssertInvariants(world);
        var hostRules = Rules(world.Sandbox.Name);
        var routerRules = Rules(world.Sandbox.Inner("router"));
        Assert.True(Kernel.Ping(world.Sandbox.Inner("desk"), World.InternetHost));

        // Again, as after a reboot of the runbook: not one command, and the same rules to the byte.
        world.Sandbox.Runner.Commands.Clear();
        using (var second = world.Sandbox.OpenSecondSession())
        {
            second.Invoke(Runbook);
            Assert.True(second.Errors.Count == 0, string.Join("\n", second.Errors));
        }

        world.Session.Invoke(Runbook);
        Assert.Empty(world.Sandbox.Runner.Changes);
        Assert.Equal(hostRules, Rules(world.Sandbox.Name));
        Assert.Equal(routerRules, Rules(world.Sandbox.Inner("router")));

        // Without -Recurse the bridge is refused while things stand on it.
        var inUse = world.Session.InvokeFailing("Remove-VlanBridge virtualnet0 -Confirm:$false");
        Assert.Equal("BridgeInUse,VirtualLan.Commands.RemoveVlanBridgeCommand", inUse.FullyQualifiedErrorId);

        world.Session.Invoke("Get-VlanBridge | Remove-VlanBridge -Recurse -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        AssertInvariants(world);
        // The namespaces the runbook made with -Create went with their appliances (issue 16, item 5).
        foreach (var appliance in new[] { "web", "desk" })
        {
            Assert.DoesNotContain(world.Sandbox.Inner(appliance), Kernel.Namespaces());
            Kernel.WaitUntilGone(world.Sandbox.Name, "vl-" + appliance);
        }

        Assert.Equal(before, Snapshot(world));
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "The host did not get its uplink back.");
    }

    [KernelFact]
    public void Removing_a_LAN_with_its_router_starts_no_process_in_the_router_on_netlink_and_leaves_nothing()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null; Connect-VlanAppliance -Namespace web, desk -Create | Add-VlanPortForward -ExternalPort { 4000 + $_.Name.Length } | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        world.Sandbox.Runner.Processes.Clear();

        world.Session.Invoke("Get-VlanBridge | Remove-VlanBridge -Recurse -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.DoesNotContain(Kernel.Namespaces(), n => n.StartsWith(world.Sandbox.Name + ".", StringComparison.Ordinal) && n != world.Internet);
        var links = Kernel.Must("ip", "-n", world.Sandbox.Name, "-o", "link", "show");
        Assert.DoesNotContain("vl-", links, StringComparison.Ordinal);
        Assert.DoesNotContain("router-", links, StringComparison.Ordinal);
        Assert.DoesNotContain("virtualnet0", links, StringComparison.Ordinal);

        // The router goes whole, with its firewall: nothing in it is read or run. The policies that
        // describe it come from nf_tables, its deletion is a netlink one, and a rollback would mount
        // it back from the hold. What remains are the host's own firewall read and its change.
        var router = world.Sandbox.Inner("router");
        var processes = world.Sandbox.Runner.Processes.Select(c => c.ToString()).ToArray();
        if (VlanSystem.BackendFromEnvironment() == VlanBackend.Netlink)
        {
            Assert.DoesNotContain(processes, c => c.Contains(router, StringComparison.Ordinal));
        }
        else
        {
            Assert.DoesNotContain(processes, c => c.Contains(router, StringComparison.Ordinal) && c.Contains("ip6tables", StringComparison.Ordinal));
        }
    }

    [KernelFact]
    public void Two_sessions_building_appliances_on_one_bridge_at_once_get_what_one_after_the_other_gives()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        using var first = world.Sandbox.OpenSecondSession();
        using var second = world.Sandbox.OpenSecondSession();
        var start = new ManualResetEventSlim();
        var sessions = new[] { (first, "a"), (second, "b") };
        var threads = sessions.Select(x => new Thread(() =>
        {
            start.Wait();
            x.Item1.Invoke($"1..5 | ForEach-Object {{ Connect-VlanAppliance -Namespace {x.Item2}$_ -Create }} | Out-Null");
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        start.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
        var appliances = world.Session.Invoke("Get-VlanAppliance").Select(a => (Appliance)a.BaseObject).ToArray();
        Assert.Equal(10, appliances.Length);
        Assert.Equal(
            Enumerable.Range(2, 10).Select(i => $"172.24.4.{i}/16"),
            appliances.Select(a => a.Cidr!.Value).OrderBy(a => a.Address.GetAddressBytes()[3]).Select(a => a.ToString()));
        foreach (var appliance in appliances)
        {
            Assert.True(Kernel.Ping(appliance.Namespace!, "172.24.0.1"), $"{appliance.Name} cannot reach the host.");
        }

        AssertInvariants(world);
    }

    [KernelFact]
    public void A_runbook_killed_half_way_converges_when_run_again_and_a_remove_then_leaves_nothing()
    {
        using var world = new World();
        var vbox = world.Sandbox.Inner("vbox");
        Kernel.Must("ip", "netns", "add", vbox);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "eth0", "netns", vbox);
        var before = Snapshot(world);
        var script = Path.Combine(Path.GetTempPath(), world.Sandbox.Name + ".ps1");
        File.WriteAllText(script, Runbook);
        try
        {
            // Kill the runbook process (SIGKILL, no cleanup of any kind) as soon as the router exists.
            var host = Path.Combine(AppContext.BaseDirectory, "RunbookHost.dll");
            // The module is fast now: the rest of the runbook takes a few hundred ms after the router
            // appears, so the test looks at /run/netns itself (no process) every millisecond.
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false };
            foreach (var argument in new[] { host, world.Sandbox.Name, script })
            {
                start.ArgumentList.Add(argument);
            }

            // A process killed with SIGKILL cannot remove its debugger pipes and diagnostic socket from /tmp.
            start.Environment["DOTNET_EnableDiagnostics"] = "0";
            using var runbook = System.Diagnostics.Process.Start(start)!;
            var router = "/run/netns/" + world.Sandbox.Inner("router");
            for (var i = 0; i < 20_000 && !File.Exists(router) && !runbook.HasExited; i++)
            {
                Thread.Sleep(1);
            }

            var exitedBefore = runbook.HasExited;
            runbook.Kill(entireProcessTree: true);
            runbook.WaitForExit();
            Assert.True(runbook.ExitCode != 0 && !exitedBefore, $"The runbook was not killed half-way: it had {(exitedBefore ? "already ended" : "not ended")}, exit code {runbook.ExitCode}.");

            world.Session.Invoke(Runbook);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            AssertInvariants(world);
            foreach (var ns in new[] { world.Sandbox.Name, world.Sandbox.Inner("router") })
            {
                var rules = Rules(ns).Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal)).ToArray();
                Assert.Equal(rules.Length, rules.Distinct().Count());
            }

            Assert.Equal(4, world.Session.Invoke("Get-VlanAppliance").Count);
            Assert.True(Kernel.Ping(world.Sandbox.Inner("desk"), World.InternetHost));

            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            foreach (var appliance in new[] { "web", "desk" })
            {
                Assert.DoesNotContain(world.Sandbox.Inner(appliance), Kernel.Namespaces());
                Kernel.WaitUntilGone(world.Sandbox.Name, "vl-" + appliance);
            }

            Assert.Equal(before, Snapshot(world));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [KernelFact]
    public void Two_processes_building_appliances_on_one_bridge_at_once_get_what_one_after_the_other_gives()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var host = Path.Combine(AppContext.BaseDirectory, "RunbookHost.dll");
        var scripts = new[] { "a", "b" }.Select(prefix =>
        {
            var file = Path.Combine(Path.GetTempPath(), $"{world.Sandbox.Name}-{prefix}.ps1");
            File.WriteAllText(file, $"1..5 | ForEach-Object {{ Connect-VlanAppliance -Namespace {prefix}$_ -Create -ErrorAction Stop }} | Out-Null");
            return file;
        }).ToArray();
        try
        {
            var processes = scripts.Select(script =>
            {
                var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in new[] { host, world.Sandbox.Name, script })
                {
                    start.ArgumentList.Add(argument);
                }

                return System.Diagnostics.Process.Start(start)!;
            }).ToArray();
            foreach (var process in processes)
            {
                var errors = process.StandardError.ReadToEnd();
                Assert.True(process.WaitForExit(120_000), "A runbook process did not finish.");
                Assert.True(process.ExitCode == 0, errors);
                process.Dispose();
            }

            var appliances = world.Session.Invoke("Get-VlanAppliance").Select(a => (Appliance)a.BaseObject).ToArray();
            Assert.Equal(10, appliances.Length);
            Assert.Equal(
                Enumerable.Range(2, 10).Select(i => $"172.24.4.{i}/16"),
                appliances.Select(a => a.Cidr!.Value).OrderBy(a => a.Address.GetAddressBytes()[3]).Select(a => a.ToString()));
            Assert.All(appliances, a => Assert.True(Kernel.Ping(a.Namespace!, "172.24.0.1"), $"{a.Name} cannot reach the host."));
        }
        finally
        {
            foreach (var script in scripts)
            {
                File.Delete(script);
            }
        }
    }
}
