namespace VirtualLan.Tests.Integration;

/// <summary>Connect-VlanAppliance and its companions on a real kernel, proven with traffic.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class ApplianceTests
{
    private static Appliance Connect(World world, string arguments)
    {
        var output = world.Session.Invoke("Connect-VlanAppliance " + arguments);
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        return (Appliance)Assert.Single(output).BaseObject;
    }

    [KernelFact]
    public void Namespaces_and_an_adapter_form_one_LAN_that_reaches_the_internet_and_disconnect_leaves_nothing()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
        Assert.Empty(world.Session.Errors);
        var before = Kernel.Snapshot(world.Sandbox.Name);

        // Seed 004's namespaces, and a stand-in for vboxnet0 whose far end is the "VM".
        var c1 = Connect(world, "-Namespace c1 -Create");
        var c2 = Connect(world, "-Namespace c2 -Create -InterfaceName lan0");
        Assert.Equal("172.24.4.2/16", c1.Cidr.ToString());
        Assert.Equal("172.24.4.3/16", c2.Cidr.ToString());
        Assert.Equal("172.24.0.254", c1.Gateway!.ToString());
        Assert.Equal($"{world.Sandbox.Name}.c1", c1.Namespace);

        var vm = world.Sandbox.Inner("vbox");
        Kernel.Must("ip", "netns", "add", vm);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "eth0", "netns", vm);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "192.168.56.1/24", "dev", "vboxnet0");
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "set", "vboxnet0", "up");
        var beforeVbox = Kernel.Snapshot(world.Sandbox.Name);
        var vbox = Connect(world, "-Interface vboxnet0");
        Assert.Equal("172.24.3.2/16", vbox.Cidr.ToString());
        Assert.Contains(world.Session.Warnings, w => w.Contains("VirtualBox", StringComparison.Ordinal));
        Assert.DoesNotContain("192.168.56.1", Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "show", "vboxnet0"), StringComparison.Ordinal);
        Kernel.Must("ip", "-n", vm, "addr", "add", vbox.Cidr!.Value.ToString(), "dev", "eth0");
        Kernel.Must("ip", "-n", vm, "link", "set", "eth0", "up");
        Kernel.Must("ip", "-n", vm, "link", "set", "lo", "up");
        Kernel.Must("ip", "-n", vm, "route", "add", "default", "via", vbox.Gateway!.ToString());

        // Full mesh, the host and the router included, and the internet through the router.
        var members = new (string Ns, string Address)[] { (c1.Namespace!, "172.24.4.2"), (c2.Namespace!, "172.24.4.3"), (vm, "172.24.3.2"), (world.Sandbox.Name, "172.24.0.1") };
        foreach (var (from, _) in members)
        {
            foreach (var (_, to) in members.Append(("router", "172.24.0.254")))
            {
                Assert.True(Kernel.Ping(from, to), $"{from} could not reach {to}.");
            }

            if (from != world.Sandbox.Name)
            {
                Assert.True(Kernel.Ping(from, World.InternetHost), $"{from} could not reach the internet.");
            }
        }

        // A TCP exchange across the LAN (the seed's nc chat).
        world.Serve(c2.Namespace!, "tcp", 5000);
        Assert.EndsWith("message=hello c2", World.Send(c1.Namespace!, "tcp", "172.24.4.3", 5000, "hello c2"), StringComparison.Ordinal);

        // Another session reads them back; running the same connects again runs nothing.
        using (var second = world.Sandbox.OpenSecondSession())
        {
            var listed = second.Invoke("Get-VlanAppliance").Select(a => (Appliance)a.BaseObject).ToArray();
            Assert.Equal(new[] { "c1", "c2", "vboxnet0" }, listed.Select(a => a.Name).Order(StringComparer.Ordinal));
            Assert.Equal("172.24.4.3/16", listed.Single(a => a.Name == "c2").Cidr.ToString());
            Assert.Equal("lan0", listed.Single(a => a.Name == "c2").Interface);
        }

        world.Sandbox.Runner.Commands.Clear();
        Connect(world, "-Namespace c1 -Create");
        Connect(world, "-Interface vboxnet0");
        Assert.Empty(world.Sandbox.Runner.Changes);

        // VirtualBox puts its address back: connecting again takes it off again.
        Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "add", "192.168.56.1/24", "dev", "vboxnet0");
        Connect(world, "-Interface vboxnet0");
        Assert.DoesNotContain("192.168.56.1", Kernel.Must("ip", "-n", world.Sandbox.Name, "addr", "show", "vboxnet0"), StringComparison.Ordinal);

        // Disconnecting leaves the adapter and the VM in place and nothing of ours: the namespaces
        // made with -Create go with their appliances (issue 16, item 5).
        world.Session.Invoke("Get-VlanAppliance | Disconnect-VlanAppliance");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Session.Invoke("Get-VlanAppliance"));
        Assert.DoesNotContain(c1.Namespace!, Kernel.Namespaces());
        Assert.DoesNotContain(c2.Namespace!, Kernel.Namespaces());
        Kernel.WaitUntilGone(world.Sandbox.Name, "vl-c1");
        Kernel.Must("ip", "netns", "delete", vm);
        Kernel.WaitUntilGone(world.Sandbox.Name, "vboxnet0");
        Assert.Equal(before, Kernel.Snapshot(world.Sandbox.Name));
    }

    [KernelFact]
    public void Allocation_never_hands_out_an_address_in_use_across_sessions()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        Connect(world, "-Namespace c1 -Create");

        // A host the module did not plug in, which the host has heard from, holds 172.24.4.3.
        var manual = world.PlugNamespace("m1", "virtualnet0", "172.24.4.3/16", null);
        Assert.True(Kernel.Ping(manual, "172.24.0.1"));

        using var second = world.Sandbox.OpenSecondSession();
        var c2 = (Appliance)Assert.Single(second.Invoke("Connect-VlanAppliance -Namespace c2 -Create")).BaseObject;
        Assert.Equal("172.24.4.4/16", c2.Cidr.ToString());

        var error = world.Session.InvokeFailing("Connect-VlanAppliance -Namespace c3 -Create -Address 172.24.4.4");
        Assert.Equal("AddressNotFree,VirtualLan.Commands.ConnectVlanApplianceCommand", error.FullyQualifiedErrorId);
        error = world.Session.InvokeFailing("Connect-VlanAppliance -Namespace c3 -Create -Address 10.9.9.9/16");
        Assert.Equal("AddressOutsideSubnet,VirtualLan.Commands.ConnectVlanApplianceCommand", error.FullyQualifiedErrorId);
        Assert.DoesNotContain(world.Sandbox.Inner("c3"), Kernel.Namespaces());
    }

    [KernelFact]
    public void Bridged_frames_pass_when_the_host_forward_policy_is_drop_through_the_modules_own_chain()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Out-Null");
        Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables", "-P", "FORWARD", "DROP");
        Assert.Equal("1", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables").Trim());
        var c1 = Connect(world, "-Namespace c1 -Create");
        var c2 = Connect(world, "-Namespace c2 -Create");
        Assert.True(Kernel.Ping(c1.Namespace!, "172.24.4.3"), "Bridged frames were dropped by the FORWARD policy.");

        var rules = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save", "-t", "filter");
        Assert.Contains("-A VLAN-BRIDGES -i virtualnet0 -o virtualnet0 -m comment --comment \"virtuallan:bridge/virtualnet0\" -j ACCEPT", rules, StringComparison.Ordinal);
        Assert.Contains(":FORWARD DROP", rules, StringComparison.Ordinal);

        world.Session.Invoke("Get-VlanAppliance | Disconnect-VlanAppliance; Remove-VlanBridge virtualnet0 -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.DoesNotContain("virtuallan", Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables-save"), StringComparison.Ordinal);
    }
}
