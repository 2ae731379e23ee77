using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// Every appliance kind's connect and disconnect plans and read-back, pinned in full (descriptions,
/// commands, undos, "already done" answers) against a golden file captured from the code before the
/// kinds were split into classes: the reshaping changes no command a user sees or runs.
/// </summary>
public class AppliancePlansTests
{
    /// <summary>The records the code of today writes on a connected appliance's bridge port, one per kind and case.</summary>
    internal static class Records
    {
        public const string Namespace = "virtuallan:appliance addr=172.24.4.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.1 if=eth0 kind=Namespace name=c1 ns=NS";
        public const string Container = "virtuallan:appliance addr=172.24.1.3%2F16 bridge=virtualnet0 cid=6fca6f82a8ce created=0 gw=172.24.0.1 if=eth1 kind=Container name=dockernet_tester";
        public const string TapCreated = "virtuallan:appliance addr=172.24.2.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.1 kind=Tap mac=52%3A54%3A00%3A4e%3A8b%3A43 name=qemutap0 oalias=";
        public const string TapFound = "virtuallan:appliance addr=172.24.2.3%2F16 bridge=virtualnet0 created=0 gw=172.24.0.1 kind=Tap mac=52%3A54%3A00%3Ad5%3Aef%3Aa9 name=qemutap1 oalias=QEMU%27s%20tap";
        public const string Interface = "virtuallan:appliance addr=172.24.3.2%2F16 bridge=virtualnet0 gw=172.24.0.1 kind=Interface name=vboxnet0 oaddrs=192.168.56.1%2F24%2C192.168.57.1%2F24 oalias=host-only oup=0";
        public const string DockerNetwork = "virtuallan:appliance bridge=virtualnet0 caddrs=172.24.1.2 daddrs=172.18.0.1%2F16 dbr=br-881b070752a9 gw=172.24.0.1 kind=DockerNetwork name=docker_custom peer=vl-p881b070752a";
        public const string Readdressed = "virtuallan:readdressed network=docker_custom new=172.24.1.2%2F16 ogw=172.18.0.1 old=172.18.0.2%2F16";
    }

    [Fact]
    public void Plans_and_reads_of_every_kind_are_what_they_were()
    {
        var text = new StringBuilder();
        foreach (var sandbox in new[] { null, "lab" })
        {
            text.Append("##### host ").Append(sandbox ?? "(machine)").Append('\n');
            Connects(text, sandbox, forward: new[] { "-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1" });
            Connects(text, sandbox, forward: new[] { "-A FORWARD -j DOCKER-ISOLATION-STAGE-1", "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER", "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER", "-A FORWARD -j DOCKER-USER" });
            Disconnects(text, sandbox);
        }

        var golden = Path.Combine(AppContext.BaseDirectory, "Fixtures", "appliance-plans.golden.txt");
        if (Environment.GetEnvironmentVariable("VLAN_WRITE_GOLDEN") is { Length: > 0 } write)
        {
            File.WriteAllText(write, text.ToString().Replace($"/proc/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/", "/proc/PID/", StringComparison.Ordinal));
        }

        Assert.Equal(File.ReadAllText(golden), text.ToString().Replace($"/proc/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/", "/proc/PID/", StringComparison.Ordinal));
    }

    private static void Connects(StringBuilder text, string? sandbox, string[] forward)
    {
        var (host, runner) = Kernel(sandbox, connected: false, forward);
        var service = new ApplianceService(host, new Docker(runner));
        var requests = new[]
        {
            ApplianceRequest.Create(ApplianceKind.Namespace, "c1", "virtualnet0", null, null, null, null, false, create: true),
            ApplianceRequest.Create(ApplianceKind.Namespace, "c2", "virtualnet0", "172.24.9.9", "172.24.0.254", "lan0", null, false),
            ApplianceRequest.Create(ApplianceKind.Namespace, "a-very-long-namespace-name", "virtualnet0", null, null, null, null, false, create: true),
            ApplianceRequest.Create(ApplianceKind.Container, "dockernet_tester", "virtualnet0", null, null, null, null, false),
            ApplianceRequest.Create(ApplianceKind.Tap, "qemutap0", "virtualnet0", null, null, null, "alice", false),
            ApplianceRequest.Create(ApplianceKind.Tap, "qemutap1", "virtualnet0", null, null, null, null, false),
            ApplianceRequest.Create(ApplianceKind.Interface, "vboxnet0", "virtualnet0", null, null, null, null, false),
            ApplianceRequest.Create(ApplianceKind.DockerNetwork, "docker_custom", "virtualnet0", null, null, null, null, readdress: false),
            ApplianceRequest.Create(ApplianceKind.DockerNetwork, "docker_custom", "virtualnet0", null, null, null, null, readdress: true),
        };
        foreach (var request in requests)
        {
            var state = new KernelState(runner);
            var reserved = new HashSet<System.Net.IPAddress>();
            try
            {
                var (plan, appliance) = service.PlanConnect(request, state, reserved);
                Dump(text, plan, state);
                text.Append("  => ").Append(Describe(appliance)).Append('\n');
                text.Append("  reserved ").Append(string.Join(',', reserved.Select(a => a.ToString()).Order(StringComparer.Ordinal))).Append('\n');
            }
            catch (VlanException e)
            {
                text.Append("! ").Append(request.Kind).Append(' ').Append(request.Name).Append(": ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }

        // Connected again: every kind's plan from its own record.
        var (again, againRunner) = Kernel(sandbox, connected: true, forward);
        var againService = new ApplianceService(again, new Docker(againRunner));
        foreach (var request in requests.Where(r => r.Name != "c2" && r.Name != "a-very-long-namespace-name"))
        {
            var state = new KernelState(againRunner);
            try
            {
                var (plan, appliance) = againService.PlanConnect(request, state);
                Dump(text, plan, state);
                text.Append("  => ").Append(Describe(appliance)).Append('\n');
            }
            catch (VlanException e)
            {
                text.Append("! again ").Append(request.Kind).Append(' ').Append(request.Name).Append(": ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }
    }

    private static void Disconnects(StringBuilder text, string? sandbox)
    {
        var (host, runner) = Kernel(sandbox, connected: true, new[] { "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER", "-A FORWARD -j DOCKER-USER", "-A DOCKER-USER -i br-881b070752a9 -o br-881b070752a9 -m comment --comment \"virtuallan:appliance/docker_custom\" -j ACCEPT" });
        var service = new ApplianceService(host, new Docker(runner));
        var state = new KernelState(runner);
        foreach (var live in new[] { false, true })
        {
            text.Append("list live=").Append(live).Append('\n');
            foreach (var appliance in service.List(new KernelState(runner), live))
            {
                text.Append("  ").Append(Describe(appliance)).Append('\n');
            }
        }

        text.Append("read ").Append(service.Read(ApplianceKind.Interface, "vboxnet0", state) is { } read ? Describe(read) : "null").Append('\n');
        text.Append("read ").Append(service.Read(ApplianceKind.Tap, "vboxnet0", state) is { } none ? Describe(none) : "null").Append('\n');
        foreach (var (name, leaving) in new[] { ("c1", null), ("dockernet_tester", null), ("qemutap0", null), ("qemutap1", null), ("vboxnet0", null), ("docker_custom", null), ("docker_custom", new[] { "docker_custom" }) })
        {
            try
            {
                Dump(text, service.PlanDisconnect(name, new KernelState(runner), leaving), new KernelState(runner));
            }
            catch (VlanException e)
            {
                text.Append("! disconnect ").Append(name).Append(": ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }

        Dump(text, service.PlanDisconnect("c1", new KernelState(runner), keepNamespace: true), new KernelState(runner));

        // Set-VlanAppliance on every kind: a new address, a new gateway, both, none, and what is refused.
        var gateway = System.Net.IPAddress.Parse("172.24.0.254");
        foreach (var (name, address, gw) in new (string, string?, System.Net.IPAddress?)[]
        {
            ("c1", "172.24.4.9", null), ("c1", null, gateway), ("c1", "172.24.4.9/16", gateway), ("c1", "172.24.4.2", null),
            ("dockernet_tester", "172.24.1.9", gateway), ("qemutap0", "172.24.2.9", null), ("vboxnet0", null, gateway),
            ("docker_custom", null, gateway), ("c1", "172.24.1.3", null), ("c1", "10.0.0.1", null), ("c1", null, System.Net.IPAddress.Parse("172.24.4.2")), ("nosuch", "172.24.4.9", null),
        })
        {
            try
            {
                var (plan, appliance, notice) = service.PlanSet(name, address, gw, new KernelState(runner));
                Dump(text, plan, new KernelState(runner));
                text.Append("  => ").Append(Describe(appliance)).Append('\n');
                text.Append("  notice ").Append(notice ?? "-").Append('\n');
            }
            catch (VlanException e)
            {
                text.Append("! set ").Append(name).Append(": ").Append(e.ErrorId).Append(' ').Append(e.Message).Append('\n');
            }
        }
    }

    private static void Dump(StringBuilder text, Plan plan, KernelState state)
    {
        text.Append("plan ").Append(plan.Title).Append(" | ").Append(plan.Scope).Append('\n');
        foreach (var step in plan.Steps)
        {
            text.Append("  - ").Append(step.Description).Append(" [").Append(step.Channel).Append(step.Namespace.IsOwn ? string.Empty : " " + step.Namespace).Append(step.Table is null ? string.Empty : " " + step.Table).Append("] done=")
                .Append(step.IsDone is null ? "-" : step.IsDone(state).ToString()).Append('\n');
            text.Append("    ").Append(step.Command).Append('\n');
            foreach (var undo in step.Undo)
            {
                text.Append("    undo ").Append(undo).Append('\n');
            }

            if (step.UndoLoses is not null)
            {
                text.Append("    loses ").Append(step.UndoLoses).Append('\n');
            }

            if (step.WhenFailing is not null)
            {
                text.Append("    tolerated ").Append(step.WhenFailing).Append('\n');
            }
        }
    }

    private static string Describe(Appliance a) =>
        string.Join(
            " ",
            $"{a.Kind}:{a.Name}",
            $"bridge={a.Bridge}",
            $"hif={a.HostInterface}",
            $"if={a.Interface}",
            $"addr={a.Cidr}",
            $"gw={a.Gateway}",
            $"mac={a.MacAddress}",
            $"ns={a.Namespace}",
            $"cid={a.ContainerId}",
            $"dbr={a.DockerBridge}",
            $"qemu={a.QemuArguments}",
            $"sandbox={a.Sandbox}");

    /// <summary>A fake kernel: the host's links (with appliances connected or not), each appliance namespace's links and routes, Docker.</summary>
    private static (NetworkHost Host, FakeRunner Runner) Kernel(string? sandbox, bool connected, string[] forward)
    {
        var host = sandbox is null ? NetworkHost.Machine : NetworkHost.InSandbox(sandbox);
        var c1 = host.NamespaceFor("c1");
        var c2 = host.NamespaceFor("c2");
        // The container's namespace must exist for the planner to look inside: this process's own stands for it.
        var container = $"/proc/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/ns/net";
        var hostLinks = new JsonArray
        {
            Link(1, "lo", null, null, null, true, "00:00:00:00:00:00", "127.0.0.1/8"),
            Link(2, "virtualnet0", "bridge", null, "virtuallan:bridge", true, "02:11:22:33:44:55", "172.24.0.1/16"),
            Link(3, "uplink0", "veth", null, null, true, "02:aa:bb:cc:dd:01", "198.51.100.2/24"),
            Link(4, "vboxnet0", "veth", connected ? "virtualnet0" : null, connected ? Records.Interface : "host-only", connected, "0a:00:27:00:00:00", connected ? Array.Empty<string>() : new[] { "192.168.56.1/24", "192.168.57.1/24" }),
            Link(5, "qemutap1", "tun", connected ? "virtualnet0" : null, connected ? Records.TapFound : "QEMU's tap", true, "fe:54:00:12:34:56"),
            Link(6, "br-881b070752a9", "bridge", null, null, true, "02:42:ac:12:00:01", connected ? Array.Empty<string>() : new[] { "172.18.0.1/16" }),
            Link(7, "veth1234", "veth", "br-881b070752a9", null, true, "02:42:00:00:00:07"),
        };
        if (connected)
        {
            hostLinks.Add(Link(10, "vl-c1", "veth", "virtualnet0", Records.Namespace.Replace("ns=NS", "ns=" + c1, StringComparison.Ordinal), true, "02:00:00:00:00:10"));
            hostLinks.Add(Link(11, "vl-6fca6f82a8ce", "veth", "virtualnet0", Records.Container, true, "02:00:00:00:00:11"));
            hostLinks.Add(Link(12, "qemutap0", "tun", "virtualnet0", Records.TapCreated, true, "fe:00:00:00:00:12", Array.Empty<string>(), "1000"));
            hostLinks.Add(Link(13, "vl-n881b070752a", "veth", "virtualnet0", Records.DockerNetwork, true, "02:00:00:00:00:13"));
            hostLinks.Add(Link(14, "vl-p881b070752a", "veth", "br-881b070752a9", null, true, "02:00:00:00:00:14"));
        }

        var links = new Dictionary<string, JsonArray>(StringComparer.Ordinal)
        {
            [sandbox ?? string.Empty] = hostLinks,
            [c1] = connected
                ? new JsonArray { Link(1, "lo", null, null, null, true, "00:00:00:00:00:00", "127.0.0.1/8"), Link(2, "eth0", "veth", null, null, true, "52:54:00:01:02:03", "172.24.4.2/16") }
                : new JsonArray { Link(1, "lo", null, null, null, false, "00:00:00:00:00:00") },
            [c2] = new JsonArray { Link(1, "lo", null, null, null, false, "00:00:00:00:00:00") },
            [container] = connected
                ? new JsonArray { Link(1, "lo", null, null, null, true, "00:00:00:00:00:00", "127.0.0.1/8"), Link(2, "eth0", "veth", null, Records.Readdressed, true, "02:42:ac:12:00:02", "172.24.1.2/16"), Link(3, "eth1", "veth", null, null, true, "52:54:00:0a:0b:0c", "172.24.1.3/16") }
                : new JsonArray { Link(1, "lo", null, null, null, true, "00:00:00:00:00:00", "127.0.0.1/8"), Link(2, "eth0", "veth", null, null, true, "02:42:ac:12:00:02", "172.18.0.2/16") },
        };
        var routes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [c1] = connected ? """[{"dst":"default","gateway":"172.24.0.1","dev":"eth0","flags":[]}]""" : "[]",
            [container] = connected
                ? """[{"dst":"default","gateway":"172.24.0.1","dev":"eth0","flags":[]}]"""
                : """[{"dst":"default","gateway":"172.18.0.1","dev":"eth0","flags":[]}]""",
        };
        var namespaces = new JsonArray { new JsonObject { ["name"] = c2 } };
        if (sandbox is not null)
        {
            namespaces.Add(new JsonObject { ["name"] = sandbox });
        }

        if (connected)
        {
            namespaces.Add(new JsonObject { ["name"] = c1 });
        }

        var save = string.Join("\n", new[] { "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":DOCKER-ISOLATION-STAGE-1 - [0:0]", ":DOCKER-USER - [0:0]" }
            .Concat(forward)
            .Concat(new[] { "-A DOCKER-ISOLATION-STAGE-1 -j RETURN", "-A DOCKER-USER -j RETURN", "COMMIT", string.Empty }));
        var runner = new FakeRunner
        {
            IptablesSave = save,
            SysctlValue = "1",
            NamespacesJson = namespaces.ToJsonString(),
            Respond = c =>
            {
                if (c.Program == "docker")
                {
                    var name = c.Arguments[^1];
                    return c.Arguments[0] == "network"
                        ? name is "docker_custom" || "881b070752a97e4337001275f56e814ad8a4b05f4c2eb3d8eee99decc83e20a1".StartsWith(name, StringComparison.Ordinal)
                            ? new CommandResult(0, FakeRunner.Fixture("docker-network-inspect.internal.json"), string.Empty)
                            : new CommandResult(1, string.Empty, "Error: No such network: " + name)
                        : name is "dockernet_tester" || "6fca6f82a8ce4cfde8fb658d03cea76f20ee8bbda3d902167a803f1829a71ed3".StartsWith(name, StringComparison.Ordinal)
                            ? new CommandResult(0, FakeRunner.Fixture("docker-container-inspect.json").Replace("29210", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), string.Empty)
                            : new CommandResult(1, string.Empty, "Error: No such container: " + name);
                }

                var args = c.Arguments;
                var ns = c.Program == "nsenter" ? args[0]["--net=".Length..] : args.Count > 1 && args[0] == "-n" ? args[1] : string.Empty;
                if (args.Contains("-json") && args.Contains("addr"))
                {
                    return new CommandResult(0, links.TryGetValue(ns, out var l) ? l.ToJsonString() : "[]", string.Empty);
                }

                if (args.Contains("-json") && args.Contains("route"))
                {
                    return new CommandResult(0, routes.GetValueOrDefault(ns, "[]"), string.Empty);
                }

                if (args.Contains("neigh"))
                {
                    return new CommandResult(0, "[]", string.Empty);
                }

                if (args.Contains("list") && args.Contains("netns"))
                {
                    return new CommandResult(0, ns.Length == 0 || ns == sandbox ? namespaces.ToJsonString() : "[]", string.Empty);
                }

                return null;
            },
        };
        return (host, runner);
    }

    private static JsonObject Link(int index, string name, string? kind, string? master, string? alias, bool up, string mac, params string[] addresses) =>
        Link(index, name, kind, master, alias, up, mac, addresses, owner: null);

    private static JsonObject Link(int index, string name, string? kind, string? master, string? alias, bool up, string mac, string[] addresses, string? owner)
    {
        var link = new JsonObject
        {
            ["ifindex"] = index,
            ["ifname"] = name,
            ["flags"] = up ? new JsonArray("BROADCAST", "MULTICAST", "UP", "LOWER_UP") : new JsonArray("BROADCAST", "MULTICAST"),
            ["mtu"] = 1500,
            ["operstate"] = up ? "UP" : "DOWN",
            ["address"] = mac,
            ["addr_info"] = new JsonArray(addresses.Select(a => (JsonNode)new JsonObject
            {
                ["family"] = "inet",
                ["local"] = a.Split('/')[0],
                ["prefixlen"] = int.Parse(a.Split('/')[1], CultureInfo.InvariantCulture),
            }).ToArray()),
        };
        if (master is not null)
        {
            link["master"] = master;
        }

        if (alias is not null)
        {
            link["ifalias"] = alias;
        }

        if (kind is not null)
        {
            link["linkinfo"] = owner is null ? new JsonObject { ["info_kind"] = kind } : new JsonObject { ["info_kind"] = kind, ["info_data"] = new JsonObject { ["user"] = owner } };
        }

        return link;
    }
}
