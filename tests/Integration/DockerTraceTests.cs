using Xunit.Abstractions;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Seed 000's Docker case, traced: with a router present, a container on an --internal Docker
/// network plugged into the LAN sends to the QEMU VM on a tap, and Docker's isolation rules in the
/// host drop the bridged frames (br_netfilter puts them through the host's FORWARD). The trace
/// names the drop, the chain, the Docker network as the owner and what to do.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class DockerTraceTests
{
    private readonly ITestOutputHelper _output;

    public DockerTraceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [KernelFact]
    public void A_frame_Dockers_isolation_drops_in_the_host_is_named_with_the_Docker_network_as_owner_and_the_advice()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "tester", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
            var network = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers")).BaseObject;
            var tap = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Tap qemutap0")).BaseObject;
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            using var vm = new QemuVm(world.Sandbox.Name, "qemutap0", tap.MacAddress!, tap.Cidr!.Value.ToString(), tap.Gateway!.ToString());
            var tester = $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "tester").Trim()}/ns/net";
            var from = Kernel.Must("nsenter", "--net=" + tester, "ip", "-4", "-o", "addr", "show", "dev", "eth0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];
            Assert.True(Kernel.Ping(tester, vm.Address), "With the module's exception the container reaches the VM.");

            // The user's situation: the Docker network's bridge on the LAN with no exception in DOCKER-USER.
            var rules = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save", "-t", "filter");
            var exception = Assert.Single(rules.Split('\n'), l => l.StartsWith("-A DOCKER-USER ", StringComparison.Ordinal) && l.Contains("virtuallan:", StringComparison.Ordinal));
            Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sh", "-c", "iptables -t filter -D " + exception[3..]);
            Assert.False(Kernel.Ping(tester, vm.Address), "Without the exception Docker's isolation lets the container reach the VM.");

            var paths = world.Session.Invoke($"Get-VlanIptablesTrace Trace -Lan -Protocol icmp -Source {from} -Count 1 -Duration 15 -ScriptBlock {{ & nsenter '--net={tester}' busybox ping -c 1 -W 1 {vm.Address} | Out-Null }}")
                .Select(o => (PacketPath)o.BaseObject).ToArray();
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var all = string.Join("\n", paths.Select(p => string.Join(" | ", p.Hops.Select(h => $"{h.Namespace} {h.In}/{h.Out} {h.PhysIn}/{h.PhysOut} {h.Arrived} {h.Verdict} {h.Chain} {h.Rule} {h.Owner}")) + " => " + p.Advice));
            _output.WriteLine(all);
            var path = Assert.Single(paths);
            var drop = path.Hops[^1];
            Assert.True(drop.Namespace == "host" && drop.Verdict == "DROP", all);
            Assert.StartsWith("filter:DOCKER-ISOLATION-STAGE-", drop.Chain, StringComparison.Ordinal);
            Assert.Contains(network.DockerBridge!, drop.Rule, StringComparison.Ordinal);
            Assert.Equal("docker:docker_custom", drop.Owner);
            Assert.True(path.Advice is not null && path.Advice.Contains("Connect-VlanAppliance -DockerNetwork docker_custom", StringComparison.Ordinal), all);
            Assert.Equal($"DOCKER-ISOLATION-STAGE-1 drops traffic between {network.DockerBridge} (Docker network docker_custom) and the LAN's bridge: Connect-VlanAppliance -DockerNetwork docker_custom adds the DOCKER-USER exception.", path.Advice);

            // What the advice says, done: connecting the network again puts the exception back and the VM answers.
            world.Session.Invoke("$router | Connect-VlanAppliance -DockerNetwork docker_custom | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.True(Kernel.Ping(tester, vm.Address), "Connecting the Docker network again did not let the container reach the VM.");

            vm.Dispose();
            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
        }
    }
}
