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
        WithTester((world, docker) =>
        {
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

            // The bridge ports in Trace mode: in from the container's veth, out to the module's link to the LAN (its end in br-ID).
            var containerPort = Kernel.Must("ip", "-n", world.Sandbox.Name, "-o", "link", "show", "master", network.DockerBridge!).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(':')[1].Trim().Split('@')[0]).Where(n => n != network.Interface).ToArray();
            Assert.True(drop.PhysOut == network.Interface && containerPort.Contains(drop.PhysIn), all);
            Assert.True(path.Advice is not null && path.Advice.Contains("Connect-VlanAppliance -DockerNetwork docker_custom", StringComparison.Ordinal), all);
            Assert.Equal($"DOCKER-ISOLATION-STAGE-1 drops traffic between {network.DockerBridge} (Docker network docker_custom) and the LAN's bridge: Connect-VlanAppliance -DockerNetwork docker_custom adds the DOCKER-USER exception.", path.Advice);

            // What the advice says, done: connecting the network again puts the exception back and the VM answers.
            world.Session.Invoke("$router | Connect-VlanAppliance -DockerNetwork docker_custom | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.True(Kernel.Ping(tester, vm.Address), "Connecting the Docker network again did not let the container reach the VM.");

            vm.Dispose();
            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        });
    }

    [KernelFact]
    public void A_Docker_network_plugged_into_the_LAN_by_hand_is_still_named_as_the_owner_of_its_isolation_drop_with_the_bridge_ports()
    {
        WithTester((world, docker) =>
        {
            var c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

            // Seed 000 by hand: a veth from Docker's bridge to the LAN's, and the container given a LAN address with docker exec.
            var dockerBridge = "br-" + docker.Docker("network", "inspect", "-f", "{{.Id}}", "docker_custom").Trim()[..12];
            Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "veth-dv-0", "type", "veth", "peer", "name", "veth-dv-1");
            Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "veth-dv-0", "master", dockerBridge, "up");
            Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "veth-dv-1", "master", c1.Bridge, "up");
            docker.Docker("exec", "tester", "ip", "addr", "add", "172.24.4.50/16", "dev", "eth0");
            var tester = $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "tester").Trim()}/ns/net";
            Assert.False(Kernel.Ping(tester, c1.Address!.ToString()), "Docker's isolation let the container reach c1 through the hand-made link.");

            var paths = world.Session.Invoke($"Get-VlanIptablesTrace Trace -Lan -Protocol icmp -Source 172.24.4.50 -Count 1 -Duration 15 -ScriptBlock {{ & nsenter '--net={tester}' busybox ping -c 1 -W 1 {c1.Address} | Out-Null }}")
                .Select(o => (PacketPath)o.BaseObject).ToArray();
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var all = string.Join("\n", paths.Select(p => string.Join(" | ", p.Hops.Select(h => $"{h.Namespace} {h.In}/{h.Out} {h.PhysIn}/{h.PhysOut} {h.Arrived} {h.Verdict} {h.Chain} {h.Rule} {h.Owner}")) + " => " + p.Advice));
            _output.WriteLine(all);
            var drop = Assert.Single(paths).Hops[^1];
            Assert.True(drop.Namespace == "host" && drop.Verdict == "DROP", all);
            Assert.StartsWith("filter:DOCKER-ISOLATION-STAGE-", drop.Chain, StringComparison.Ordinal);
            Assert.Equal("docker:docker_custom", drop.Owner);
            Assert.True((drop.In, drop.PhysOut) == (dockerBridge, "veth-dv-0") && drop.PhysIn is { Length: > 0 } && drop.PhysIn != "veth-dv-0", all);
            Assert.StartsWith("DOCKER-ISOLATION-STAGE-1 drops traffic between " + dockerBridge + " (Docker network docker_custom)", Assert.Single(paths).Advice, StringComparison.Ordinal);

            Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "del", "veth-dv-0");
            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        });
    }

    /// <summary>A sandbox with a router on virtualnet0 and a Docker engine whose --internal network docker_custom runs the container tester (NET_ADMIN).</summary>
    private static void WithTester(Action<World, DockerEngine> test)
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
            test(world, docker);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
        }
    }
}
