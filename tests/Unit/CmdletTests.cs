using System.Management.Automation;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>The cmdlets in a real runspace, on a fake kernel: binding, -WhatIf, -Verbose and error ids.</summary>
public class CmdletTests
{
    private static readonly string Capture = FakeRunner.Fixture("ip-d-j-addr-show.bridge-veth-docker.json");

    private static (PowerShellSession Session, FakeRunner Runner) Open(string linksJson = "[]", string procStatus = PrivilegesTests.Root)
    {
        var runner = new FakeRunner(linksJson);
        return (PowerShellSession.Open(new VlanSystem(runner, () => procStatus, batch: false)), runner);
    }

    [Fact]
    public void WhatIf_prints_the_exact_commands_and_runs_none()
    {
        var (session, runner) = Open();
        using var _ = session;
        var output = session.Invoke("New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16 -WhatIf");

        Assert.Empty(output);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Assert.StartsWith("What if: Create bridge virtualnet0 with 172.24.0.1/16 in host by running 5 command(s):", text, StringComparison.Ordinal);
        foreach (var command in new[]
        {
            "ip link add name virtualnet0 address 02:58:b9:0a:45:b7 type bridge",
            "ip link set dev virtualnet0 alias virtuallan:bridge",
            "sysctl -qw net/ipv6/conf/virtualnet0/accept_ra=0",
            "ip addr add 172.24.0.1/16 dev virtualnet0",
            "ip link set dev virtualnet0 up",
        })
        {
            Assert.Contains("  " + command, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WhatIf_needs_no_privileges()
    {
        var (session, runner) = Open(procStatus: PrivilegesTests.Nobody);
        using var _ = session;
        session.Invoke("New-VlanBridge -WhatIf");
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
    }

    [Fact]
    public void Apply_shows_each_command_in_the_verbose_stream_as_it_runs()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("New-VlanBridge -Verbose");
        Assert.Equal(5, runner.Changes.Count);
        Assert.Equal(runner.Changes, session.Verbose.Where(v => v.StartsWith("ip ", StringComparison.Ordinal) || v.StartsWith("sysctl ", StringComparison.Ordinal)));
        Assert.Contains("5 command(s) run", session.Verbose[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_already_as_asked_runs_no_command_and_is_returned()
    {
        var (session, runner) = Open(Capture);
        using var _ = session;
        var bridge = (Bridge)Assert.Single(session.Invoke("New-VlanBridge -Verbose")).BaseObject;
        Assert.Empty(runner.Changes);
        Assert.Contains("already in place, no command run", Assert.Single(session.Verbose), StringComparison.Ordinal);
        Assert.Equal("virtualnet0", bridge.Name);
        Assert.Equal("172.24.0.0/16", bridge.Subnet.ToString());
    }

    [Theory]
    [InlineData("New-VlanBridge -Address 172.24.0.1", ErrorIds.InvalidCidr, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Address 172.24.0.300/16", ErrorIds.InvalidCidr, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Address fd00::1/64", ErrorIds.IPv6NotSupported, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Address 172.24.0.0/16", ErrorIds.InvalidHostAddress, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name ''", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name virtualnetwork00", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name 'br/0'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name 'br:0'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name 'br 0'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name '-br0'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name 'br;x'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name '$(x)'", ErrorIds.InvalidInterfaceName, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Mtu 20", ErrorIds.InvalidMtu, ErrorCategory.InvalidArgument, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name vboxnet0 -Address 10.1.0.1/24", ErrorIds.NameInUseByOtherLink, ErrorCategory.ResourceExists, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name docker0 -Address 10.9.0.1/24", ErrorIds.BridgeConflict, ErrorCategory.ResourceExists, "NewVlanBridgeCommand")]
    [InlineData("New-VlanBridge -Name br7 -Address 172.24.0.1/24", ErrorIds.AddressInUse, ErrorCategory.ResourceExists, "NewVlanBridgeCommand")]
    [InlineData("Get-VlanBridge -Name nosuch", ErrorIds.BridgeNotFound, ErrorCategory.ObjectNotFound, "GetVlanBridgeCommand")]
    [InlineData("Get-VlanBridge -Name vboxnet0", ErrorIds.NameInUseByOtherLink, ErrorCategory.ResourceExists, "GetVlanBridgeCommand")]
    [InlineData("Remove-VlanBridge -Name nosuch -Confirm:$false", ErrorIds.BridgeNotFound, ErrorCategory.ObjectNotFound, "RemoveVlanBridgeCommand")]
    [InlineData("Remove-VlanBridge -Name docker0 -Confirm:$false", ErrorIds.BridgeNotManaged, ErrorCategory.InvalidOperation, "RemoveVlanBridgeCommand")]
    [InlineData("Exit-VlanSandbox", ErrorIds.NotInSandbox, ErrorCategory.InvalidOperation, "ExitVlanSandboxCommand")]
    [InlineData("Exit-VlanSandbox -Name nosuch", ErrorIds.SandboxNotFound, ErrorCategory.ObjectNotFound, "ExitVlanSandboxCommand")]
    [InlineData("Enter-VlanSandbox -Name 'a/b'", ErrorIds.InvalidNamespaceName, ErrorCategory.InvalidArgument, "EnterVlanSandboxCommand")]
    public void Bad_input_gets_a_stable_id_and_category_and_changes_nothing(string script, string id, ErrorCategory category, string cmdlet)
    {
        var (session, runner) = Open(Capture);
        using var _ = session;
        var error = session.InvokeFailing(script);
        Assert.Equal($"{id},VirtualLan.Commands.{cmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Empty(runner.Changes);
    }

    [Fact]
    public void Without_privileges_the_error_says_to_run_as_root_and_nothing_runs()
    {
        var (session, runner) = Open(procStatus: PrivilegesTests.Nobody);
        using var _ = session;
        var error = session.InvokeFailing("New-VlanBridge");
        Assert.Equal("InsufficientPrivilege,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("sudo pwsh", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void A_missing_ip_command_names_the_debian_package()
    {
        var noTools = new ProcessRunner(new ToolLocator(path: string.Empty, exists: _ => false));
        using var session = PowerShellSession.Open(new VlanSystem(noTools, () => PrivilegesTests.Root, batch: false));
        var error = session.InvokeFailing("New-VlanBridge");
        Assert.Equal("ToolNotInstalled,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Contains("apt-get install iproute2", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_command_is_reported_with_command_exit_code_and_stderr_and_rolled_back()
    {
        var (session, runner) = Open();
        using var _ = session;
        runner.Fail = (c, _) => c.Arguments.Contains("addr") && c.Arguments.Contains("add") ? new CommandResult(2, string.Empty, "RTNETLINK answers: Permission denied") : null;
        var error = session.InvokeFailing("New-VlanBridge");
        Assert.Equal("CommandFailed,VirtualLan.Commands.NewVlanBridgeCommand", error.FullyQualifiedErrorId);
        var failure = Assert.IsType<CommandFailedException>(error.Exception);
        Assert.Equal("ip addr add 172.24.0.1/16 dev virtualnet0", failure.Command.ToString());
        Assert.Equal(2, failure.ExitCode);
        Assert.Contains("Permission denied", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("ip link del virtualnet0", runner.Changes[^1]);
    }

    [Fact]
    public void Names_pipe_into_Get_VlanBridge_by_value_and_bridges_into_Remove_VlanBridge_by_property()
    {
        var (session, runner) = Open(Capture);
        using var _ = session;
        var bridges = session.Invoke("'virtualnet0', 'docker0' | Get-VlanBridge");
        Assert.Equal(new[] { "virtualnet0", "docker0" }, bridges.Select(b => ((Bridge)b.BaseObject).Name));

        session.Invoke("Get-VlanBridge | Remove-VlanBridge -Confirm:$false");
        Assert.Empty(session.Errors);
        Assert.Equal(new[] { "ip link del virtualnet0" }, runner.Changes);
        Assert.Contains("veth-c1", Assert.Single(session.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Get_VlanBridge_lists_managed_bridges_and_all_with_All_and_matches_wildcards()
    {
        var (session, _) = Open(Capture);
        using var __ = session;
        Assert.Equal(new[] { "virtualnet0" }, session.Invoke("Get-VlanBridge").Select(b => ((Bridge)b.BaseObject).Name));
        Assert.Equal(new[] { "virtualnet0", "docker0" }, session.Invoke("Get-VlanBridge -All").Select(b => ((Bridge)b.BaseObject).Name));
        Assert.Equal(new[] { "docker0" }, session.Invoke("Get-VlanBridge -Name d* -All").Select(b => ((Bridge)b.BaseObject).Name));
        Assert.Empty(session.Invoke("Get-VlanBridge -Name nomatch*"));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public void Remove_VlanBridge_asks_for_confirmation_by_default()
    {
        var (session, runner) = Open(Capture);
        using var _ = session;
        session.Invoke("Remove-VlanBridge virtualnet0");
        Assert.Contains("ip link del virtualnet0", Assert.Single(session.Host.Prompts), StringComparison.Ordinal);
        Assert.Empty(runner.Changes);
    }

    [Fact]
    public void A_pipeline_error_for_one_name_does_not_stop_the_others()
    {
        var (session, runner) = Open(Capture);
        using var _ = session;
        session.Invoke("'nosuch', 'virtualnet0' | Remove-VlanBridge -Confirm:$false");
        Assert.Equal("BridgeNotFound,VirtualLan.Commands.RemoveVlanBridgeCommand", Assert.Single(session.Errors).FullyQualifiedErrorId);
        Assert.Equal(new[] { "ip link del virtualnet0" }, runner.Changes);
    }
}
