namespace VirtualLan.Tests.Integration;

/// <summary>Enter-VlanSandbox and Exit-VlanSandbox on a real kernel.</summary>
[Collection(KernelCollection.Name)]
public class SandboxTests
{
    [KernelFact]
    public void Exiting_deletes_the_sandbox_its_inner_namespaces_and_every_link_in_them()
    {
        using var sandbox = new TestSandbox();
        var inner = sandbox.Inner("router");
        Kernel.Must("ip", "netns", "add", inner);
        Kernel.Must("ip", "-n", sandbox.Name, "link", "add", "rv0", "type", "veth", "peer", "name", "rv1", "netns", inner);
        sandbox.Session.Invoke("New-VlanBridge");
        Assert.Empty(sandbox.Session.Errors);

        sandbox.Session.Invoke("Exit-VlanSandbox");
        Assert.Empty(sandbox.Session.Errors);
        Assert.DoesNotContain(sandbox.Name, Kernel.Namespaces());
        Assert.DoesNotContain(inner, Kernel.Namespaces());

        // Back on the machine's namespace: the session no longer sees the sandbox's bridge.
        Assert.DoesNotContain(sandbox.Session.Invoke("Get-VlanBridge -All"), b => ((Bridge)b.BaseObject).Name == "virtualnet0" && ((Bridge)b.BaseObject).Namespace is not null);
    }

    [KernelFact]
    public void A_process_running_inside_blocks_exit_until_Force_kills_it()
    {
        using var sandbox = new TestSandbox();
        using var sleeper = System.Diagnostics.Process.Start("ip", new[] { "netns", "exec", sandbox.Name, Kernel.Busybox, "sleep", "300" });
        for (var i = 0; i < 50 && string.IsNullOrWhiteSpace(Kernel.Run("ip", "netns", "pids", sandbox.Name).Output); i++)
        {
            Thread.Sleep(100);
        }

        var error = sandbox.Session.InvokeFailing("Exit-VlanSandbox");
        Assert.Equal("SandboxBusy,VirtualLan.Commands.ExitVlanSandboxCommand", error.FullyQualifiedErrorId);
        Assert.Contains(sandbox.Name, Kernel.Namespaces());

        sandbox.Session.Invoke("Exit-VlanSandbox -Force");
        Assert.Empty(sandbox.Session.Errors);
        Assert.True(sleeper.WaitForExit(10_000));
        Assert.DoesNotContain(sandbox.Name, Kernel.Namespaces());
    }

    [KernelFact]
    public void Keep_leaves_the_sandbox_for_another_session_and_a_foreign_namespace_is_never_deleted()
    {
        using var sandbox = new TestSandbox();
        sandbox.Session.Invoke("New-VlanBridge -Name br0 -Address 10.0.0.1/24; Exit-VlanSandbox -Keep");
        Assert.Empty(sandbox.Session.Errors);
        Assert.Contains(sandbox.Name, Kernel.Namespaces());

        using (var second = sandbox.OpenSecondSession())
        {
            Assert.Equal("br0", ((Bridge)Assert.Single(second.Invoke("Get-VlanBridge")).BaseObject).Name);
        }

        var foreign = sandbox.Inner("foreign");
        Kernel.Must("ip", "netns", "add", foreign);
        var error = sandbox.Session.InvokeFailing("Exit-VlanSandbox -Name $args[0]", foreign);
        Assert.Equal("NotASandbox,VirtualLan.Commands.ExitVlanSandboxCommand", error.FullyQualifiedErrorId);
        Assert.Contains(foreign, Kernel.Namespaces());
    }

    [KernelFact]
    public void A_session_in_a_sandbox_cannot_enter_another_without_exiting()
    {
        using var sandbox = new TestSandbox();
        var error = sandbox.Session.InvokeFailing("Enter-VlanSandbox -Name $args[0]", sandbox.Inner("other"));
        Assert.Equal("AlreadyInSandbox,VirtualLan.Commands.EnterVlanSandboxCommand", error.FullyQualifiedErrorId);
        Assert.DoesNotContain(sandbox.Inner("other"), Kernel.Namespaces());
    }
}
