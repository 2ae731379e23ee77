using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 9's pipeline: many appliances and forwards given to one cmdlet call are built as one
/// plan, and the result carries traffic exactly as one-by-one calls would; a bridge with all of it
/// goes in one Remove-VlanBridge -Recurse.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class PipelineTests
{
    private const string Wan = "198.51.100.2";

    [KernelFact]
    public void Many_appliances_and_their_forwards_from_one_pipeline_carry_traffic_and_go_in_one_teardown()
    {
        using var world = new World();
        var before = Kernel.Snapshot(world.Sandbox.Name);
        var output = world.Session.Invoke("""
            $router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false
            $router | Connect-VlanAppliance -Namespace p1, p2, p3, p4, p5 -Create -Verbose |
                Add-VlanPortForward -ExternalPort { 5000 + [int] $_.Name.Substring(1) } -Protocol Tcp -Verbose
            """);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var forwards = output.Select(o => (PortForward)o.BaseObject).ToArray();
        Assert.Equal(new[] { "5001", "5002", "5003", "5004", "5005" }, forwards.Select(f => f.ExternalPort));

        // Each cmdlet applied its five inputs as one plan: Connect with one iptables-restore for the
        // bridge's accept rule, one ip -batch for the new namespaces, one for the host's side and one
        // inside each appliance (8) — on the netlink backend the iptables-restore only (1);
        // Add-VlanPortForward with one restore per table (no flow to flush).
        var verbose = world.Session.Verbose;
        var summaries = string.Join("\n", verbose.Where(v => v.Contains("process(es) started", StringComparison.Ordinal)));
        var connectProcesses = VlanSystem.BackendFromEnvironment() == VlanBackend.Netlink ? 1 : 8;
        Assert.True(verbose.Any(v => v.StartsWith("Connect 5 appliances: ", StringComparison.Ordinal) && v.EndsWith($" {connectProcesses} process(es) started.", StringComparison.Ordinal)), summaries);
        Assert.True(verbose.Any(v => v.StartsWith("Add 5 port forwards: ", StringComparison.Ordinal) && v.EndsWith(" 2 process(es) started.", StringComparison.Ordinal)), summaries);

        for (var i = 1; i <= 5; i++)
        {
            var ns = world.Sandbox.Inner("p" + i);
            Assert.True(Kernel.Ping(ns, World.InternetHost), $"p{i} could not reach the internet.");
            Assert.True(Kernel.Ping(ns, $"172.24.4.{(i % 5) + 2}"), $"p{i} could not reach its neighbour.");
            world.Serve(ns, "tcp", 5000 + i);
            Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, "tcp", Wan, 5000 + i, $"to p{i}"), StringComparison.Ordinal);
        }

        // One teardown: everything on the bridge, the host's side as it was.
        world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false -Verbose");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Equal(before, Kernel.Snapshot(world.Sandbox.Name));
        Assert.DoesNotContain(world.Sandbox.Inner("router"), Kernel.Namespaces());
    }
}
