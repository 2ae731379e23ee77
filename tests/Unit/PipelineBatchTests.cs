using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// A whole pipeline's input as one plan: PlanExecutor.Combine, and the cmdlets that collect their
/// input and apply it in EndProcessing (one state read, one ip -batch per namespace).
/// </summary>
public class PipelineBatchTests
{
    private static Plan ApplianceLike(int i)
    {
        var ns = $"a{i}";
        return new Plan($"plan {i}", ns, new[]
        {
            Step.Firewall("shared rule", "host", "filter", new[] { "-A", "VLAN-BRIDGES", "-j", "ACCEPT" }, new[] { "-D", "VLAN-BRIDGES", "-j", "ACCEPT" }, null),
            Step.Link($"create {ns}", null, new[] { "netns", "add", ns }, new[] { "netns", "delete", ns }, null),
            Step.Link($"veth {ns}", "host", new[] { "link", "add", "vl-" + ns, "type", "veth", "peer", "name", "eth0", "netns", ns }, new[] { "link", "del", "vl-" + ns }, null),
            Step.Link($"plug {ns}", "host", new[] { "link", "set", "dev", "vl-" + ns, "master", "br0", "up" }, null, null),
            Step.Link($"address {ns}", ns, new[] { "addr", "add", $"172.24.4.{i + 1}/16", "dev", "eth0" }, null, null),
            Step.Link($"up {ns}", ns, new[] { "link", "set", "dev", "eth0", "up" }, null, null),
        });
    }

    [Fact]
    public void Combine_puts_the_same_batch_side_by_side_keeps_each_plans_order_and_runs_a_shared_step_once()
    {
        var runner = new FakeRunner();
        var state = new KernelState(runner);
        var plan = PlanExecutor.Combine("all", "host", new[] { ApplianceLike(1), ApplianceLike(2), ApplianceLike(3) }, state);

        Assert.Equal(
            new[]
            {
                "shared rule",
                "create a1", "create a2", "create a3",
                "veth a1", "plug a1", "veth a2", "plug a2", "veth a3", "plug a3",
                "address a1", "up a1", "address a2", "up a2", "address a3", "up a3",
            },
            plan.Steps.Select(s => s.Description));

        var report = new PlanExecutor(runner, batch: true).Apply(plan, state, _ => { }, CancellationToken.None);
        Assert.Equal(
            new[] { "ip netns exec host iptables -w -t filter -A VLAN-BRIDGES -j ACCEPT", "ip -batch -", "ip -n host -batch -", "ip -n a1 -batch -", "ip -n a2 -batch -", "ip -n a3 -batch -" },
            runner.Changes);
        Assert.Equal("netns add a1\nnetns add a2\nnetns add a3\n", runner.Calls.First(c => c.Command.ToString() == "ip -batch -").Input);
        Assert.Equal(6, report.ProcessesStarted);
    }

    [Fact]
    public void Combine_leaves_out_steps_already_in_place()
    {
        var runner = new FakeRunner();
        var done = new Plan("done", "x", new[] { Step.Link("already", "host", new[] { "link", "set", "lo", "up" }, null, _ => true), Step.Link("to do", "host", new[] { "link", "set", "eth0", "up" }, null, _ => false) });
        var plan = PlanExecutor.Combine("all", "host", new[] { done, ApplianceLike(1) }, new KernelState(runner));
        Assert.DoesNotContain(plan.Steps, s => s.Description == "already");
        Assert.Contains(plan.Steps, s => s.Description == "to do");
    }

    [Fact]
    public void When_one_inputs_batch_fails_every_change_of_every_input_is_undone_in_reverse()
    {
        var runner = new FakeRunner
        {
            Fail = (c, input) => c.ToString() == "ip -n a2 -batch -" ? new CommandResult(2, string.Empty, "Error: ipv4: Address already assigned.\nCommand failed -:1\n") : null,
        };
        var state = new KernelState(runner);
        var plan = PlanExecutor.Combine("all", "host", new[] { ApplianceLike(1), ApplianceLike(2), ApplianceLike(3) }, state);
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(plan, state, _ => { }, CancellationToken.None));

        Assert.Equal("ip -n a2 addr add 172.24.4.3/16 dev eth0", error.Command.ToString());
        Assert.Equal(
            new[]
            {
                "ip -n host link del vl-a3", "ip -n host link del vl-a2", "ip -n host link del vl-a1",
                "ip netns delete a3", "ip netns delete a2", "ip netns delete a1",
                "ip netns exec host iptables -w -t filter -D VLAN-BRIDGES -j ACCEPT",
            },
            runner.Changes.SkipWhile(c => c.ToString() != "ip -n a2 -batch -").Skip(1).Select(c => c.ToString()));
    }

    [Fact]
    public void A_step_every_plan_ends_with_runs_once_after_all_of_them()
    {
        Plan Unplug(string port) => new($"unplug {port}", port, new[]
        {
            Step.Link($"mark {port}", "host", new[] { "link", "set", "dev", port, "alias", "x" }, null, null),
            Step.Link("shared last", "host", new[] { "link", "set", "dev", "br0", "up" }, null, null),
        });
        var plan = PlanExecutor.Combine("all", "host", new[] { Unplug("p1"), Unplug("p2"), Unplug("p3") }, new KernelState(new FakeRunner()));
        Assert.Equal(new[] { "mark p1", "mark p2", "mark p3", "shared last" }, plan.Steps.Select(s => s.Description));
    }

    [Fact]
    public void Shared_steps_in_different_orders_fall_back_to_one_plan_after_the_other()
    {
        var a = Step.Link("a", "host", new[] { "link", "set", "dev", "a", "up" }, null, null);
        var b = Step.Link("b", "host", new[] { "link", "set", "dev", "b", "up" }, null, null);
        var plan = PlanExecutor.Combine("all", "host", new[] { new Plan("1", "x", new[] { a, b }), new Plan("2", "x", new[] { b, a }) }, new KernelState(new FakeRunner()));
        Assert.Equal(new[] { "a", "b" }, plan.Steps.Select(s => s.Description));
    }

    private static Step Delete(string link) => Step.Link($"delete {link}", "host", new[] { "link", "del", link }, new[] { "link", "add", link, "type", "dummy" }, null);

    [Fact]
    public void A_run_of_link_deletions_goes_to_the_kernel_as_one_link_group_deletion()
    {
        var runner = new FakeRunner();
        var report = new PlanExecutor(runner, batch: true).Apply(
            new Plan("delete", "host", new[] { Step.Link("first", "host", new[] { "link", "set", "dev", "x", "down" }, null, null), Delete("a"), Delete("b"), Delete("c") }),
            new KernelState(runner),
            _ => { },
            CancellationToken.None);
        Assert.Equal(4, report.Applied.Count);
        Assert.Equal(
            "link set dev x down\nlink set dev a group 22092\nlink set dev b group 22092\nlink set dev c group 22092\nlink del group 22092\n",
            runner.Calls.Single(c => c.Input is not null).Input);
    }

    [Fact]
    public void When_a_link_of_a_group_deletion_is_missing_none_is_deleted_and_the_others_get_their_group_back()
    {
        var runner = new FakeRunner
        {
            // Line 3 puts b in the group: b is gone.
            Fail = (c, input) => input?.StartsWith("link set dev x", StringComparison.Ordinal) == true ? new CommandResult(1, string.Empty, "Cannot find device \"b\"\nCommand failed -:3\n") : null,
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(
            new Plan("delete", "host", new[] { Step.Link("first", "host", new[] { "link", "set", "dev", "x", "down" }, null, null), Delete("a"), Delete("b"), Delete("c") }),
            new KernelState(runner),
            _ => { },
            CancellationToken.None));

        Assert.Equal("ip -n host link del b", error.Command.ToString());

        // a was put in the group and is put back; no deletion happened, so nothing is re-created.
        Assert.Equal("link set dev a group default\n", runner.Calls[^1].Input);
        Assert.DoesNotContain(runner.Changes, c => c.Contains("link add", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failure_after_a_group_deletion_undoes_the_deleted_links()
    {
        var runner = new FakeRunner
        {
            // Lines 1-3 put a and b in the group and delete it; line 4 fails.
            Fail = (c, input) => input is not null ? new CommandResult(1, string.Empty, "Cannot find device \"x\"\nCommand failed -:4\n") : null,
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(
            new Plan("delete", "host", new[] { Delete("a"), Delete("b"), Step.Link("last", "host", new[] { "link", "set", "dev", "x", "down" }, null, null) }),
            new KernelState(runner),
            _ => { },
            CancellationToken.None));

        Assert.Equal("ip -n host link set dev x down", error.Command.ToString());
        Assert.Equal(new[] { "ip -n host link add b type dummy", "ip -n host link add a type dummy" }, runner.Changes.Skip(1));
    }

    [Fact]
    public void Deletions_of_rules_of_several_plans_in_one_chain_are_undone_at_the_positions_they_had_when_they_ran()
    {
        var runner = new FakeRunner("[]", "[{\"name\":\"host\"}]") { IptablesSave = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ONE\n-A FORWARD -j TWO\n-A FORWARD -j THREE\nCOMMIT\n" };
        Step Remove(string target) => Step.Firewall($"remove {target}", "host", "filter", new[] { "-D", "FORWARD", "-j", target }, new[] { "-A", "FORWARD", "-j", target }, null);
        var state = new KernelState(runner);

        // Each plan alone would put its rule back at its first position; run together, TWO is second
        // when it goes and THREE is first by then.
        var plan = PlanExecutor.Combine("all", "host", new[] { new Plan("1", "x", new[] { Remove("ONE") }), new Plan("2", "x", new[] { Remove("TWO") }), new Plan("3", "x", new[] { Remove("THREE"), Step.Link("fail", "host", new[] { "link", "set", "dev", "x", "up" }, null, null) }) }, state);
        runner.Fail = (c, input) => c.ToString().Contains("link set dev x", StringComparison.Ordinal) ? new CommandResult(1, string.Empty, "no") : null;
        Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(plan, state, _ => { }, CancellationToken.None));
        Assert.Equal(
            new[] { "ip netns exec host iptables -w -t filter -I FORWARD 1 -j THREE", "ip netns exec host iptables -w -t filter -I FORWARD 1 -j TWO", "ip netns exec host iptables -w -t filter -I FORWARD 1 -j ONE" },
            runner.Changes.Where(c => c.Contains("-I FORWARD", StringComparison.Ordinal)));
    }

    [Fact]
    public void Link_deletions_nothing_waits_for_are_held_back_to_the_end_of_a_combined_plan()
    {
        var plan = PlanExecutor.Combine(
            "all",
            "host",
            new[]
            {
                new Plan("1", "x", new[] { Delete("a") }),
                new Plan("2", "x", new[] { Step.Link("route", "host", new[] { "route", "add", "default", "via", "10.0.0.1" }, null, null), Delete("b") }),
                new Plan("3", "x", new[] { Step.Link("up", "host", new[] { "link", "set", "dev", "c", "up" }, null, null) }),
            },
            new KernelState(new FakeRunner()));
        Assert.Equal(new[] { "route", "up", "delete a", "delete b" }, plan.Steps.Select(s => s.Description));
    }

    [Fact]
    public void A_plan_ending_in_several_link_deletions_holds_all_of_them_back_so_they_join_the_last_group_deletion()
    {
        // A router ends with its two legs, a bridge with a firewall change and then its ports: the
        // router's first leg used to go at once (another deletion waited for it), so it was deleted
        // on its own, before the firewall, at the cost of a second unregistration (~35 ms at N=200).
        var state = new KernelState(new FakeRunner());
        var plans = new[]
        {
            new Plan("router", "x", new[] { Step.Link("move", "host", new[] { "link", "set", "dev", "up0", "up" }, null, null), Delete("router-br"), Delete("router-hl") }),
            new Plan("bridge", "x", new[] { Step.Firewall("rule", "host", "filter", new[] { "-D", "FORWARD", "-j", "X" }, new[] { "-A", "FORWARD", "-j", "X" }, null), Delete("vl-a1"), Delete("br0") }),
        };
        var plan = PlanExecutor.Combine("all", "host", plans, state);
        Assert.Equal(new[] { "move", "rule", "delete router-br", "delete vl-a1", "delete router-hl", "delete br0" }, plan.Steps.Select(s => s.Description));

        // On the command line the four end the last ip -batch as one group deletion.
        var runner = new FakeRunner();
        new PlanExecutor(runner, batch: true).Apply(plan, new KernelState(runner), _ => { }, CancellationToken.None);
        Assert.Equal(
            "link set dev router-br group 22092\nlink set dev vl-a1 group 22092\nlink set dev router-hl group 22092\nlink set dev br0 group 22092\nlink del group 22092\n",
            runner.Calls.Last(c => c.Input is not null).Input);
    }

    [Fact]
    public void The_undo_of_the_plans_last_atomic_deletions_is_never_worked_out_and_others_are_worked_out_before_they_run()
    {
        var runner = new FakeRunner();
        var worked = new List<string>();
        Step Lazy(string link) => Delete(link).WithUndo(() =>
        {
            worked.Add(link);
            return (new[] { new CommandLine("ip", "link", "add", link, "type", "dummy") }, null);
        });
        new PlanExecutor(runner, batch: true).Apply(new Plan("p", "x", new[] { Lazy("early"), Step.Link("up", "other", new[] { "link", "set", "dev", "x", "up" }, null, null), Lazy("a"), Lazy("b") }), new KernelState(runner), _ => { }, CancellationToken.None);
        Assert.Equal(new[] { "early" }, worked);
    }

    private static (PowerShellSession Session, FakeRunner Runner) OpenBatching()
    {
        var runner = new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"));
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: true, exists: _ => false)), runner);
    }

    [Fact]
    public void Connect_VlanAppliance_with_many_namespaces_reads_the_state_once_and_batches_per_namespace()
    {
        var (session, runner) = OpenBatching();
        using var _ = session;
        var output = session.Invoke("Connect-VlanAppliance -Namespace c1, c2, c3 -Create -Confirm:$false");
        Assert.Empty(session.Errors);

        // Three appliances with three different addresses of the namespace pool, in order.
        Assert.Equal(new[] { "172.24.4.2/16", "172.24.4.3/16", "172.24.4.4/16" }, output.Select(o => o.Properties["Cidr"].Value.ToString()));
        Assert.Equal(3, output.Select(o => o.Properties["MacAddress"].Value).Distinct().Count());

        // Every read ran once, however many appliances.
        var reads = runner.Calls.Where(c => RecordingRunner.IsRead(c.Command)).Select(c => c.Command.ToString()).ToArray();
        Assert.Equal(reads.Distinct().Count(), reads.Length);

        // The namespaces and the host's side in one ip -batch (the host here is the machine), then one per namespace.
        Assert.Equal(new[] { "ip -batch -", "ip -n c1 -batch -", "ip -n c2 -batch -", "ip -n c3 -batch -" }, runner.Changes.Where(c => !c.ToString().Contains("iptables", StringComparison.Ordinal)).Select(c => c.ToString()));
        var hostInput = runner.Calls.First(c => c.Command.ToString() == "ip -batch -").Input!;
        foreach (var n in new[] { "c1", "c2", "c3" })
        {
            Assert.Contains($"netns add {n}\nlink add vl-{n} type veth peer name eth0 address ", hostInput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Connect_VlanAppliance_with_one_address_for_many_namespaces_is_refused()
    {
        var (session, runner) = OpenBatching();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, "Connect-VlanAppliance -Namespace c1, c2 -Create -Address 172.24.4.9 -Confirm:$false", "AddressForMany", System.Management.Automation.ErrorCategory.InvalidArgument);
    }

    [Fact]
    public void Piped_appliances_get_their_forwards_in_one_plan_with_the_port_from_a_script_block()
    {
        var runner = new FakeRunner(PortForwardServiceTests.RouterLinks, "[{\"name\":\"router\"}]") { IptablesSave = FakeRunner.Fixture("iptables-save.forwards.txt") };
        using var session = PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: true, exists: _ => false));
        session.Invoke("""
            @([pscustomobject]@{ Name = 'w1'; Address = '172.24.4.3' }, [pscustomobject]@{ Name = 'w2'; Address = '172.24.4.4' }) |
                Add-VlanPortForward -Router router -ExternalPort { 8000 + [int] $_.Name.Substring(1) } -InternalPort 80 -Confirm:$false
            """);
        Assert.Empty(session.Errors);

        // Both forwards' nat rules in one transaction, their filter rules in another.
        var restores = runner.Calls.Where(c => c.Command.ToString().EndsWith("iptables-restore --noflush -w", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, restores.Length);
        Assert.Contains("--dport 8001 ", restores[0].Input, StringComparison.Ordinal);
        Assert.Contains("--dport 8002 ", restores[0].Input, StringComparison.Ordinal);
        var reads = runner.Calls.Take(runner.Calls.IndexOf(restores[0])).Where(c => RecordingRunner.IsRead(c.Command)).Select(c => c.Command.ToString()).ToArray();
        Assert.Equal(reads.Distinct().Count(), reads.Length);
    }

    [Fact]
    public void Two_piped_forwards_of_the_same_port_are_refused_for_the_second()
    {
        var runner = new FakeRunner(PortForwardServiceTests.RouterLinks, "[{\"name\":\"router\"}]") { IptablesSave = FakeRunner.Fixture("iptables-save.forwards.txt") };
        using var session = PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: true, exists: _ => false));
        session.Invoke("""
            @([pscustomobject]@{ Address = '172.24.4.3'; ExternalPort = '8001' }, [pscustomobject]@{ Address = '172.24.4.4'; ExternalPort = '8001' }) |
                Add-VlanPortForward -Router router -Confirm:$false
            """);
        Assert.Single(session.Errors);
        Assert.StartsWith("PortForwardExists,", session.Errors[0].FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(runner.Calls, c => c.Input?.Contains("172.24.4.3:8001", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(runner.Calls, c => c.Input?.Contains("172.24.4.4:8001", StringComparison.Ordinal) == true);
    }
}
