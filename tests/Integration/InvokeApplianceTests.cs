using System.Management.Automation;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Invoke-VlanAppliance runs a native command inside an appliance (a namespace of a sandbox, whose
/// kernel name is sandbox.c1), and a trace's -ScriptBlock reports a failure of its traffic.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class InvokeApplianceTests
{
    [KernelFact]
    public void A_command_runs_inside_a_namespace_appliance_and_its_exit_code_is_reported()
    {
        using var world = new World();
        world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        world.Session.Invoke("$router | Connect-VlanAppliance -Tap qemutap0 | Out-Null");
        Assert.Empty(world.Session.Errors);
        Assert.Equal(world.Sandbox.Inner("c1"), c1.Namespace);

        // A script block: the variables are evaluated here, the words go as they are, as argv.
        world.Session.Invoke("$bb = $args[0]; $gw = $args[1]", Kernel.Busybox, c1.Gateway!.ToString());
        var output = world.Session.Invoke("Invoke-VlanAppliance -Name c1 { & $bb ping -c1 -W1 $gw }").Select(o => o.ToString()).ToArray();
        Assert.Empty(world.Session.Errors);
        Assert.Contains(output, l => l.Contains("1 packets received", StringComparison.Ordinal));
        Assert.Equal(0, world.Session.Invoke("$LASTEXITCODE").Single().BaseObject);

        // The same as argv after --, and the namespace is c1's: it holds c1's address.
        var addresses = string.Join("\n", world.Session.Invoke("Invoke-VlanAppliance c1 -- ip -4 -o addr show dev eth0"));
        Assert.Contains(c1.Cidr!.Value.ToString(), addresses, StringComparison.Ordinal);

        // A non-zero exit: $LASTEXITCODE and an error naming the code.
        world.Session.Invoke("Invoke-VlanAppliance c1 -- $bb ping -c1 -W1 100.64.0.1");
        var failed = Assert.Single(world.Session.Errors);
        Assert.Equal("ApplianceCommandFailed,VirtualLan.Commands.InvokeVlanApplianceCommand", failed.FullyQualifiedErrorId);
        Assert.Contains("exited with code 1", failed.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(1, world.Session.Invoke("$LASTEXITCODE").Single().BaseObject);

        // What is not a namespace, or not one command line, is refused with what to do.
        Assert.Equal("ApplianceNotANamespace,VirtualLan.Commands.InvokeVlanApplianceCommand", world.Session.InvokeFailing("Invoke-VlanAppliance qemutap0 -- true").FullyQualifiedErrorId);
        Assert.Equal("ApplianceCommandInvalid,VirtualLan.Commands.InvokeVlanApplianceCommand", world.Session.InvokeFailing("Invoke-VlanAppliance c1 { ip addr | grep eth0 }").FullyQualifiedErrorId);
        Assert.Equal("ApplianceNotFound,VirtualLan.Commands.InvokeVlanApplianceCommand", world.Session.InvokeFailing("Invoke-VlanAppliance nosuch -- true").FullyQualifiedErrorId);

        // A trace's traffic that fails says so: a non-zero exit is a warning, an exception an error.
        world.Session.Invoke("Get-VlanIptablesTrace Counters -Protocol icmp -ScriptBlock { Invoke-VlanAppliance c1 -- $bb ping -c1 -W1 100.64.0.1 -ErrorAction SilentlyContinue } | Out-Null");
        Assert.Contains(world.Session.Warnings, w => w.Contains("exited with code 1", StringComparison.Ordinal));
        world.Session.Invoke("Get-VlanIptablesTrace Counters -Protocol icmp -ScriptBlock { throw 'no traffic' } | Out-Null");
        var traffic = Assert.Single(world.Session.Errors);
        Assert.Equal("TrafficFailed,VirtualLan.Commands.GetVlanIptablesTraceCommand", traffic.FullyQualifiedErrorId);
        Assert.Contains("no traffic", traffic.Exception.Message, StringComparison.Ordinal);

        // A traffic that works moves the counters and warns of nothing.
        var counters = world.Session.Invoke("Get-VlanIptablesTrace Counters -Protocol icmp -ScriptBlock { Invoke-VlanAppliance c1 { & $bb ping -c1 -W1 $gw } }");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Session.Warnings);
        Assert.NotEmpty(counters);
    }
}
