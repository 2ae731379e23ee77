using System.Diagnostics;
using System.Net.Sockets;
using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Tab completion of every name, through TabExpansion2 in the session's runspace, on a small LAN in
/// a sandbox: what each parameter offers (exact lists), filtered by what was typed, quoted when the
/// name needs it, with a tooltip saying what it is, and nothing (and no error) when Docker does not answer.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class CompletionTests
{
    [KernelFact]
    public void Every_name_of_a_LAN_in_a_sandbox_completes_filtered_quoted_and_described()
    {
        using var world = new World();
        var session = world.Session;
        var sandbox = world.Sandbox.Name;
        session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        session.Invoke("$router | Connect-VlanAppliance -Namespace c1, c2 -Create | Out-Null");
        var tap = (Appliance)Assert.Single(session.Invoke("$router | Connect-VlanAppliance -Tap tap0")).BaseObject;
        session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 | Out-Null");
        session.Invoke("Get-VlanAppliance c2 | Add-VlanPortForward -ExternalPort 5000-5001 -Protocol Udp | Out-Null");
        Assert.Empty(session.Errors);

        // What a user's host has besides: a spare link, a free tap, a bridge with an odd name, a namespace of their own.
        Kernel.Must("ip", "netns", "add", world.Sandbox.Inner("spare"));
        Kernel.Must("ip", "-n", sandbox, "link", "add", "wan1", "type", "veth", "peer", "name", "eth9", "netns", world.Sandbox.Inner("spare"));
        Kernel.Must("ip", "-n", sandbox, "tuntap", "add", "dev", "tap9", "mode", "tap");
        Kernel.Must("ip", "-n", sandbox, "link", "add", "odd$br", "type", "bridge");

        // Appliances, by kind and prefix (case ignored), described from their records.
        var appliances = session.Complete("Get-VlanAppliance -Name ");
        Assert.Equal(new[] { "c1", "c2", "tap0" }, appliances.Select(a => a.CompletionText));
        Assert.Equal("Namespace appliance 172.24.4.2/16 on virtualnet0", appliances[0].ToolTip);
        Assert.Equal($"Tap appliance {tap.Cidr} on virtualnet0", appliances[2].ToolTip);
        Assert.Equal(new[] { "tap0" }, session.CompleteTexts("Get-VlanAppliance -Kind Tap -Name "));
        Assert.Equal(new[] { "c1", "c2" }, session.CompleteTexts("Get-VlanAppliance -Kind Namespace -Name "));
        Assert.Equal(new[] { "c1", "c2" }, session.CompleteTexts("Disconnect-VlanAppliance C"));
        Assert.Equal(new[] { "c1", "c2", "tap0" }, session.CompleteTexts("Disconnect-VlanAppliance "));
        Assert.Equal(new[] { "c2" }, session.CompleteTexts("Add-VlanPortForward -Appliance c2"));

        // One read of the host's links (after the list of namespaces, which says the sandbox exists),
        // nothing read inside an appliance; on the netlink backend, no process at all.
        world.Sandbox.Runner.Commands.Clear();
        session.CompleteTexts("Disconnect-VlanAppliance ");
        Assert.Equal(
            VlanSystem.BackendFromEnvironment() == VlanBackend.Netlink ? Array.Empty<string>() : new[] { "ip -json netns list", $"ip -n {sandbox} -details -json addr show" },
            world.Sandbox.Runner.Commands.Select(c => c.Command.ToString()));

        // Bridges: those the module made; every bridge with -All or -Force, an odd name quoted.
        foreach (var line in new[] { "Get-VlanBridge -Name ", "Remove-VlanBridge ", "Get-VlanHostNat -Bridge ", "Connect-VlanAppliance -Namespace c1 -Bridge ", "Get-VlanAppliance -Bridge v", "Get-VlanRouterNamespace -Bridge " })
        {
            Assert.Equal(new[] { "virtualnet0" }, session.CompleteTexts(line));
        }

        Assert.Equal(new[] { "'odd$br'", "virtualnet0" }, session.CompleteTexts("Get-VlanBridge -All -Name "));
        var odd = Assert.Single(session.Complete("Remove-VlanBridge -Force -Name O"));
        Assert.Equal("'odd$br'", odd.CompletionText);
        Assert.Equal("odd$br", odd.ListItemText);
        Assert.Equal("Bridge odd$br, no address, 0 port(s), not made by VirtualLan", odd.ToolTip);
        Assert.Equal(new[] { "\"odd`$br\"" }, session.CompleteTexts("Get-VlanBridge -All \"od"));
        Assert.Single(session.Invoke($"Get-VlanBridge -All -Name {odd.CompletionText}"));

        // Routers.
        var routers = session.Complete("Get-VlanRouterNamespace -Name ");
        Assert.Equal(new[] { "router" }, routers.Select(r => r.CompletionText));
        Assert.Equal($"Router namespace {sandbox}.router for virtualnet0: gateway 172.24.0.254, uplink uplink0 198.51.100.2/24", routers[0].ToolTip);
        foreach (var line in new[] { "Remove-VlanRouterNamespace ", "Get-VlanPortForward -Router ", "Remove-VlanPortForward -Router r", "Add-VlanPortForward -Router ", "Get-VlanIptablesTrace -Router " })
        {
            Assert.Equal(new[] { "router" }, session.CompleteTexts(line));
        }

        // What a trace can watch: the host, the routers, the appliances with a namespace of their own (not the tap), by prefix, several at once.
        var traced = session.Complete("Get-VlanIptablesTrace -Namespace ");
        Assert.Equal(new[] { "c1", "c2", "host", "router" }, traced.Select(n => n.CompletionText).Order(StringComparer.Ordinal));
        Assert.Equal($"The namespace appliance's namespace {sandbox}.c1", traced.Single(n => n.CompletionText == "c1").ToolTip);
        Assert.Equal($"The router's namespace {sandbox}.router", traced.Single(n => n.CompletionText == "router").ToolTip);
        Assert.Equal(new[] { "c1", "c2" }, session.CompleteTexts("Get-VlanIptablesTrace Drops -Namespace C"));
        Assert.Equal(new[] { "host" }, session.CompleteTexts("Get-VlanIptablesTrace -Namespace c1, h"));

        Assert.Empty(session.CompleteTexts("Get-VlanRouterNamespace -Bridge other -Name "));

        // Port forwards: their external ports, by router and protocol.
        var forwards = session.Complete("Get-VlanPortForward -ExternalPort ");
        Assert.Equal(new[] { "4000", "5000-5001" }, forwards.Select(f => f.CompletionText));
        Assert.Equal("TCP 198.51.100.2:4000 → 172.24.4.2:4000 (c1) on router router", forwards[0].ToolTip);
        Assert.Equal(new[] { "5000-5001" }, session.CompleteTexts("Remove-VlanPortForward -Router router -Protocol Udp -ExternalPort "));
        Assert.Equal(new[] { "4000" }, session.CompleteTexts("Remove-VlanPortForward -Router router -Protocol Tcp -ExternalPort "));
        Assert.Empty(session.CompleteTexts("Remove-VlanPortForward -Router nosuch -ExternalPort "));

        // Links that can be an uplink or an Interface appliance: not lo, bridges, bridge ports or the module's own.
        var links = session.Complete("Add-VlanRouterNamespace -Name r2 -Uplink ");
        Assert.Equal(new[] { "tap9", "wan1" }, links.Select(l => l.CompletionText));
        Assert.Equal("veth link wan1, down, no IPv4 address", links[1].ToolTip);
        Assert.Equal(new[] { "wan1" }, session.CompleteTexts("Enable-VlanHostNat -Uplink W"));
        Assert.Equal(new[] { "tap9", "wan1" }, session.CompleteTexts("Connect-VlanAppliance -Interface "));
        Assert.Equal(new[] { "tap9" }, session.CompleteTexts("Connect-VlanAppliance -Tap "));

        // Namespaces by the name the cmdlets take, the router's left out, each saying whether it is connected.
        var namespaces = session.Complete("Connect-VlanAppliance -Namespace ");
        Assert.Equal(new[] { "c1", "c2", "inet", "spare" }, namespaces.Select(n => n.CompletionText));
        Assert.Equal($"Network namespace {sandbox}.c1, connected: Namespace appliance 172.24.4.2/16 on virtualnet0", namespaces[0].ToolTip);
        Assert.Equal($"Network namespace {sandbox}.spare, not connected", namespaces[3].ToolTip);
        Assert.Equal(new[] { "spare" }, session.CompleteTexts("Connect-VlanAppliance -Namespace S"));
        world.Sandbox.Runner.Commands.Clear();
        session.CompleteTexts("Connect-VlanAppliance -Namespace ");
        Assert.DoesNotContain(world.Sandbox.Runner.Commands, c => c.Command.ToString().Contains($"{sandbox}.", StringComparison.Ordinal));

        // Sandboxes: this one, not the namespaces inside it.
        var sandboxes = session.Complete($"Exit-VlanSandbox -Name {sandbox[..6]}");
        Assert.Equal(new[] { sandbox }, sandboxes.Select(s => s.CompletionText));
        Assert.Equal($"Sandbox {sandbox} (this session's): 5 namespace(s), 9 link(s)", sandboxes[0].ToolTip);
        var all = session.CompleteTexts("Enter-VlanSandbox ");
        Assert.Contains(sandbox, all);
        Assert.DoesNotContain(all, s => s.StartsWith(sandbox + ".", StringComparison.Ordinal));

        // Trace chains: every table:chain of the router's firewall, which the trace watches by default.
        var expected = Chains(Kernel.Must("ip", "netns", "exec", $"{sandbox}.router", "iptables-save"));
        Assert.Contains("filter:VLAN-FORWARD", expected);
        var chains = session.Complete("Get-VlanIptablesTrace -Mode Log -Chain ");
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), chains.Select(c => c.CompletionText));
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), session.CompleteTexts("Get-VlanIptablesTrace -Router router -Chain "));
        var forward = Assert.Single(session.Complete("Get-VlanIptablesTrace -Chain filter:F"));
        Assert.Equal("filter:FORWARD", forward.CompletionText);
        Assert.StartsWith($"Chain FORWARD of the filter table in the router router ({sandbox}.router): policy DROP, ", forward.ToolTip, StringComparison.Ordinal);
        Assert.Empty(session.CompleteTexts("Get-VlanIptablesTrace -Router nosuch -Chain "));
        Assert.Empty(session.Errors);
    }

    [KernelFact]
    public void A_Docker_engine_that_does_not_answer_gives_no_completions_no_error_and_no_wait()
    {
        using var world = new World();
        var socketPath = Path.Combine(Path.GetTempPath(), $"vlt-docker-{Guid.NewGuid():N}.sock");
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");

        // An engine that takes the connection and never answers, and then none at all.
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(socketPath));
        silent.Listen(8);
        try
        {
            foreach (var host in new[] { "unix://" + socketPath, "unix:///nonexistent/docker.sock" })
            {
                Environment.SetEnvironmentVariable("DOCKER_HOST", host);
                foreach (var line in new[] { "Connect-VlanAppliance -Container ", "Connect-VlanAppliance -DockerNetwork " })
                {
                    // A completer that waited for the engine would hang here; the test fails instead.
                    var clock = Stopwatch.StartNew();
                    var completing = Task.Run(() => world.Session.Complete(line));
                    Assert.True(completing.Wait(TimeSpan.FromSeconds(5)), $"'{line}' with DOCKER_HOST={host} did not return in 5 s.");
                    Assert.Empty(completing.Result);
                    Assert.Empty(world.Session.Errors);
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"'{line}' with DOCKER_HOST={host} took {clock.Elapsed}.");
                }
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
            File.Delete(socketPath);
        }

        // The docker CLI was asked, and none of its processes is left waiting for the engine.
        Assert.Equal(4, world.Sandbox.Runner.Commands.Count(c => c.Command.Program == "docker"));
        Assert.Empty(ProcessesWith("DOCKER_HOST=unix://" + socketPath));
    }

    private static IEnumerable<string> ProcessesWith(string environmentEntry) =>
        Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "environ")).Split('\0').Contains(environmentEntry);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .Select(Path.GetFileName)!;

    private static string[] Chains(string iptablesSave)
    {
        var chains = new List<string>();
        var table = string.Empty;
        foreach (var line in iptablesSave.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..].Trim();
            }
            else if (line.StartsWith(':'))
            {
                chains.Add($"{table}:{line[1..].Split(' ')[0]}");
            }
        }

        return chains.ToArray();
    }
}
