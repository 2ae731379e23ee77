using System.Management.Automation;

namespace VirtualLan.Tests.Integration;

/// <summary>Get-VlanIptablesTrace on a real router: the dropped ping and the forwarded connection, in every mode.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class TraceTests
{
    private const string NfLogAllNetns = "/proc/sys/net/netfilter/nf_log_all_netns";

    private static string RouterRules(World world) => Kernel.Must("ip", "netns", "exec", $"{world.Sandbox.Name}.router", "iptables-save");

    private static World Build(out Appliance c1)
    {
        var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        Assert.Empty(world.Session.Errors);
        return world;
    }

    [KernelFact]
    public void A_ping_the_router_drops_is_reported_as_dropped_by_the_FORWARD_policy_in_all_three_modes()
    {
        var logSetting = File.Exists(NfLogAllNetns) ? File.ReadAllText(NfLogAllNetns) : null;
        using var world = Build(out var c1);

        // The router forwards the LAN to the uplink only; to the host link (100.64.0.1) it drops.
        world.Session.Invoke("$ping = { & ip netns exec $args[0] busybox ping -c 1 -W 1 100.64.0.1 | Out-Null }", c1.Namespace!);

        var counters = world.Session.Invoke("Get-VlanIptablesTrace Counters -Protocol icmp -ScriptBlock { & $ping " + $"'{c1.Namespace}'" + " }")
            .Select(o => (RuleCounter)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var policy = Assert.Single(counters, c => c.Rule == "policy DROP");
        Assert.Equal(("filter", "FORWARD", "DROP"), (policy.Table, policy.Chain, policy.Verdict));
        Assert.Equal(1, policy.Packets);

        // Exactly the rules that saw the packet: the router's hook into VLAN-FORWARD, then the policy.
        Assert.Equal(
            new[] { "-A FORWARD -m comment --comment \"virtuallan:router/router\" -j VLAN-FORWARD", "policy DROP" },
            counters.Select(c => c.Rule).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("virtuallan:router/router", counters.Single(c => c.Rule != "policy DROP").Owner);

        var logged = world.Session.Invoke("Get-VlanIptablesTrace Log -Protocol icmp -Source 172.24.4.2 -Count 1 -Duration 10 -ScriptBlock { & $ping " + $"'{c1.Namespace}'" + " }")
            .Select(o => (TraceEntry)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var log = Assert.Single(logged);
        Assert.Equal(("filter", "FORWARD", "DROP"), (log.Table, log.Chain, log.Verdict));
        Assert.Equal(("172.24.4.2", "100.64.0.1", "ICMP", 8), (log.Source!.ToString(), log.Destination!.ToString(), log.Protocol, log.IcmpType));
        Assert.Equal(("lan0", "host0"), (log.In, log.Out));

        var traced = world.Session.Invoke("Get-VlanIptablesTrace Trace -Protocol icmp -Source 172.24.4.2 -Count 1 -Duration 10 -Verbose -ScriptBlock { & $ping " + $"'{c1.Namespace}'" + " }")
            .Select(o => (TraceEntry)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        Assert.True(traced.Length == 1, string.Join("\n", world.Session.Verbose) + string.Join("\n", world.Session.Host.Lines));
        var trace = traced[0];
        Assert.Equal(("filter", "FORWARD", "DROP", "policy DROP"), (trace.Table, trace.Chain, trace.Verdict, trace.Rule));
        Assert.Equal(("172.24.4.2", "100.64.0.1", "ICMP"), (trace.Source!.ToString(), trace.Destination!.ToString(), trace.Protocol));
        Assert.Contains("filter:FORWARD:JUMP", trace.Path);
        Assert.Equal("filter:FORWARD:DROP", trace.Path[^1]);

        Assert.DoesNotContain("virtuallan:trace", RouterRules(world), StringComparison.Ordinal);
        Assert.Equal(logSetting, File.Exists(NfLogAllNetns) ? File.ReadAllText(NfLogAllNetns) : null);
    }

    [KernelFact]
    public void A_forwarded_connection_is_shown_accepted_by_the_forwards_rule_named_by_its_owner()
    {
        using var world = Build(out var c1);
        world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 | Out-Null");
        world.Serve(c1.Namespace!, "tcp", 4000);
        world.Session.Invoke("$connect = { & ip netns exec $args[0] dotnet $args[1] send tcp 198.51.100.2 4000 traced | Out-Null }");
        var netProbe = Path.Combine(AppContext.BaseDirectory, "NetProbe.dll");
        var traced = world.Session.Invoke($"Get-VlanIptablesTrace Trace -Protocol tcp -DestinationPort 4000 -Count 1 -Duration 15 -ScriptBlock {{ & $connect '{world.Internet}' '{netProbe}' }}")
            .Select(o => (TraceEntry)o.BaseObject).ToArray();
        Assert.Empty(world.Session.Errors);
        var syn = Assert.Single(traced);
        Assert.Equal("ACCEPT", syn.Verdict);
        Assert.Equal(("filter", "VLAN-FORWARD"), (syn.Table, syn.Chain));
        Assert.Equal("virtuallan:forward/router/tcp/4000", syn.Owner);
        Assert.Equal("198.51.100.1", syn.Source!.ToString());
        Assert.DoesNotContain("virtuallan:trace", RouterRules(world), StringComparison.Ordinal);
    }

    [KernelFact]
    public void Nothing_remains_when_a_trace_ends_by_Duration_or_is_stopped_like_Ctrl_C()
    {
        using var world = Build(out _);
        var started = DateTime.UtcNow;
        world.Session.Invoke("Get-VlanIptablesTrace Log -Duration 1");
        Assert.Empty(world.Session.Errors);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8));
        Assert.DoesNotContain("virtuallan:trace", RouterRules(world), StringComparison.Ordinal);

        foreach (var mode in new[] { "Log", "Trace" })
        {
            using var ps = PowerShell.Create();
            ps.Runspace = world.Session.Runspace;
            ps.AddScript($"Get-VlanIptablesTrace {mode} -Duration 120");
            var running = ps.BeginInvoke();
            for (var i = 0; i < 100 && !RouterRules(world).Contains("virtuallan:trace", StringComparison.Ordinal); i++)
            {
                Thread.Sleep(100);
            }

            Assert.Contains("virtuallan:trace", RouterRules(world), StringComparison.Ordinal);
            ps.Stop();
            Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(15)), $"The {mode} trace did not stop.");
            Assert.DoesNotContain("virtuallan:trace", RouterRules(world), StringComparison.Ordinal);
            Assert.Empty(Kernel.Run("pgrep", "-f", "xtables-monitor --trace").Output.Trim());
            Assert.False(Directory.Exists(VirtualLan.Linux.TraceRecords.DefaultFolder), "The trace left its record folder in /run.");
        }
    }

    [KernelFact]
    public void A_wait_over_a_second_shows_progress_and_completes_it()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null; Get-VlanIptablesTrace Counters -Duration 1.5 | Out-Null");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var progress = world.Session.Progress.Where(p => p.Activity.StartsWith("Get-VlanIptablesTrace", StringComparison.Ordinal)).ToArray();
        // The cmdlet updates one record as time passes (the stream keeps that one object), then completes it.
        Assert.True(progress.Length >= 2, $"{progress.Length} progress record(s) for a 1.5 s wait.");
        Assert.Equal(System.Management.Automation.ProgressRecordType.Completed, progress[^1].RecordType);
    }
}
