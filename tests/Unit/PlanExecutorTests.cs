using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

public class PlanExecutorTests
{
    private static Step LinkStep(string n, Func<KernelState, bool>? isDone = null) =>
        Step.Link($"step {n}", "ns1", new[] { "link", "add", n, "type", "bridge" }, new[] { "link", "del", n }, isDone);

    private static Plan Plan(params Step[] steps) => new("test plan", "target", steps);

    private static List<string> Log(out Action<string> log)
    {
        var lines = new List<string>();
        log = lines.Add;
        return lines;
    }

    [Fact]
    public void Steps_already_done_are_skipped_and_the_rest_run_in_order()
    {
        var runner = new FakeRunner();
        var lines = Log(out var log);
        var report = new PlanExecutor(runner, batch: false).Apply(
            Plan(LinkStep("a"), LinkStep("b", _ => true), LinkStep("c")), new KernelState(runner), log, CancellationToken.None);

        Assert.Equal(new[] { "ip -n ns1 link add a type bridge", "ip -n ns1 link add c type bridge" }, runner.Changes);
        Assert.Equal(runner.Changes, lines);
        Assert.Equal(new[] { "step b" }, report.Skipped.Select(s => s.Description));
        Assert.Equal(2, report.ProcessesStarted);
    }

    [Fact]
    public void A_rollback_that_undoes_a_step_it_cannot_put_back_exactly_says_what_is_lost()
    {
        var runner = new FakeRunner
        {
            Fail = (c, _) => c.Arguments.Contains("c") && c.Arguments.Contains("add") ? new CommandResult(2, string.Empty, "RTNETLINK answers: File exists\n") : null,
        };
        var stop = Step.Program("stop x", new CommandLine("kill", "-TERM", "42"), null, null).WithUndo(Array.Empty<CommandLine>(), "process 42 is not running again");
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: false).Apply(
            Plan(LinkStep("a"), stop, LinkStep("b"), LinkStep("c")), new KernelState(runner), _ => { }, CancellationToken.None));

        Assert.Equal(new[] { "ip -n ns1 link del b", "ip -n ns1 link del a" }, runner.Changes.Skip(4));
        Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
        Assert.Equal(new[] { "process 42 is not running again" }, error.Losses);
        Assert.Contains("not everything could be put back as it was: process 42 is not running again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_rule_splits_back_into_the_arguments_it_was_written_from()
    {
        string[] rule = ["-A", "VLAN-FORWARD", "-i", "lan0", "-m", "comment", "--comment", "virtuallan:forward/r 1/\"x\"", "-j", "ACCEPT"];
        Assert.Equal(rule, RestoreInput.Split(RestoreInput.Line(rule)));
        Assert.Equal(new[] { "-A", "X", "--comment", string.Empty, "-j", "DROP" }, RestoreInput.Split("-A X --comment \"\" -j DROP"));
    }

    [Fact]
    public void A_failing_step_undoes_the_applied_ones_in_reverse_and_names_command_exit_code_and_stderr()
    {
        var runner = new FakeRunner
        {
            Fail = (c, _) => c.Arguments.Contains("c") && c.Arguments.Contains("add") ? new CommandResult(2, string.Empty, "RTNETLINK answers: File exists\n") : null,
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: false).Apply(
            Plan(LinkStep("a"), LinkStep("b"), LinkStep("c"), LinkStep("d")), new KernelState(runner), _ => { }, CancellationToken.None));

        Assert.Equal(
            new[]
            {
                "ip -n ns1 link add a type bridge", "ip -n ns1 link add b type bridge", "ip -n ns1 link add c type bridge",
                "ip -n ns1 link del b", "ip -n ns1 link del a",
            },
            runner.Changes);
        Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
        Assert.Equal("ip -n ns1 link add c type bridge", error.Command.ToString());
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("File exists", error.Message, StringComparison.Ordinal);
        Assert.Contains("ip -n ns1 link add c type bridge", error.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Undone.Count);
    }

    [Fact]
    public void A_failing_undo_is_reported_as_RollbackIncomplete_with_the_commands_left()
    {
        var runner = new FakeRunner
        {
            Fail = (c, _) => c.Arguments.Contains("c") || c.ToString() == "ip -n ns1 link del a" ? new CommandResult(1, string.Empty, "boom") : null,
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: false).Apply(
            Plan(LinkStep("a"), LinkStep("b"), LinkStep("c")), new KernelState(runner), _ => { }, CancellationToken.None));

        Assert.Equal(ErrorIds.RollbackIncomplete, error.ErrorId);
        Assert.Equal(VlanErrorKind.RollbackFailed, error.Kind);
        Assert.Contains("ip -n ns1 link del a", Assert.Single(error.RollbackFailures), StringComparison.Ordinal);
        Assert.Contains("by hand", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batching_sends_consecutive_link_steps_of_one_namespace_to_one_ip_batch()
    {
        var runner = new FakeRunner();
        var other = Step.Link("other ns", "ns2", new[] { "link", "set", "dev", "lo", "up" }, null, null);
        var program = Step.Program("a program", new CommandLine("ip", "netns", "add", "x"), null, null);
        var lines = Log(out var log);
        var report = new PlanExecutor(runner, batch: true).Apply(
            Plan(LinkStep("a"), LinkStep("b"), other, program, LinkStep("c")), new KernelState(runner), log, CancellationToken.None);

        Assert.Equal(
            new[] { "ip -n ns1 -batch -", "ip -n ns2 link set dev lo up", "ip netns add x", "ip -n ns1 link add c type bridge" },
            runner.Changes);
        Assert.Equal("link add a type bridge\nlink add b type bridge\n", runner.Calls.First(c => c.Input is not null).Input);
        Assert.Equal(4, report.ProcessesStarted);
        Assert.Equal(5, lines.Count);
    }

    [Fact]
    public void A_failing_line_in_an_ip_batch_undoes_only_the_lines_before_it()
    {
        var runner = new FakeRunner
        {
            Fail = (c, input) => input is not null ? new CommandResult(1, string.Empty, "RTNETLINK answers: File exists\nCommand failed -:3\n") : null,
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(
            Plan(LinkStep("a"), LinkStep("b"), LinkStep("c"), LinkStep("d")), new KernelState(runner), _ => { }, CancellationToken.None));

        Assert.Equal("ip -n ns1 link add c type bridge", error.Command.ToString());
        Assert.Equal(new[] { "ip -n ns1 -batch -", "ip -n ns1 link del b", "ip -n ns1 link del a" }, runner.Changes);
    }

    [Fact]
    public void A_batch_that_ends_without_naming_its_line_is_read_back_and_what_ran_is_undone()
    {
        // ip exits at once on a line it cannot parse ("Unterminated quoted string", a bad value),
        // with no "Command failed -:N", after the lines before it ran: here a and b.
        var runner = new FakeRunner("[]", "[{\"name\":\"ns1\"}]");
        runner.Fail = (c, input) =>
        {
            if (input is null)
            {
                return null;
            }

            runner.LinksJson = "[{\"ifindex\":7,\"ifname\":\"a\"},{\"ifindex\":8,\"ifname\":\"b\"}]";
            return new CommandResult(255, string.Empty, "Unterminated quoted string\n");
        };
        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(runner, batch: true).Apply(
            Plan(LinkStep("a", s => s.Links("ns1").Link("a") is not null), LinkStep("b", s => s.Links("ns1").Link("b") is not null), LinkStep("c", s => s.Links("ns1").Link("c") is not null)),
            new KernelState(runner),
            _ => { },
            CancellationToken.None));

        Assert.Equal(new[] { "ip -n ns1 -batch -", "ip -n ns1 link del b", "ip -n ns1 link del a" }, runner.Changes);
        Assert.DoesNotContain("Nothing had been changed", error.Message, StringComparison.Ordinal);
        Assert.Contains("read back from the kernel", error.Message, StringComparison.Ordinal);
        Assert.Contains("The 2 change(s) made before it were undone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_whose_argument_a_batch_cannot_say_runs_on_its_own_with_the_argument_as_it_is()
    {
        var runner = new FakeRunner();
        var alias = Step.Link("alias", "ns1", new[] { "link", "set", "dev", "uplink0", "alias", "ISP #1" }, null, null);
        new PlanExecutor(runner, batch: true).Apply(Plan(LinkStep("a"), alias, LinkStep("b"), LinkStep("c")), new KernelState(runner), _ => { }, CancellationToken.None);

        Assert.Equal(new[] { "ip -n ns1 link add a type bridge", "ip -n ns1 link set dev uplink0 alias 'ISP #1'", "ip -n ns1 -batch -" }, runner.Changes);
        Assert.Equal("ISP #1", runner.Calls.Single(c => c.Command.Arguments.Contains("alias")).Command.Arguments[^1]);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "\"\"")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("it's", "it's")]
    [InlineData("it's here", "\"it's here\"")]
    [InlineData("'quoted'", "\"'quoted'\"")]
    [InlineData("\"q\"", "'\"q\"'")]
    [InlineData("back\\slash", "back\\slash")]
    [InlineData("ends\\", "\"ends\\\"")]
    [InlineData("tab\there", "\"tab\there\"")]
    [InlineData("café ☕", "\"café ☕\"")]
    public void Batch_quoting_writes_what_iproute2_reads_back(string argument, string expected) =>
        Assert.Equal(expected, IpBatch.Quote(argument));

    [Theory]
    [InlineData("ISP #1")]
    [InlineData("wan#1")]
    [InlineData("two\nlines")]
    [InlineData("both \" and '")]
    public void Arguments_a_batch_cannot_say_are_recognised(string argument) =>
        Assert.False(IpBatch.CanExpress(argument));

    [Fact]
    public void A_line_that_starts_with_an_option_never_goes_into_a_batch_which_reads_objects_only()
    {
        Assert.False(IpBatch.CanExpress(["-4", "addr", "flush", "dev", "va1"]));
        Assert.True(IpBatch.CanExpress(["addr", "flush", "dev", "-4"]));
        var flush = new VirtualLan.Operations.FlushAddresses("ns1", "va1").ToStep("flush");
        var up = new VirtualLan.Operations.SetLinkState("ns1", "va1").ToStep("up");
        Assert.False(new CommandLineBackend(new FakeRunner()).CanBatch(up, flush));
    }

    [Fact]
    public void Firewall_steps_go_to_one_iptables_restore_transaction_per_namespace_and_table()
    {
        var runner = new FakeRunner();
        var rule1 = Step.Firewall("r1", "ns1", "filter", new[] { "-A", "VLAN-FWD", "-m", "comment", "--comment", "owner one", "-j", "ACCEPT" }, new[] { "-D", "VLAN-FWD", "-j", "ACCEPT" }, null);
        var rule2 = Step.Firewall("r2", "ns1", "filter", new[] { "-P", "FORWARD", "DROP" }, new[] { "-P", "FORWARD", "ACCEPT" }, null);
        var nat = Step.Firewall("r3", "ns1", "nat", new[] { "-A", "POSTROUTING", "-j", "MASQUERADE" }, null, null);
        new PlanExecutor(runner, batch: true).Apply(Plan(rule1, rule2, nat), new KernelState(runner), _ => { }, CancellationToken.None);

        // One transaction per table (iptables-restore commits each table on its own); policies go
        // first, as chain lines; the nat step alone goes as a plain iptables call.
        Assert.Equal(new[] { "ip netns exec ns1 iptables-restore --noflush -w", "ip netns exec ns1 iptables -w -t nat -A POSTROUTING -j MASQUERADE" }, runner.Changes);
        Assert.Equal("*filter\n:FORWARD DROP [0:0]\n-A VLAN-FWD -m comment --comment \"owner one\" -j ACCEPT\nCOMMIT\n", runner.Calls[0].Input);
    }

    [Fact]
    public void Interleaved_tables_are_grouped_per_table_keeping_each_tables_order()
    {
        var runner = new FakeRunner();
        Step Rule(string table, string chain) => Step.Firewall(chain, "ns1", table, new[] { "-A", chain, "-j", "ACCEPT" }, null, null);
        new PlanExecutor(runner, batch: true).Apply(
            Plan(Rule("filter", "F1"), Rule("nat", "N1"), Rule("filter", "F2"), Rule("nat", "N2")), new KernelState(runner), _ => { }, CancellationToken.None);
        Assert.Equal(
            new[] { "*filter\n-A F1 -j ACCEPT\n-A F2 -j ACCEPT\nCOMMIT\n", "*nat\n-A N1 -j ACCEPT\n-A N2 -j ACCEPT\nCOMMIT\n" },
            runner.Calls.Select(c => c.Input));
    }

    [Fact]
    public void A_single_firewall_step_goes_as_a_plain_iptables_call()
    {
        var runner = new FakeRunner();
        var nat = Step.Firewall("r3", "ns1", "nat", new[] { "-A", "POSTROUTING", "-j", "MASQUERADE" }, null, null);
        new PlanExecutor(runner, batch: true).Apply(Plan(nat), new KernelState(runner), _ => { }, CancellationToken.None);
        Assert.Equal(new[] { "ip netns exec ns1 iptables -w -t nat -A POSTROUTING -j MASQUERADE" }, runner.Changes);
    }

    [Fact]
    public void Firewall_steps_one_by_one_use_iptables_with_wait()
    {
        var step = Step.Firewall("r", "ns1", "nat", new[] { "-A", "POSTROUTING", "-j", "MASQUERADE" }, new[] { "-D", "POSTROUTING", "-j", "MASQUERADE" }, null);
        Assert.Equal("ip netns exec ns1 iptables -w -t nat -A POSTROUTING -j MASQUERADE", step.Command.ToString());
        Assert.Equal("ip netns exec ns1 iptables -w -t nat -D POSTROUTING -j MASQUERADE", step.UndoCommand!.ToString());
    }

    [Fact]
    public void Stopping_between_steps_undoes_what_was_done()
    {
        using var stop = new CancellationTokenSource();
        var runner = new FakeRunner();
        runner.Fail = (c, _) =>
        {
            if (c.Arguments.Contains("b"))
            {
                stop.Cancel();
            }

            return null;
        };
        var error = Assert.Throws<VlanException>(() => new PlanExecutor(runner, batch: false).Apply(
            Plan(LinkStep("a"), LinkStep("b"), LinkStep("c")), new KernelState(runner), _ => { }, stop.Token));

        Assert.Equal(ErrorIds.OperationStopped, error.ErrorId);
        Assert.Equal(
            new[] { "ip -n ns1 link add a type bridge", "ip -n ns1 link add b type bridge", "ip -n ns1 link del b", "ip -n ns1 link del a" },
            runner.Changes);
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("has space", "'has space'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(reboot)", "'$(reboot)'")]
    [InlineData("", "''")]
    public void Display_quoting_is_shell_safe(string argument, string expected) =>
        Assert.Equal(expected, CommandLine.Quote(argument));
}
