namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 7's accounts: a failure at every step of every cmdlet's plan leaves the sandbox as it was,
/// and bad input of every kind gets its stable id and changes nothing.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class RobustnessTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public RobustnessTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
    }

    private const string Router = "$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false";

    /// <summary>
    /// Links, addresses, routes, rules (without counters) and IPv4 forwarding of the sandbox and of every
    /// namespace in it (the router's, the appliances'), and of the given container namespaces
    /// (/proc/PID/ns/net paths), and the names of the namespaces.
    /// </summary>
    internal static string Snapshot(World world, params string[] containers)
    {
        static string In(string ns, params string[] argv) => Kernel.Must("nsenter", ["--net=" + (ns.StartsWith('/') ? ns : "/run/netns/" + ns), .. argv]);
        static string Rules(string ns) => string.Join('\n', In(ns, "iptables-save").Split('\n')
            .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) || (l.StartsWith(':') && !l.Contains(" ACCEPT ", StringComparison.Ordinal)))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @" \[\d+:\d+\]$", string.Empty)));
        var namespaces = Kernel.Namespaces().Where(n => n == world.Sandbox.Name || n.StartsWith(world.Sandbox.Name + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        return string.Join(
            "\n--\n",
            namespaces.Concat(containers).Select(ns => $"[{ns}]\n{Kernel.Snapshot(ns)}\n{Rules(ns)}\nip_forward={In(ns, "sysctl", "-n", "net.ipv4.ip_forward").Trim()}")
                .Append(string.Join(',', namespaces)));
    }

    /// <summary>
    /// Fails the command at its first change, then its second, and so on until it succeeds; after every
    /// failure the error must be CommandFailed and the sandbox as it was. Returns how many steps failed.
    /// </summary>
    internal static int AssertRollbackAtEveryStep(World world, string what, string command, Func<string> snapshot, int minimumFailed = 2, string failedId = "CommandFailed")
    {
        var before = snapshot();

        // Steps whose failure the plan tolerates (flushing conntrack, deleting a tap QEMU may hold) warn
        // and go on, so failing them ends nothing: they are left to succeed, and the loop goes past them.
        world.Sandbox.Runner.NeverFail = c => c.Arguments.Contains("conntrack") || c.Program == "conntrack" || (c.Arguments.Contains("tuntap") && c.Arguments.Contains("del"));
        var step = 1;
        for (; step < 120; step++)
        {
            world.Sandbox.Runner.FailAtChange = step;
            world.Session.Invoke(command + " -Confirm:$false");
            if (world.Session.Errors.Count == 0)
            {
                break;
            }

            var error = world.Session.Errors[0];
            Assert.True(
                error.FullyQualifiedErrorId.Split(',')[0].EndsWith("CommandFailed", StringComparison.Ordinal) || error.FullyQualifiedErrorId.Split(',')[0] == failedId,
                $"{what}: at step {step}: {error.FullyQualifiedErrorId}: {error}");
            var after = snapshot();
            Assert.True(
                before == after,
                $"{what}: after a failure at step {step} the sandbox differs ({error}).\nNow and not before:\n{string.Join('\n', after.Split('\n').Except(before.Split('\n')))}\nBefore and not now:\n{string.Join('\n', before.Split('\n').Except(after.Split('\n')))}");
        }

        world.Sandbox.Runner.FailAtChange = 0;
        Assert.True(step < 120, $"{what}: the command still fails after {step} steps: {string.Join('\n', world.Session.Errors)}");
        Assert.True(step > minimumFailed, $"{what}: the plan succeeded at step {step}; only {step - 1} step(s) were failed.");
        Assert.NotEqual(before, snapshot());
        return step - 1;
    }

    public static TheoryData<string, string, string> Plans() => new()
    {
        { "bridge", string.Empty, "New-VlanBridge -Name br0 -Address 10.0.0.1/24" },
        { "namespace appliance", "New-VlanBridge | Out-Null", "Connect-VlanAppliance -Namespace c1 -Create" },
        { "tap appliance", "New-VlanBridge | Out-Null", "Connect-VlanAppliance -Tap qemutap0" },
        { "adapter appliance", "New-VlanBridge | Out-Null; ip -n $sandbox link add vboxnet0 type veth peer name vbox1; ip -n $sandbox addr add 192.168.56.1/24 dev vboxnet0", "Connect-VlanAppliance -Interface vboxnet0" },
        { "host NAT", "New-VlanBridge | Out-Null", "Enable-VlanHostNat -Uplink uplink0" },
        { "port forward", Router + "; $router | Connect-VlanAppliance -Namespace c1 -Create | Out-Null", "Add-VlanPortForward -Address 172.24.4.2 -ExternalPort 4000" },
        { "three appliances as one plan", Router, "$router | Connect-VlanAppliance -Namespace c1, c2, c3 -Create" },
        { "three forwards as one plan", Router + "; $router | Connect-VlanAppliance -Namespace c1, c2, c3 -Create | Out-Null", "Get-VlanAppliance | Add-VlanPortForward -ExternalPort { 4000 + [int] $_.Name.Substring(1) }" },
        { "namespace appliance's address with its forwards", Lan, "Set-VlanAppliance c1 -Address 172.24.4.9 -Gateway 172.24.0.1" },
        { "namespace appliance's gateway", Lan, "Set-VlanAppliance c2 -Gateway 172.24.0.1" },
        { "tap appliance's address with its forward", Router + "; $router | Connect-VlanAppliance -Tap qemutap0 | Out-Null; Add-VlanPortForward -Address 172.24.2.2 -ExternalPort 4000 | Out-Null", "Set-VlanAppliance qemutap0 -Address 172.24.2.9" },
        { "adapter appliance's address with its forward", Router + "; " + Adapter + "$router | Connect-VlanAppliance -Interface vboxnet0 | Out-Null; Add-VlanPortForward -Address 172.24.3.2 -ExternalPort 4000 | Out-Null", "Set-VlanAppliance vboxnet0 -Address 172.24.3.9 -Gateway 172.24.0.9" },
        { "bridge's address and MTU with an appliance following", "New-VlanBridge | Out-Null; Connect-VlanAppliance -Namespace c1 -Create | Out-Null; Connect-VlanAppliance -Namespace c2 -Create -Gateway 172.24.0.7 | Out-Null", "Set-VlanBridge -Address 172.24.0.2/16 -Mtu 1400" },
    };

    [KernelTheory]
    [MemberData(nameof(Plans))]
    public void A_failure_at_every_step_of_a_plan_leaves_the_sandbox_as_it_was(string what, string setup, string command)
    {
        using var world = new World();
        world.Session.Invoke("$sandbox = $args[0]; " + (setup.Length == 0 ? "$null" : setup), world.Sandbox.Name);
        Assert.True(world.Session.Errors.Count == 0, what + ": " + string.Join("\n", world.Session.Errors));
        AssertRollbackAtEveryStep(world, what, command, () => Snapshot(world));
    }

    [KernelFact]
    public void A_failure_at_every_step_of_a_trace_leaves_no_temporary_rule_behind()
    {
        using var world = new World();
        world.Session.Invoke(Router);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        var before = Snapshot(world);

        // The trace adds its rules (a failure there is rolled back), watches, then removes them (a
        // failure there is retried rule by rule): whatever fails, nothing of the trace stays.
        // Changes 1-2 add the two TRACE rules (a failure there is rolled back and reported);
        // 3-4 remove them together (a failure there is retried rule by rule); from 5 on nothing fails.
        var failed = 0;
        for (var step = 1; step <= 5; step++)
        {
            world.Sandbox.Runner.FailAtChange = step;
            world.Session.Invoke("Get-VlanIptablesTrace Trace -Protocol icmp -Count 1 -Duration 1 -Confirm:$false");
            failed += world.Session.Errors.Count > 0 ? 1 : 0;
            Assert.True(before == Snapshot(world), $"after a failure at step {step} the sandbox differs ({string.Join("\n", world.Session.Errors)}).");
        }

        world.Sandbox.Runner.FailAtChange = 0;
        Assert.Equal(2, failed);
    }

    private const string Lan = "$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false; "
        + "$router | Connect-VlanAppliance -Namespace c1 -Create | Out-Null; $router | Connect-VlanAppliance -Namespace c2 -Create | Out-Null; "
        + "ip -n \"$sandbox.c1\" route add 10.8.0.0/16 via 172.24.0.254 metric 7; "
        + "Add-VlanPortForward -Router router -Address 172.24.4.2 -ExternalPort 4000 | Out-Null; Add-VlanPortForward -Router router -Address 172.24.4.3 -ExternalPort 5000 -Protocol Udp | Out-Null";

    private const string TwoNats = "New-VlanBridge | Out-Null; New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Out-Null; "
        + "Enable-VlanHostNat -Uplink uplink0 | Out-Null; Enable-VlanHostNat -Bridge br0 -Uplink uplink0 | Out-Null";

    private const string Adapter = "ip -n $sandbox link add vboxnet0 type veth peer name vbox1; ip -n $sandbox addr add 192.168.56.1/24 dev vboxnet0; ip -n $sandbox link set dev vboxnet0 alias 'VirtualBox Host-Only'; ";

    public static TheoryData<string, string, string> Teardowns() => new()
    {
        { "bridge", "New-VlanBridge | Out-Null; New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Out-Null; Connect-VlanAppliance -Bridge br0 -Namespace c1 -Create | Out-Null; "
            + "New-VlanBridge -Name br1 -Address 10.1.0.1/24 | Out-Null; ip -n $sandbox link add hand0 type veth peer name hand1; ip -n $sandbox link set dev hand0 master br1 up; "
            + "ip -n $sandbox route add 10.7.0.0/16 via 10.1.0.9 dev br1 metric 5", "Remove-VlanBridge br1" },
        { "bridge -Recurse with a router", Lan + "; " + Adapter + "Connect-VlanAppliance -Interface vboxnet0 | Out-Null; Connect-VlanAppliance -Tap qemutap0 | Out-Null; "
            + "ip -n $sandbox tuntap add dev qemutap1 mode tap; Connect-VlanAppliance -Tap qemutap1 | Out-Null; New-VlanBridge -Name br0 -Address 10.0.0.1/24 | Out-Null; Connect-VlanAppliance -Bridge br0 -Namespace c3 -Create | Out-Null", "Remove-VlanBridge virtualnet0 -Recurse" },
        { "bridge -Recurse with host NAT", "New-VlanBridge | Out-Null; Enable-VlanHostNat -Uplink uplink0 | Out-Null; Connect-VlanAppliance -Namespace c1 -Create | Out-Null", "Remove-VlanBridge virtualnet0 -Recurse" },
        { "router", Lan, "Remove-VlanRouterNamespace router" },
        { "namespace appliance", Lan, "Disconnect-VlanAppliance c1" },
        { "namespace appliance kept", Lan, "Disconnect-VlanAppliance c1 -KeepNamespace" },
        { "tap appliance made by the module", "New-VlanBridge | Connect-VlanAppliance -Tap qemutap0 | Out-Null", "Disconnect-VlanAppliance qemutap0" },
        { "tap appliance made by QEMU", "New-VlanBridge | Out-Null; ip -n $sandbox tuntap add dev qemutap1 mode tap; ip -n $sandbox link set dev qemutap1 alias mine; Connect-VlanAppliance -Tap qemutap1 | Out-Null", "Disconnect-VlanAppliance qemutap1" },
        { "adapter appliance", "New-VlanBridge | Out-Null; ip -n $sandbox link set dev uplink0 down; " + Adapter + "ip -n $sandbox addr add 192.168.57.1/24 dev vboxnet0; Connect-VlanAppliance -Interface vboxnet0 | Out-Null", "Disconnect-VlanAppliance vboxnet0" },
        { "host NAT of the first bridge", TwoNats, "Disable-VlanHostNat -Bridge virtualnet0" },
        { "host NAT of the last bridge", "New-VlanBridge | Out-Null; Enable-VlanHostNat -Uplink uplink0 | Out-Null", "Disable-VlanHostNat -Bridge virtualnet0" },
        { "port forward", Lan, "Remove-VlanPortForward -Router router -ExternalPort 4000" },
    };

    [KernelTheory]
    [MemberData(nameof(Teardowns))]
    public void A_failure_at_every_step_of_a_teardown_gives_back_what_it_removed(string what, string setup, string command)
    {
        using var world = new World();
        world.Session.Invoke("$sandbox = $args[0]; " + setup, world.Sandbox.Name);
        Assert.True(world.Session.Errors.Count == 0, what + ": " + string.Join("\n", world.Session.Errors));
        if (WholePlan(what) is { } plan)
        {
            AssertUndoOfTheWholePlan(world, what, plan, () => Snapshot(world));
        }

        var failed = AssertRollbackAtEveryStep(world, what, command, () => Snapshot(world), minimumFailed: 1);
        _output.WriteLine($"{what}: {failed} step(s) failed in turn, each rolled back");
    }

    /// <summary>The plan of a one-plan teardown, made from the core, for <see cref="AssertUndoOfTheWholePlan"/>.</summary>
    private static Func<VirtualLan.Linux.NetworkHost, VirtualLan.Linux.KernelState, VirtualLan.Execution.Plan>? WholePlan(string what)
    {
        var docker = new VirtualLan.Linux.Docker(new VirtualLan.Execution.ProcessRunner(new VirtualLan.Execution.ToolLocator()));
        return what switch
        {
            "bridge" => (host, state) => new VirtualLan.Planning.BridgeService(host).PlanRemove("br1", false, state),
            "router" => (host, state) => new VirtualLan.Planning.RouterService(host, _ => null, File.Exists).PlanRemove("router", state),
            "namespace appliance" => (host, state) => new VirtualLan.Planning.ApplianceService(host, docker).PlanDisconnect("c1", state),
            "tap appliance made by the module" => (host, state) => new VirtualLan.Planning.ApplianceService(host, docker).PlanDisconnect("qemutap0", state),
            "tap appliance made by QEMU" => (host, state) => new VirtualLan.Planning.ApplianceService(host, docker).PlanDisconnect("qemutap1", state),
            "adapter appliance" => (host, state) => new VirtualLan.Planning.ApplianceService(host, docker).PlanDisconnect("vboxnet0", state),
            "host NAT of the first bridge" or "host NAT of the last bridge" => (host, state) => new VirtualLan.Planning.HostNatService(host).PlanDisable("virtualnet0", state),
            "port forward" => (host, state) => new VirtualLan.Planning.PortForwardService(host, docker).PlanRemove("router", ForwardProtocol.Tcp, "4000", state),
            _ => null,
        };
    }

    /// <summary>
    /// Applies a whole plan followed by a step that fails, so that the undo of every step, the last
    /// one included (which the fail-every-step loop never undoes), must give back the sandbox as it was.
    /// A plan applied with others as one change (Remove-VlanBridge -Recurse) relies on exactly that.
    /// </summary>
    internal static void AssertUndoOfTheWholePlan(World world, string what, Func<VirtualLan.Linux.NetworkHost, VirtualLan.Linux.KernelState, VirtualLan.Execution.Plan> make, Func<string> snapshot)
    {
        var before = snapshot();
        var state = new VirtualLan.Linux.KernelState(world.Sandbox.Runner);
        var plan = make(VirtualLan.Linux.NetworkHost.InSandbox(world.Sandbox.Name), state);
        var failing = VirtualLan.Execution.Step.Link("Fail after the last step", world.Sandbox.Name, ["link", "set", "dev", "vlan-fault-inj", "up"], null, null);
        var executor = new VirtualLan.Execution.PlanExecutor(world.Sandbox.Runner, batch: true);
        var error = Assert.Throws<CommandFailedException>(() => executor.Apply(new VirtualLan.Execution.Plan(plan.Title, plan.Scope, plan.Steps.Append(failing), plan.Recovery), state, _ => { }, CancellationToken.None));
        Assert.True(error.RollbackFailures.Count == 0, $"{what}: {error.Message}");
        var after = snapshot();
        Assert.True(
            before == after,
            $"{what}: undoing the whole plan did not give back the sandbox ({error.Message}).\nNow and not before:\n{string.Join('\n', after.Split('\n').Except(before.Split('\n')))}\nBefore and not now:\n{string.Join('\n', before.Split('\n').Except(after.Split('\n')))}");
    }

    [KernelFact]
    public void A_failure_at_every_step_of_connecting_and_disconnecting_Docker_appliances_leaves_the_sandbox_and_the_containers_as_they_were()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "t1", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        docker.Docker("run", "-d", "--name", "t2", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        docker.Docker("run", "-d", "--name", "solo", "--network", "none", image, "sleep", "3600");
        string[] containers = ["t1", "t2", "solo"];
        var namespaces = containers.Select(c => $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", c).Trim()}/ns/net").ToArray();
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false; $router | Connect-VlanAppliance -Namespace c1 -Create | Out-Null");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            string State() => Snapshot(world, namespaces);
            foreach (var (what, command) in new[]
            {
                ("Connect-VlanAppliance -Container", "Connect-VlanAppliance -Container solo"),
                ("Set-VlanAppliance of a container", "Set-VlanAppliance solo -Address 172.24.1.9 -Gateway 172.24.0.1"),
                ("Disconnect-VlanAppliance of a container", "Disconnect-VlanAppliance solo"),
                ("Connect-VlanAppliance -DockerNetwork -ReaddressContainers", "Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers"),
                ("Disconnect-VlanAppliance of a Docker network", "Disconnect-VlanAppliance docker_custom"),
            })
            {
                if (command.StartsWith("Disconnect", StringComparison.Ordinal))
                {
                    var name = command.Split(' ')[1];
                    AssertUndoOfTheWholePlan(world, what, (host, state) => new VirtualLan.Planning.ApplianceService(host, new VirtualLan.Linux.Docker(world.Sandbox.Runner)).PlanDisconnect(name, state), State);
                }

                var failed = AssertRollbackAtEveryStep(world, what, command, State, minimumFailed: 1);
                _output.WriteLine($"{what}: {failed} step(s) failed in turn, each rolled back");
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
        }
    }

    [KernelFact]
    public void A_failure_at_every_step_of_a_staged_Sync_with_Prune_gives_back_the_namespaces_an_earlier_stage_deleted()
    {
        // Stage 0 prunes the appliance extra (its namespace made with -Create goes) and makes br0, so it
        // is applied on its own before stage 2 connects c1 to br0: a failure there undoes stage 0 too.
        using var world = new World();
        var document = Path.Combine(Path.GetTempPath(), $"vlan-staged-{Guid.NewGuid():N}.json");
        File.WriteAllText(document, """
            { "version": 1,
              "bridges": [ { "name": "virtualnet0", "address": "172.24.0.1/16" }, { "name": "br0", "address": "10.0.0.1/24" } ],
              "appliances": [ { "kind": "namespace", "name": "c1", "bridge": "br0", "create": true } ] }
            """);
        try
        {
            world.Session.Invoke("New-VlanBridge | Connect-VlanAppliance -Namespace extra -Create | Out-Null");
            Kernel.Must("ip", "-n", world.Sandbox.Inner("extra"), "route", "add", "10.9.0.0/16", "via", "172.24.0.1");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var failed = AssertRollbackAtEveryStep(world, "staged sync", $"Sync-VlanConfiguration -Path '{document}' -Prune", () => Snapshot(world));
            _output.WriteLine($"staged sync: {failed} step(s) failed in turn, each rolled back");
            Assert.Contains(world.Sandbox.Inner("c1"), Kernel.Namespaces());
            Assert.DoesNotContain(world.Sandbox.Inner("extra"), Kernel.Namespaces());
        }
        finally
        {
            File.Delete(document);
        }
    }

    [KernelFact]
    public void A_failure_at_every_step_of_Exit_VlanSandbox_gives_back_every_namespace_and_keeps_the_session_inside()
    {
        using var world = new World();
        world.Session.Invoke("$sandbox = $args[0]; " + Lan, world.Sandbox.Name);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        world.Start(world.Sandbox.Inner("c1"), "sleep", "600");
        var hold = VirtualLan.Planning.SandboxService.HoldFolder(world.Sandbox.Name);

        // The namespaces of the machine that are ours, nothing left under /run from the holds, the
        // sandbox as it was, and the session still in it (Get-VlanRouterNamespace reads the sandbox).
        string State()
        {
            var inside = world.Session.Invoke("(Get-VlanRouterNamespace).Name -join ','").FirstOrDefault()?.ToString();
            return Snapshot(world)
                + $"\nhold={Directory.Exists(hold)} mounts={File.ReadAllLines("/proc/mounts").Count(m => m.Contains(hold, StringComparison.Ordinal))}"
                + $"\nsession sees routers: {inside}";
        }

        var failed = AssertRollbackAtEveryStep(world, "Exit-VlanSandbox", "Exit-VlanSandbox -Force", State);
        _output.WriteLine($"Exit-VlanSandbox: {failed} step(s) failed in turn, each rolled back");
        Assert.DoesNotContain(Kernel.Namespaces(), n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal));
        Assert.False(Directory.Exists(hold));
    }

    [KernelFact]
    public void A_failure_at_every_step_of_Enter_VlanSandbox_leaves_no_namespace_and_the_session_outside()
    {
        var runner = new RecordingRunner(new VirtualLan.Execution.ProcessRunner(new VirtualLan.Execution.ToolLocator()));
        using var session = PowerShellSession.Open(new VirtualLan.Execution.VlanSystem(runner, () => File.ReadAllText("/proc/self/status"), batch: true));
        var name = "vlt-" + Guid.NewGuid().ToString("N")[..8];
        var others = Kernel.Namespaces().Where(n => n.StartsWith("vlt-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        try
        {
            var step = 1;
            for (; step < 10; step++)
            {
                runner.FailAtChange = step;
                session.Invoke("Enter-VlanSandbox -Name $args[0]", name);
                if (session.Errors.Count == 0)
                {
                    break;
                }

                Assert.True(session.Errors[0].FullyQualifiedErrorId.StartsWith("CommandFailed,", StringComparison.Ordinal), session.Errors[0].FullyQualifiedErrorId);
                Assert.DoesNotContain(name, Kernel.Namespaces());
                Assert.Equal(others, Kernel.Namespaces().Where(n => n.StartsWith("vlt-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray());
                runner.FailAtChange = 0;
                Assert.StartsWith("NotInSandbox,", session.InvokeFailing("Exit-VlanSandbox -Keep").FullyQualifiedErrorId, StringComparison.Ordinal);
            }

            Assert.True(step > 3, $"Enter-VlanSandbox succeeded at step {step}.");
            Assert.Contains(name, Kernel.Namespaces());
            runner.FailAtChange = 0;
            session.Invoke("Exit-VlanSandbox -Confirm:$false");
            Assert.Empty(session.Errors);
            Assert.DoesNotContain(name, Kernel.Namespaces());
        }
        finally
        {
            Kernel.Run("ip", "netns", "delete", name);
        }
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { "New-VlanBridge -Address 172.24.0.1", "InvalidCidr", "InvalidArgument" },
        { "New-VlanBridge -Address 172.24.0.1/33", "InvalidCidr", "InvalidArgument" },
        { "New-VlanBridge -Address fd00::1/64", "IPv6NotSupported", "InvalidArgument" },
        { "New-VlanBridge -Name virtualnetwork00", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name 'br/0'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name 'br:0'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name 'br 0'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name 'br;0'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name '$(reboot)'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name '-br0'", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name uplink0", "NameInUseByOtherLink", "ResourceExists" },
        { "New-VlanBridge -Name br9 -Address 198.51.100.2/24", "AddressInUse", "ResourceExists" },
        { "New-VlanBridge -Mtu 10", "InvalidMtu", "InvalidArgument" },
        { "Remove-VlanBridge nosuch", "BridgeNotFound", "ObjectNotFound" },
        { "Add-VlanRouterNamespace -Uplink nosuch0", "UplinkNotFound", "ObjectNotFound" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 10.1.1.1", "AddressOutsideSubnet", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 172.24.0.1", "AddressInUse", "ResourceExists" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -Name 'r/1'", "InvalidInterfaceName", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -UplinkAddress fd00::2/64", "IPv6NotSupported", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -HostLink 172.24.9.1/30", "SubnetOverlap", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace nosuch", "NamespaceNotFound", "ObjectNotFound" },
        { "Connect-VlanAppliance -Interface nosuch0", "InterfaceNotFound", "ObjectNotFound" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Address 10.9.9.9", "AddressOutsideSubnet", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.0.1", "AddressNotFree", "ResourceExists" },
        { "Connect-VlanAppliance -Namespace 'c 1' -Create", "InvalidNamespaceName", "InvalidArgument" },
        { "Connect-VlanAppliance -Tap 'tap;0'", "InvalidInterfaceName", "InvalidArgument" },
        { "Enable-VlanHostNat -Uplink nosuch0", "UplinkNotFound", "ObjectNotFound" },
        { "Add-VlanPortForward -Router router -Address 172.24.4.2 -ExternalPort 0", "InvalidPort", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.4.2 -ExternalPort 65536", "InvalidPort", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.4.2 -ExternalPort 5000-4000", "InvalidPort", "InvalidArgument" },
        { "Add-VlanPortForward -Router nosuch -Address 172.24.4.2 -ExternalPort 4000", "RouterNotFound", "ObjectNotFound" },
        { "Enter-VlanSandbox -Name '-x'", "InvalidNamespaceName", "InvalidArgument" },

        // Issue 14, item 12: $null is no default, and addresses no LAN, host link or gateway can have.
        { "New-VlanBridge -Name $null", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Address $null", "InvalidCidr", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -Name $null", "InvalidInterfaceName", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -Bridge $null", "InvalidInterfaceName", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Bridge $null", "InvalidInterfaceName", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 1.2.3.4/1", "InvalidHostAddress", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 127.0.0.2/8", "InvalidHostAddress", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 224.0.0.5/24", "InvalidHostAddress", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 0.0.0.1/24", "InvalidHostAddress", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 255.1.1.1/24", "InvalidHostAddress", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 172.24.9.1/24", "SubnetOverlap", "InvalidArgument" },
        { "New-VlanBridge -Name br9 -Address 198.51.100.9/25", "SubnetOverlap", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -HostLink 127.0.0.5/30", "InvalidHostAddress", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -HostLink 224.0.0.5/30", "InvalidHostAddress", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -UplinkAddress 0.0.0.5/24", "InvalidHostAddress", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -GatewayAddress 0.0.0.0", "InvalidAddress", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Uplink uplink0 -UplinkAddress 198.51.100.7/24 -UplinkGateway 255.255.255.255", "InvalidAddress", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Address 127.0.0.2/8", "InvalidHostAddress", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Address 224.0.0.9", "InvalidAddress", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace c1 -Create -Gateway 255.255.255.255", "InvalidAddress", "InvalidArgument" },
    };

    /// <summary>
    /// Issue 14, items 7 and 12, on a built LAN (bridge, router, an appliance with a forward, a second
    /// bridge br2, a namespace named like the sandbox's that is not part of it): the module's own links
    /// and namespaces as targets, forwards to addresses that are no appliance, and Exit-VlanSandbox
    /// with a namespace that is not the sandbox's.
    /// </summary>
    public static TheoryData<string, string, string> BadInputsOnABuiltLan() => new()
    {
        { "Connect-VlanAppliance -Interface router-br", "InterfaceInvalid", "InvalidArgument" },
        { "Connect-VlanAppliance -Interface router-hl", "InterfaceInvalid", "InvalidArgument" },
        { "Connect-VlanAppliance -Interface vl-web", "InterfaceInvalid", "InvalidArgument" },
        { "Connect-VlanAppliance -Bridge br2 -Interface router-hl", "InterfaceInvalid", "InvalidArgument" },
        { "Connect-VlanAppliance -Namespace router", "NamespaceInvalid", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Bridge br2 -Name r2 -Uplink router-hl -HostLink 100.64.1.1/30", "UplinkInvalid", "InvalidArgument" },
        { "Add-VlanRouterNamespace -Bridge br2 -Name r2 -Uplink vl-web -HostLink 100.64.1.1/30", "UplinkInvalid", "InvalidArgument" },
        { "Enable-VlanHostNat -Bridge br2 -Uplink router-hl", "UplinkInvalid", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.0.0 -ExternalPort 4001", "InvalidAddress", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.255.255 -ExternalPort 4001", "InvalidAddress", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.0.1 -ExternalPort 4001", "InvalidAddress", "InvalidArgument" },
        { "Add-VlanPortForward -Router router -Address 172.24.1.2 -ExternalPort 4001 -ExternalAddress 0.0.0.0", "InvalidAddress", "InvalidArgument" },
        { "Exit-VlanSandbox", "ForeignNamespace", "InvalidOperation" },
    };

    /// <summary>
    /// Issue 14, item 8: what the module must record on a link does not fit in its alias (255 bytes):
    /// a long uplink alias, an adapter with 15 addresses. Refused with the module's own id, not a .NET exception.
    /// </summary>
    public static TheoryData<string, string, string> BadInputsTooLongToRecord() => new()
    {
        { "Add-VlanRouterNamespace -Uplink uplink0", "RecordTooLong", "InvalidArgument" },
        { "Connect-VlanAppliance -Interface vboxnet0", "RecordTooLong", "InvalidArgument" },
        { "Connect-VlanAppliance -Interface vboxnet1", "RecordTooLong", "InvalidArgument" },
    };

    private static void AssertEveryCaseRefused(World world, TheoryData<string, string, string> cases)
    {
        var before = Snapshot(world);
        foreach (var row in cases)
        {
            var (script, id, category) = ((string)row[0], (string)row[1], (string)row[2]);
            world.Sandbox.Runner.Commands.Clear();
            var error = world.Session.InvokeFailing(script + (script.StartsWith("Remove", StringComparison.Ordinal) || script.StartsWith("Add-VlanRouter", StringComparison.Ordinal) ? " -Confirm:$false" : string.Empty));
            Assert.True(error.FullyQualifiedErrorId.StartsWith(id + ",", StringComparison.Ordinal), $"{script}: {error.FullyQualifiedErrorId} {error.Exception.Message}");
            Assert.Equal(category, error.CategoryInfo.Category.ToString());
            Assert.Empty(world.Sandbox.Runner.Changes);
            Assert.True(before == Snapshot(world), $"{script} changed the sandbox.");
        }
    }

    [KernelFact]
    public void Every_bad_input_on_a_built_LAN_gets_its_stable_id_and_category_and_changes_nothing()
    {
        using var world = new World();
        world.Session.Invoke(
            Router + "; $web = $router | Connect-VlanAppliance -Namespace web -Create; $web | Add-VlanPortForward -ExternalPort 4000 | Out-Null; "
            + "New-VlanBridge -Name br2 -Address 10.20.0.1/24 | Out-Null; ip netns add \"$($args[0]).stray\"",
            world.Sandbox.Name);
        Assert.Empty(world.Session.Errors);
        var cases = BadInputsOnABuiltLan();
        Assert.True(cases.Count >= 13);
        AssertEveryCaseRefused(world, cases);
    }

    [KernelFact]
    public void What_does_not_fit_in_a_links_record_is_refused_with_RecordTooLong_and_changes_nothing()
    {
        using var world = new World();
        var ns = world.Sandbox.Name;
        Kernel.Must("ip", "-n", ns, "link", "set", "dev", World.Uplink, "alias", "ISP #1 \"fibre\" " + new string('x', 230));
        Kernel.Must("ip", "-n", ns, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "vbox0p");
        Kernel.Must("ip", "-n", ns, "link", "set", "dev", "vboxnet0", "alias", new string('v', 200));
        Kernel.Must("ip", "-n", ns, "link", "add", "vboxnet1", "type", "veth", "peer", "name", "vbox1p");
        for (var i = 1; i <= 15; i++)
        {
            Kernel.Must("ip", "-n", ns, "addr", "add", $"192.168.{56 + i}.1/24", "dev", "vboxnet1");
        }

        world.Session.Invoke("New-VlanBridge | Out-Null");
        Assert.Empty(world.Session.Errors);
        AssertEveryCaseRefused(world, BadInputsTooLongToRecord());
    }

    [KernelFact]
    public void Every_bad_input_gets_its_stable_id_and_category_and_changes_nothing()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var cases = BadInputs();
        Assert.True(cases.Count >= 50);
        AssertEveryCaseRefused(world, cases);
    }
}
