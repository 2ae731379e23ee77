using System.Text.Json;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 14, hole 5: what the module writes through ip -batch comes back as it was, whatever a link
/// alias holds (quotes, backslashes, '#', spaces, UTF-8), and a batch that ends without naming the
/// line that failed is undone from what the kernel shows.
/// </summary>
[Collection(KernelCollection.Name)]
public class QuotingTests
{
    private static string? Alias(string ns, string link)
    {
        using var json = JsonDocument.Parse(Kernel.Must("ip", "-n", ns, "-json", "link", "show", "dev", link));
        return json.RootElement[0].TryGetProperty("ifalias", out var alias) ? alias.GetString() : null;
    }

    /// <summary>Every printable ASCII character alone, between words, and before a trailing backslash; UTF-8; both quotes at once.</summary>
    private static IEnumerable<string> Aliases()
    {
        for (var c = ' '; c <= '~'; c++)
        {
            yield return c.ToString();
            yield return $"a{c} b";
            yield return $"{c}x\\";
        }

        yield return "café ☕ Ω";
        yield return "say \"hi\" it's";
        yield return "'single' \"double\"";
        yield return "ISP #1";
        yield return "\\";
        yield return "tab\there";
    }

    [KernelFact]
    public void Every_character_an_alias_may_hold_goes_through_a_batch_and_back()
    {
        using var sandbox = new TestSandbox();
        var ns = sandbox.Name;
        foreach (var link in new[] { "q0", "q1", "q2" })
        {
            Kernel.Must("ip", "-n", ns, "link", "add", link, "type", "bridge");
        }

        var executor = new PlanExecutor(sandbox.Runner, batch: true);
        var wrong = new List<string>();
        foreach (var alias in Aliases())
        {
            // Three steps of one namespace: one ip -batch, unless the alias cannot be said in one.
            var steps = new[] { "q0", "q1", "q2" }
                .Select(link => Step.Link("alias", ns, ["link", "set", "dev", link, "alias", alias], null, null))
                .ToArray();
            sandbox.Runner.Commands.Clear();
            executor.Apply(new Plan("alias", "q0", steps), new KernelState(sandbox.Runner), _ => { }, CancellationToken.None);
            Assert.Equal(IpBatch.CanExpress(alias), sandbox.Runner.Commands.Any(c => c.Command.Arguments.Contains("-batch")));
            foreach (var link in new[] { "q0", "q1", "q2" })
            {
                var back = Alias(ns, link);
                if (back != alias)
                {
                    wrong.Add($"{link}: [{alias}] came back as [{back}]");
                }
            }
        }

        Assert.Empty(wrong);

        // The netlink backend sends an alias's bytes as they are: every one comes back too.
        var netlink = new PlanExecutor(new VirtualLan.Netlink.NetlinkBackend(sandbox.Runner), sandbox.Runner, batch: true);
        foreach (var alias in Aliases())
        {
            var steps = new[] { "q0", "q1", "q2" }.Select(link => new VirtualLan.Operations.SetAlias(ns, link, alias).ToStep("alias")).ToArray();
            netlink.Apply(new Plan("alias", "q0", steps), new KernelState(sandbox.Runner), _ => { }, CancellationToken.None);
            wrong.AddRange(new[] { "q0", "q1", "q2" }.Where(link => Alias(ns, link) != alias).Select(link => $"netlink, {link}: [{alias}] came back as [{Alias(ns, link)}]"));
        }

        Assert.Empty(wrong);
    }

    [KernelTheory]
    [InlineData("ISP #1")]
    [InlineData("wan#1")]
    [InlineData("say \"hi\"")]
    [InlineData("C:\\wan \\")]
    public void An_uplink_alias_with_quotes_or_hash_comes_back_after_the_router_is_removed(string alias)
    {
        using var world = new World();
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "dev", World.Uplink, "alias", alias);
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
        Assert.Empty(world.Session.Errors);
        world.Session.Invoke("Remove-VlanRouterNamespace router -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(alias, Alias(world.Sandbox.Name, World.Uplink));
        Assert.True(Kernel.Ping(world.Sandbox.Name, World.InternetHost), "the uplink reaches the internet again");
    }

    [KernelFact]
    public void An_adapter_aliased_with_a_hash_is_plugged_in_and_given_its_alias_back()
    {
        using var world = new World();
        var ns = world.Sandbox.Name;
        Kernel.Must("ip", "-n", ns, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "vbox1");
        Kernel.Must("ip", "-n", ns, "link", "set", "dev", "vboxnet0", "alias", "vbox #0 \"host-only\"");
        world.Session.Invoke("New-VlanBridge | Out-Null; Connect-VlanAppliance -Interface vboxnet0 | Out-Null");
        Assert.Empty(world.Session.Errors);
        Assert.Equal("virtualnet0", Kernel.Must("ip", "-n", ns, "-o", "link", "show", "dev", "vboxnet0").Split(' ').SkipWhile(w => w != "master").Skip(1).First());
        world.Session.Invoke("Disconnect-VlanAppliance vboxnet0");
        Assert.Empty(world.Session.Errors);
        Assert.Equal("vbox #0 \"host-only\"", Alias(ns, "vboxnet0"));
    }

    [KernelFact]
    public void A_batch_line_ip_cannot_parse_after_lines_that_ran_is_undone_and_not_called_nothing_changed()
    {
        using var sandbox = new TestSandbox();
        var ns = sandbox.Name;
        var before = Kernel.Snapshot(ns);
        var steps = new[]
        {
            Step.Link("make p0", ns, ["link", "add", "p0", "type", "bridge"], ["link", "del", "p0"], s => s.Links(ns).Link("p0") is not null),
            Step.Link("make p1", ns, ["link", "add", "p1", "type", "bridge"], ["link", "del", "p1"], s => s.Links(ns).Link("p1") is not null),

            // ip exits on a value it cannot parse, without "Command failed -:N".
            Step.Link("bad mtu", ns, ["link", "set", "dev", "p1", "mtu", "lots"], null, null),
        };

        var error = Assert.Throws<CommandFailedException>(() => new PlanExecutor(sandbox.Runner, batch: true)
            .Apply(new Plan("test", "p0", steps), new KernelState(sandbox.Runner), _ => { }, CancellationToken.None));

        Assert.DoesNotContain("-:", error.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing had been changed", error.Message, StringComparison.Ordinal);
        Assert.Contains("The 2 change(s) made before it were undone", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Kernel.Snapshot(ns));
    }
}
