namespace VirtualLan.Tests.Integration;

/// <summary>Connect-VlanAppliance -Tap with a real QEMU VM (software emulation) booted on the tap it made.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class TapApplianceTests
{
    [KernelFact]
    public void A_VM_on_a_tap_made_by_the_module_joins_the_LAN_and_reaches_the_internet_through_the_router()
    {
        using var world = new World();
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null");
        var c1 = (Appliance)Assert.Single(world.Session.Invoke("Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
        var vm = (Appliance)Assert.Single(world.Session.Invoke("Get-VlanRouterNamespace | Connect-VlanAppliance -Tap qemutap0")).BaseObject;
        Assert.Empty(world.Session.Errors);
        Assert.Equal(ApplianceKind.Tap, vm.Kind);
        Assert.Equal("172.24.2.2/16", vm.Cidr.ToString());
        Assert.Equal("172.24.0.254", vm.Gateway!.ToString());
        Assert.Matches("^52:54:00(:[0-9a-f]{2}){3}$", vm.MacAddress);
        Assert.Equal($"-netdev tap,id=vlan0,ifname=qemutap0,script=no,downscript=no -device virtio-net-pci,netdev=vlan0,mac={vm.MacAddress}", vm.QemuArguments);
        Assert.Contains("tun", Kernel.Must("ip", "-n", world.Sandbox.Name, "-details", "link", "show", "qemutap0"), StringComparison.Ordinal);

        using (var guest = new QemuVm(world.Sandbox.Name, "qemutap0", vm.MacAddress!, vm.Cidr.ToString()!, vm.Gateway.ToString(), probe: World.InternetHost))
        {
            Assert.Contains("VLAN-PROBE-OK " + World.InternetHost, guest.Console, StringComparison.Ordinal);
            Assert.True(Kernel.Ping(c1.Namespace!, "172.24.2.2"), "c1 could not reach the VM.");
            Assert.True(Kernel.Ping(world.Sandbox.Name, "172.24.2.2"), "The host could not reach the VM.");
            var echo = World.Send(c1.Namespace!, "tcp", "172.24.2.2", QemuVm.WhoAmIPort, "who");
            Assert.Equal("172.24.2.2", echo);

            // Unplugging leaves the VM running; the tap the module made goes when QEMU lets it go.
            world.Session.Invoke("Disconnect-VlanAppliance qemutap0");
            Assert.Empty(world.Session.Errors);
            Assert.Contains(world.Session.Warnings, w => w.Contains("still open by QEMU", StringComparison.Ordinal));
            Assert.DoesNotContain("master", Kernel.Run("ip", "-n", world.Sandbox.Name, "link", "show", "qemutap0").Output, StringComparison.Ordinal);
            Assert.False(Kernel.Ping(c1.Namespace!, "172.24.2.2"));
            Assert.Empty(world.Session.Invoke("Get-VlanAppliance qemutap*"));
        }

        // Once QEMU has exited, disconnecting again deletes the tap the module made.
        world.Session.Invoke("Disconnect-VlanAppliance qemutap0");
        Assert.Empty(world.Session.Errors);
        Assert.Empty(world.Session.Warnings);
        Assert.NotEqual(0, Kernel.Run("ip", "-n", world.Sandbox.Name, "link", "show", "qemutap0").ExitCode);
    }
}
