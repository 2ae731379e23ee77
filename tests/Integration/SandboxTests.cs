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

        sandbox.Session.Invoke("Exit-VlanSandbox -Confirm:$false");
        Assert.Empty(sandbox.Session.Errors);
        Assert.DoesNotContain(sandbox.Name, Kernel.Namespaces());
        Assert.DoesNotContain(inner, Kernel.Namespaces());

        // Back on the machine's namespace: the session no longer sees the sandbox's bridge.
        Assert.DoesNotContain(sandbox.Session.Invoke("Get-VlanBridge -All"), b => ((Bridge)b.BaseObject).Name == "virtualnet0" && ((Bridge)b.BaseObject).Namespace is not null);
    }

    [KernelFact]
    public void Exiting_a_sandbox_with_more_appliances_than_one_page_of_namespace_ids_deletes_them_all()
    {
        // The kernel's dump of namespace ids stops after one page (134 on 6.18); the appliances past
        // it were taken for foreign namespaces and Exit-VlanSandbox refused to delete anything.
        using var sandbox = new TestSandbox();
        sandbox.Session.Invoke("New-VlanBridge | Out-Null; Connect-VlanAppliance -Namespace ([string[]] (1..150).ForEach({ \"a$_\" })) -Create | Out-Null");
        Assert.Empty(sandbox.Session.Errors);
        Assert.Equal(150, Kernel.Namespaces().Count(n => n.StartsWith(sandbox.Name + ".a", StringComparison.Ordinal)));

        sandbox.Session.Invoke("Exit-VlanSandbox -Confirm:$false");
        Assert.Empty(sandbox.Session.Errors);
        Assert.DoesNotContain(Kernel.Namespaces(), n => n == sandbox.Name || n.StartsWith(sandbox.Name + ".", StringComparison.Ordinal));
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

        var error = sandbox.Session.InvokeFailing("Exit-VlanSandbox -Confirm:$false");
        Assert.Equal("SandboxBusy,VirtualLan.Commands.ExitVlanSandboxCommand", error.FullyQualifiedErrorId);
        Assert.Contains(sandbox.Name, Kernel.Namespaces());

        // The process is named by its PID and command line.
        var pid = Kernel.Run("ip", "netns", "pids", sandbox.Name).Output.Trim();
        Assert.Contains($"{pid} ({Kernel.Busybox} sleep 300)", error.Exception.Message, StringComparison.Ordinal);

        // -WhatIf previews what would be deleted and killed, and changes nothing.
        sandbox.Session.Host.Clear();
        sandbox.Session.Invoke("Exit-VlanSandbox -WhatIf -Force");
        Assert.Empty(sandbox.Session.Errors);
        var preview = string.Join("\n", sandbox.Session.Host.Lines);
        Assert.Contains($"ip netns delete {sandbox.Name}", preview, StringComparison.Ordinal);
        Assert.Contains($"kill -KILL {pid}", preview, StringComparison.Ordinal);
        sandbox.Session.Invoke("Exit-VlanSandbox -WhatIf");
        Assert.Empty(sandbox.Session.Errors);
        Assert.Contains(sandbox.Session.Warnings, w => w.Contains($"{pid} ({Kernel.Busybox} sleep 300)", StringComparison.Ordinal));
        Assert.Contains(sandbox.Name, Kernel.Namespaces());
        Assert.Equal(sandbox.Name, ((Sandbox)Assert.Single(sandbox.Session.Invoke("Get-VlanSandbox")).BaseObject).Name);

        // ConfirmImpact High: without -Confirm:$false it asks, and the answer No deletes nothing.
        sandbox.Session.Invoke("Exit-VlanSandbox -Force");
        Assert.NotEmpty(sandbox.Session.Host.Prompts);
        Assert.Contains(sandbox.Name, Kernel.Namespaces());

        sandbox.Session.Invoke("Exit-VlanSandbox -Force -Confirm:$false");
        Assert.Empty(sandbox.Session.Errors);
        Assert.True(sleeper.WaitForExit(10_000));
        Assert.DoesNotContain(sandbox.Name, Kernel.Namespaces());
    }

    [KernelFact]
    public void Get_VlanSandbox_shows_the_sessions_sandbox_and_with_All_every_sandbox_on_the_machine()
    {
        using var sandbox = new TestSandbox();
        using var second = new TestSandbox();
        var inner = sandbox.Inner("router");
        Kernel.Must("ip", "netns", "add", inner);
        sandbox.Session.Invoke("New-VlanBridge");
        var current = (Sandbox)Assert.Single(sandbox.Session.Invoke("Get-VlanSandbox")).BaseObject;
        Assert.Equal(sandbox.Name, current.Name);
        Assert.True(current.IsManaged);
        Assert.Equal(new[] { inner }, current.Namespaces);
        Assert.Contains("virtualnet0", current.Links);

        var all = sandbox.Session.Invoke("Get-VlanSandbox -All").Select(o => ((Sandbox)o.BaseObject).Name).ToArray();
        Assert.Contains(sandbox.Name, all);
        Assert.Contains(second.Name, all);
        Assert.DoesNotContain(inner, all);
        Assert.Equal(second.Name, ((Sandbox)Assert.Single(sandbox.Session.Invoke("Get-VlanSandbox -Name $args[0]", second.Name)).BaseObject).Name);
        Assert.Equal("SandboxNotFound,VirtualLan.Commands.GetVlanSandboxCommand", sandbox.Session.InvokeFailing("Get-VlanSandbox -Name $args[0]", sandbox.Name + "-nosuch").FullyQualifiedErrorId);
        Assert.Empty(sandbox.Session.Errors);

        // Outside a sandbox it returns nothing.
        sandbox.Session.Invoke("Exit-VlanSandbox -Keep");
        Assert.Empty(sandbox.Session.Invoke("Get-VlanSandbox"));
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
