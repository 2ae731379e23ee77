namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 7's accounts: a failure at every step of every cmdlet's plan leaves the sandbox as it was,
/// and bad input of every kind gets its stable id and changes nothing.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class RobustnessTests
{
    private const string Router = "$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false";

    /// <summary>Links, addresses, routes and rules of the sandbox and of the router, and the namespaces.</summary>
    private static string Snapshot(World world)
    {
        string Rules(string ns) => Kernel.Namespaces().Contains(ns)
            ? string.Join('\n', Kernel.Must("ip", "netns", "exec", ns, "iptables-save").Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal) || (l.StartsWith(':') && !l.Contains(" ACCEPT ", StringComparison.Ordinal))))
            : "(none)";
        var router = world.Sandbox.Inner("router");
        return string.Join(
            "\n--\n",
            Kernel.Snapshot(world.Sandbox.Name),
            Kernel.Namespaces().Contains(router) ? Kernel.Snapshot(router) : "(no router)",
            Rules(world.Sandbox.Name),
            Rules(router),
            Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.ipv4.ip_forward"),
            string.Join(',', Kernel.Namespaces().Where(n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
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
    };

    [KernelTheory]
    [MemberData(nameof(Plans))]
    public void A_failure_at_every_step_of_a_plan_leaves_the_sandbox_as_it_was(string what, string setup, string command)
    {
        using var world = new World();
        world.Session.Invoke("$sandbox = $args[0]; " + (setup.Length == 0 ? "$null" : setup), world.Sandbox.Name);
        Assert.True(world.Session.Errors.Count == 0, what + ": " + string.Join("\n", world.Session.Errors));
        var before = Snapshot(world);
        var step = 1;
        for (; step < 80; step++)
        {
            world.Sandbox.Runner.FailAtChange = step;
            world.Session.Invoke(command + " -Confirm:$false");
            if (world.Session.Errors.Count == 0)
            {
                break;
            }

            Assert.EndsWith("CommandFailed", world.Session.Errors[0].FullyQualifiedErrorId.Split(',')[0], StringComparison.Ordinal);
            var after = Snapshot(world);
            Assert.True(
                before == after,
                $"{what}: after a failure at step {step} the sandbox differs.\nNow and not before:\n{string.Join('\n', after.Split('\n').Except(before.Split('\n')))}\nBefore and not now:\n{string.Join('\n', before.Split('\n').Except(after.Split('\n')))}");
        }

        Assert.True(step > 2, $"{what}: the plan succeeded at step {step}; no step was failed.");
        world.Sandbox.Runner.FailAtChange = 0;
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
    };

    [KernelFact]
    public void Every_bad_input_gets_its_stable_id_and_category_and_changes_nothing()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        var before = Snapshot(world);
        var cases = BadInputs();
        Assert.True(cases.Count >= 30);
        foreach (var row in cases)
        {
            var (script, id, category) = ((string)row[0], (string)row[1], (string)row[2]);
            world.Sandbox.Runner.Commands.Clear();
            var error = world.Session.InvokeFailing(script + (script.StartsWith("Remove", StringComparison.Ordinal) || script.StartsWith("Add-VlanRouter", StringComparison.Ordinal) ? " -Confirm:$false" : string.Empty));
            Assert.True(error.FullyQualifiedErrorId.StartsWith(id + ",", StringComparison.Ordinal), $"{script}: {error.FullyQualifiedErrorId}");
            Assert.Equal(category, error.CategoryInfo.Category.ToString());
            Assert.Empty(world.Sandbox.Runner.Changes);
            Assert.True(before == Snapshot(world), $"{script} changed the sandbox.");
        }
    }
}
