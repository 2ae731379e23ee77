using System.Management.Automation;
using VirtualLan.Completers;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// The completers' shared filtering and quoting, and completion through TabExpansion2 in a real
/// runspace on a captured kernel (no root): what is offered, and that a failed read offers nothing.
/// </summary>
public class CompleterTests
{
    private static readonly string Capture = FakeRunner.Fixture("ip-d-j-addr-show.bridge-veth-docker.json");

    private static readonly CompletionCandidate[] Names =
    {
        new("virtualnet0", "Bridge virtualnet0"),
        new("docker0", "Bridge docker0"),
        new("Vlan2", "Bridge Vlan2"),
        new("odd$br", "Bridge odd$br"),
        new("virtualnet0", "a second virtualnet0"),
    };

    [Theory]
    [InlineData("virtualnet0", null, "virtualnet0")]
    [InlineData("lab.c1", null, "lab.c1")]
    [InlineData("filter:FORWARD", null, "filter:FORWARD")]
    [InlineData("9000-9002", null, "9000-9002")]
    [InlineData("odd$br", null, "'odd$br'")]
    [InlineData("my ns", null, "'my ns'")]
    [InlineData("it's", null, "'it''s'")]
    [InlineData("a(1)", null, "'a(1)'")]
    [InlineData("x;y", null, "'x;y'")]
    [InlineData("-x", null, "'-x'")]
    [InlineData("c1", '\'', "'c1'")]
    [InlineData("c1", '"', "\"c1\"")]
    [InlineData("x$y", '"', "\"x`$y\"")]
    [InlineData("a\"b`c", '"', "\"a`\"b``c\"")]
    public void A_name_is_quoted_only_when_PowerShell_would_not_read_it_as_one_word(string name, char? quote, string expected) =>
        Assert.Equal(expected, VlanCompleter.Quote(name, quote));

    [Theory]
    [InlineData("", "")]
    [InlineData("vi", "vi")]
    [InlineData("'od", "od")]
    [InlineData("\"od", "od")]
    [InlineData("'it''s'", "it's")]
    [InlineData("\"c1\"", "c1")]
    public void The_typed_word_is_matched_without_its_quotes(string word, string typed) =>
        Assert.Equal(typed, VlanCompleter.Unquote(word));

    [Fact]
    public void Candidates_are_filtered_by_prefix_ignoring_case_sorted_each_once_and_keep_their_tooltip()
    {
        var all = VlanCompleter.Select(Names, string.Empty);
        Assert.Equal(new[] { "docker0", "'odd$br'", "virtualnet0", "Vlan2" }, all.Select(c => c.CompletionText));
        Assert.Equal("Bridge virtualnet0", all.Single(c => c.ListItemText == "virtualnet0").ToolTip);
        Assert.All(all, c => Assert.Equal(CompletionResultType.ParameterValue, c.ResultType));

        Assert.Equal(new[] { "virtualnet0", "Vlan2" }, VlanCompleter.Select(Names, "v").Select(c => c.CompletionText));
        Assert.Equal(new[] { "virtualnet0", "Vlan2" }, VlanCompleter.Select(Names, "V").Select(c => c.CompletionText));
        Assert.Equal(new[] { "Vlan2" }, VlanCompleter.Select(Names, "vL").Select(c => c.CompletionText));
        Assert.Empty(VlanCompleter.Select(Names, "x"));

        var odd = Assert.Single(VlanCompleter.Select(Names, "'OD"));
        Assert.Equal("'odd$br'", odd.CompletionText);
        Assert.Equal("odd$br", odd.ListItemText);
        Assert.Equal("\"odd`$br\"", Assert.Single(VlanCompleter.Select(Names, "\"o")).CompletionText);
        Assert.Equal("'docker0'", Assert.Single(VlanCompleter.Select(Names, "'d")).CompletionText);
    }

    [Fact]
    public void Tab_offers_the_bridges_VirtualLan_made_and_every_bridge_with_All_or_Force()
    {
        using var session = Open(new FakeRunner(Capture));
        var bridge = Assert.Single(session.Complete("Get-VlanBridge -Name "));
        Assert.Equal("virtualnet0", bridge.CompletionText);
        Assert.Equal("Bridge virtualnet0 172.24.0.1/16, 1 port(s)", bridge.ToolTip);
        Assert.Equal(new[] { "docker0", "virtualnet0" }, session.CompleteTexts("Get-VlanBridge -All -Name "));
        Assert.Equal(new[] { "docker0" }, session.CompleteTexts("Remove-VlanBridge -Force D"));
        Assert.Equal(new[] { "virtualnet0" }, session.CompleteTexts("Remove-VlanBridge "));
        Assert.Equal(new[] { "'virtualnet0'" }, session.CompleteTexts("Connect-VlanAppliance -Namespace c1 -Bridge 'v"));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public void Tab_offers_as_uplink_only_links_that_are_no_bridge_port_bridge_or_lo()
    {
        using var session = Open(new FakeRunner(Capture));
        var links = session.Complete("Enable-VlanHostNat -Uplink ");
        Assert.Equal(new[] { "vbox-peer", "vboxnet0" }, links.Select(l => l.CompletionText));
        Assert.Equal("veth link vboxnet0, down, no IPv4 address", links[1].ToolTip);
        Assert.Equal(new[] { "vboxnet0" }, session.CompleteTexts("Connect-VlanAppliance -Interface vboxn"));
        Assert.Empty(session.CompleteTexts("Connect-VlanAppliance -Tap "));
    }

    [Fact]
    public void A_read_that_fails_offers_nothing_and_writes_no_error()
    {
        var runner = new FakeRunner(Capture) { Respond = _ => new CommandResult(1, string.Empty, "Operation not permitted") };
        using var session = Open(runner);
        foreach (var line in new[] { "Get-VlanBridge -Name ", "Disconnect-VlanAppliance ", "Add-VlanRouterNamespace -Uplink ", "Enter-VlanSandbox ", "Get-VlanIptablesTrace -Chain ", "Connect-VlanAppliance -Container " })
        {
            Assert.Empty(session.Complete(line));
            Assert.Empty(session.Errors);
        }

        Assert.NotEmpty(runner.Calls);
    }

    [Fact]
    public void Docker_names_come_from_one_listing_each()
    {
        var runner = new FakeRunner(Capture)
        {
            Respond = c => c.Program != "docker" ? null
                : c.Arguments[0] == "container" ? new CommandResult(0, "{\"ID\":\"a1\",\"Image\":\"busybox\",\"Names\":\"c1\",\"Status\":\"Up 2 minutes\"}\n{\"ID\":\"b2\",\"Image\":\"nginx\",\"Names\":\"web\",\"Status\":\"Up 1 second\"}\n", string.Empty)
                : new CommandResult(0, "{\"ID\":\"0123456789ab\",\"Internal\":\"true\",\"Name\":\"docker_custom\",\"Driver\":\"bridge\"}\n{\"ID\":\"ba9876543210\",\"Internal\":\"false\",\"Name\":\"bridge\",\"Driver\":\"bridge\"}\n", string.Empty),
        };
        using var session = Open(runner);
        var containers = session.Complete("Connect-VlanAppliance -Container ");
        Assert.Equal(new[] { "c1", "web" }, containers.Select(c => c.CompletionText));
        Assert.Equal("Docker container c1 (busybox, Up 2 minutes)", containers[0].ToolTip);
        var networks = session.Complete("Connect-VlanAppliance -DockerNetwork d");
        Assert.Equal("docker_custom", Assert.Single(networks).CompletionText);
        Assert.Equal("Docker bridge network docker_custom, internal, id 0123456789ab", networks[0].ToolTip);
        Assert.Equal(2, runner.Calls.Count(c => c.Command.Program == "docker"));
        Assert.Contains(runner.Calls, c => c.Command.ToString() == "docker network ls --filter driver=bridge --format '{{json .}}'");
    }

    [Fact]
    public void The_docker_CLI_JSON_lines_are_read_field_by_field()
    {
        var rows = Docker.ParseJsonLines("{\"Names\":\"c1\",\"Image\":\"busybox\"}\n\n{\"Names\":\"c 2\",\"Size\":3}\n");
        Assert.Equal(2, rows.Count);
        Assert.Equal("busybox", rows[0]["Image"]);
        Assert.Equal("c 2", rows[1]["Names"]);
        Assert.Equal("3", rows[1]["Size"]);
    }

    private static PowerShellSession Open(FakeRunner runner) =>
        PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false));
}
