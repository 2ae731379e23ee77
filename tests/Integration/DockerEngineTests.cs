using System.Text.Json;
using Xunit.Abstractions;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// The <see cref="DockerEngine"/> fixture itself: a private dockerd confined to a test namespace runs
/// containers on a user-defined network, survives a restart, and leaves nothing behind.
/// </summary>
[Collection(KernelCollection.Name)]
public class DockerEngineTests
{
    private readonly ITestOutputHelper _output;

    public DockerEngineTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [KernelFact]
    public void EngineRunsContainersInItsNamespaceSurvivesRestartAndLeavesNothingBehind()
    {
        var ns = "vlt-" + Guid.NewGuid().ToString("N")[..8];
        var hostRules = Kernel.Run("nft", "list", "ruleset").Output;
        Kernel.Must("ip", "netns", "add", ns);
        DockerEngine? engine = null;
        try
        {
            engine = new DockerEngine(ns);
            Assert.Equal($"unix://{engine.RunFolder}/docker.sock", engine.Host);

            // Docker's firewall went into the namespace, not the machine's.
            var rules = Kernel.Must("ip", "netns", "exec", ns, "iptables-save");
            Assert.Contains(":DOCKER-USER", rules, StringComparison.Ordinal);
            Assert.Equal(hostRules, Kernel.Run("nft", "list", "ruleset").Output);

            var image = engine.ImportBusyboxImage();
            engine.Docker("network", "create", "--internal", "docker_custom");
            engine.Docker("run", "--detach", "--name", "t1", "--network", "docker_custom", "--cap-add", "NET_ADMIN", "--restart", "unless-stopped", image, "sleep", "3600");

            var pid = ContainerPid(engine, "t1");
            // The container has a namespace of its own, which ip netns does not list: dockerd keeps it
            // under its exec-root (SandboxKey), not in /run/netns.
            Assert.NotEqual(Inode($"/run/netns/{ns}"), Inode($"/proc/{pid}/ns/net"));
            Assert.NotEqual(ns, Kernel.Run("ip", "netns", "identify", pid).Output.Trim());
            var address = Eth0Address(pid);
            Assert.NotNull(address);

            // NET_ADMIN is granted: the container may change its own interfaces.
            engine.Docker("exec", "t1", "ip", "addr", "add", "192.0.2.1/32", "dev", "lo");

            var networkId = engine.Docker("network", "inspect", "--format", "{{.Id}}", "docker_custom").Trim();
            var bridge = "br-" + networkId[..12];
            Kernel.Must("ip", "-n", ns, "link", "show", bridge);
            Assert.NotEqual(0, Kernel.Run("ip", "link", "show", bridge).ExitCode);
            Assert.Contains("\"veth\"", Kernel.Must("ip", "-n", ns, "-details", "-json", "link", "show", "master", bridge), StringComparison.Ordinal);
            _output.WriteLine($"t1: pid {pid}, eth0 {address}, bridge {bridge}");
            _output.WriteLine("bridge-nf-call-iptables in the namespace: " + Kernel.Must("ip", "netns", "exec", ns, "cat", "/proc/sys/net/bridge/bridge-nf-call-iptables").Trim());
            _output.WriteLine(Kernel.Must("ip", "netns", "exec", ns, "iptables-save"));

            engine.Restart();

            // dockerd's shutdown stopped t1; its restart policy started it again as a new process in a
            // new namespace, with the same address on the same network (its endpoint was released at
            // shutdown and IPAM hands out the first free address again; Docker does not promise it).
            var restartedPid = WaitUntilRunning(engine, "t1");
            _output.WriteLine($"t1 after restart: pid {restartedPid}, eth0 {Eth0Address(restartedPid)}");
            Assert.NotEqual(pid, restartedPid);
            Assert.Equal(address, Eth0Address(restartedPid));
            Kernel.Must("ip", "-n", ns, "link", "show", bridge);

            var runFolder = engine.RunFolder;
            var dataFolder = engine.DataFolder;
            var daemonPid = engine.DaemonPid;
            engine.Dispose();
            engine = null;

            Assert.False(Directory.Exists(runFolder));
            Assert.False(Directory.Exists(dataFolder));
            Assert.DoesNotContain(File.ReadAllLines("/proc/mounts"), m => m.Contains(runFolder, StringComparison.Ordinal) || m.Contains(dataFolder, StringComparison.Ordinal));
            Assert.False(Directory.Exists($"/proc/{daemonPid}"));
            Assert.False(Directory.Exists($"/proc/{restartedPid}"));
            Assert.Empty(Kernel.Must("ip", "netns", "pids", ns).Trim());
            Assert.NotEqual(0, Kernel.Run("ip", "-n", ns, "link", "show", bridge).ExitCode);
            Assert.Equal(hostRules, Kernel.Run("nft", "list", "ruleset").Output);
        }
        finally
        {
            engine?.Dispose();
            Kernel.Run("ip", "netns", "delete", ns);
        }

        Assert.DoesNotContain(ns, Kernel.Namespaces());
    }

    private static string ContainerPid(DockerEngine engine, string container) =>
        engine.Docker("inspect", "--format", "{{.State.Pid}}", container).Trim();

    /// <summary>The container's PID once Docker reports it running again; dockerd restarts containers as it starts.</summary>
    private static string WaitUntilRunning(DockerEngine engine, string container)
    {
        for (var i = 0; i < 100; i++)
        {
            if (engine.Docker("inspect", "--format", "{{.State.Running}}", container).Trim() == "true")
            {
                return ContainerPid(engine, container);
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"{container} is not running again after the restart.");
    }

    private static string Inode(string namespacePath) => Kernel.Must("stat", "--dereference", "--format", "%i", namespacePath).Trim();

    /// <summary>The IPv4 address of eth0 as seen from inside the process's network namespace, or null.</summary>
    private static string? Eth0Address(string pid)
    {
        using var document = JsonDocument.Parse(Kernel.Must("nsenter", $"--net=/proc/{pid}/ns/net", "ip", "-json", "-4", "addr", "show", "dev", "eth0"));
        return document.RootElement.EnumerateArray()
            .SelectMany(link => link.GetProperty("addr_info").EnumerateArray())
            .Select(a => a.GetProperty("local").GetString())
            .FirstOrDefault();
    }
}
