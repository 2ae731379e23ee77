using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>Connect/Get/Disconnect-VlanAppliance in a real runspace on a fake kernel: parameter sets, -WhatIf and errors.</summary>
public class ApplianceCmdletTests
{
    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))
        {
            Respond = c => c.Program == "docker"
                ? new CommandResult(1, string.Empty, $"Error: No such {(c.Arguments[0] == "network" ? "network" : "container")}: {c.Arguments[^1]}")
                : null,
        };
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, exists: _ => false)), runner);
    }

    /// <summary>Runs a script with -WhatIf, asserts it wrote no error and changed nothing, and returns what it showed.</summary>
    private static string WhatIf(PowerShellSession session, FakeRunner runner, string script)
    {
        session.Invoke(script + " -WhatIf");
        Assert.True(session.Errors.Count == 0, string.Join("\n", session.Errors));
        Assert.Empty(runner.Changes);
        return string.Join("\n", session.Host.Lines);
    }

    [Fact]
    public void WhatIf_shows_seed_004s_commands_for_a_namespace_and_runs_none()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Get-VlanBridge virtualnet0 | Connect-VlanAppliance -Namespace c1 -Create -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("  ip netns add c1", text, StringComparison.Ordinal);
        Assert.Matches(@"  ip link add vl-c1 type veth peer name eth0 address 52:54:00(:[0-9a-f]{2}){3} netns c1", text);
        Assert.Contains("  ip link set dev vl-c1 master virtualnet0 up", text, StringComparison.Ordinal);
        Assert.Contains("  ip -n c1 addr add 172.24.4.2/16 dev eth0", text, StringComparison.Ordinal);
        Assert.Contains("  ip -n c1 route add default via 172.24.0.1 dev eth0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatIf_for_a_new_tap_creates_it_owned_by_the_user_and_takes_the_QEMU_pool()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Connect-VlanAppliance -Tap qemutap0 -TapOwner alice -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.Contains("  ip tuntap add dev qemutap0 mode tap user alice", text, StringComparison.Ordinal);
        Assert.Contains("addr=172.24.2.2%2F16", text, StringComparison.Ordinal);
    }

    private static (PowerShellSession Session, FakeRunner Runner) OpenWithDockerNetwork(params string[] forward) => OpenWithDockerNetwork(connected: false, forward);

    private static (PowerShellSession Session, FakeRunner Runner) OpenWithDockerNetwork(bool connected, params string[] forward)
    {
        var links = System.Text.Json.Nodes.JsonNode.Parse(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))!.AsArray();
        if (connected)
        {
            var port = links.Single(l => (string?)l!["ifname"] == "wan0")!.DeepClone();
            port["ifname"] = "vl-n881b070752a";
            port["ifindex"] = 91;
            port["master"] = "virtualnet0";
            port["ifalias"] = "virtuallan:appliance bridge=virtualnet0 caddrs= daddrs=172.18.0.1%2F16 dbr=br-881b070752a9 gw=172.24.0.1 kind=DockerNetwork name=docker_custom peer=vl-p881b070752a";
            links.Add(port);
        }

        var dockerBridge = links.Single(l => (string?)l!["ifname"] == "virtualnet0")!.DeepClone();
        dockerBridge["ifname"] = "br-881b070752a9";
        dockerBridge["ifindex"] = 90;
        dockerBridge["address"] = "02:42:ac:12:00:01";
        dockerBridge.AsObject().Remove("ifalias");
        dockerBridge["addr_info"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"family":"inet","local":"172.18.0.1","prefixlen":16,"scope":"global","label":"br-881b070752a9"}]""");
        links.Add(dockerBridge);
        var runner = new FakeRunner(links.ToJsonString())
        {
            IptablesSave = string.Join("\n", new[] { "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":DOCKER-ISOLATION-STAGE-1 - [0:0]", ":DOCKER-USER - [0:0]" }
                .Concat(forward)
                .Concat(new[] { "-A DOCKER-ISOLATION-STAGE-1 -j RETURN", "-A DOCKER-USER -j RETURN", "COMMIT", string.Empty })),
            Respond = c => c.Program != "docker" ? null
                : c.Arguments[0] == "network" ? new CommandResult(0, FakeRunner.Fixture("docker-network-inspect.internal.json"), string.Empty)
                : new CommandResult(0, FakeRunner.Fixture("docker-container-inspect.json"), string.Empty),
        };
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, exists: _ => false)), runner);
    }

    [Fact]
    public void WhatIf_for_a_Docker_network_lets_the_LAN_through_DOCKER_USER_and_adds_no_jump_while_Dockers_is_first()
    {
        var (session, runner) = OpenWithDockerNetwork("-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1");
        using var _ = session;
        var text = WhatIf(session, runner, "Connect-VlanAppliance -DockerNetwork docker_custom");
        Assert.Contains("-I DOCKER-USER -i br-881b070752a9 -o br-881b070752a9 -m comment --comment virtuallan:appliance/docker_custom -j ACCEPT", text, StringComparison.Ordinal);
        Assert.Contains("addr del 172.18.0.1/16 dev br-881b070752a9", text, StringComparison.Ordinal);
        Assert.DoesNotContain("docker-user-first", text, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_dockerd_restart_moved_the_isolation_jump_on_top_the_modules_jump_is_moved_back_not_added_twice()
    {
        // What Docker 20.10 leaves after a live-restore restart that followed an earlier repair (moby/moby#48560).
        var (session, runner) = OpenWithDockerNetwork(
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER",
            "-A FORWARD -j DOCKER-USER");
        using var _ = session;
        var lines = WhatIf(session, runner, "Connect-VlanAppliance -DockerNetwork docker_custom").Split('\n').Where(l => l.Contains("docker-user-first", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("-D FORWARD -m comment --comment virtuallan:docker-user-first -j DOCKER-USER", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("-I FORWARD 1 -m comment --comment virtuallan:docker-user-first -j DOCKER-USER", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Disconnect_removes_every_copy_of_the_modules_jump()
    {
        var (session, runner) = OpenWithDockerNetwork(
            connected: true,
            "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER",
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER",
            "-A FORWARD -j DOCKER-USER",
            "-A DOCKER-USER -i br-881b070752a9 -o br-881b070752a9 -m comment --comment \"virtuallan:appliance/docker_custom\" -j ACCEPT");
        using var _ = session;
        var text = WhatIf(session, runner, "Disconnect-VlanAppliance docker_custom");
        Assert.Equal(2, text.Split('\n').Count(l => l.EndsWith("-D FORWARD -m comment --comment virtuallan:docker-user-first -j DOCKER-USER", StringComparison.Ordinal)));
        Assert.Contains("-D DOCKER-USER -i br-881b070752a9 -o br-881b070752a9 -m comment --comment virtuallan:appliance/docker_custom -j ACCEPT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_modules_jump_already_on_top_is_left_alone()
    {
        var (session, runner) = OpenWithDockerNetwork(
            "-A FORWARD -m comment --comment \"virtuallan:docker-user-first\" -j DOCKER-USER",
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -j DOCKER-USER");
        using var _ = session;
        Assert.DoesNotContain("docker-user-first", WhatIf(session, runner, "Connect-VlanAppliance -DockerNetwork docker_custom"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connect-VlanAppliance -Namespace nosuch", "NamespaceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Container nosuch", "ContainerNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -DockerNetwork nosuch", "DockerNetworkNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Interface nosuch0", "InterfaceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Interface virtualnet0", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Interface lo", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Tap uplink0", "InterfaceInvalid", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 10.9.9.9", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.0.1", "AddressNotFree", ErrorCategory.ResourceExists)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.4.2/24", "AddressOutsideSubnet", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address fd00::2", "IPv6NotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Address 172.24.4", "InvalidAddress", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace 'c/1' -Create", "InvalidNamespaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Container 'web;reboot'", "InvalidName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Tap 'tap 0'", "InvalidInterfaceName", ErrorCategory.InvalidArgument)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Create -Bridge nosuch", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Connect-VlanAppliance -Namespace c1 -Tap qemutap0", "AmbiguousParameterSet", ErrorCategory.InvalidArgument)]
    [InlineData("Get-VlanAppliance nosuch", "ApplianceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Disconnect-VlanAppliance nosuch", "ApplianceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Set-VlanAppliance nosuch -Gateway 172.24.0.1", "ApplianceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Set-VlanAppliance c1, c2 -Address 172.24.4.9", "AddressForMany", ErrorCategory.InvalidArgument)]
    [InlineData("Set-VlanAppliance c1 -Gateway 255.255.255.255", "InvalidAddress", ErrorCategory.InvalidArgument)]
    [InlineData("Set-VlanBridge nosuch -Mtu 1400", "BridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Set-VlanBridge -Mtu 10", "InvalidMtu", ErrorCategory.InvalidArgument)]
    [InlineData("Set-VlanBridge -Address 172.24.0.1", "InvalidCidr", ErrorCategory.InvalidArgument)]
    public void Bad_input_gets_a_stable_id_and_category_and_changes_nothing(string script, string id, ErrorCategory category)
    {
        var (session, runner) = Open();
        using var _ = session;
        FakeRunner.AssertBadInput(session, runner, script, id, category);
    }
}
