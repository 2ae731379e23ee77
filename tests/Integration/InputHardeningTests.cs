namespace VirtualLan.Tests.Integration;

/// <summary>Issue 14, item 12, the cases that need more than a bad parameter: a neighbour-table flood, and a namespace that is not the sandbox's.</summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class InputHardeningTests
{
    [KernelFact]
    public void Neighbour_entries_an_appliance_can_forge_do_not_exhaust_the_pool_and_confirmed_ones_are_kept_free()
    {
        using var world = new World();
        var ns = world.Sandbox.Name;
        world.Session.Invoke("New-VlanBridge | Out-Null");
        Assert.Empty(world.Session.Errors);

        // What ARP requests with forged senders leave on the bridge: a STALE entry per sender, here
        // for the whole namespace pool (172.24.4.2 to .254); one real, confirmed neighbour at .2.
        var batch = Path.Combine(Path.GetTempPath(), $"vlan-neigh-{Guid.NewGuid():N}");
        File.WriteAllLines(batch, Enumerable.Range(3, 252).Select(i => $"neigh add 172.24.4.{i} lladdr 02:00:00:00:04:{i:x2} nud stale dev virtualnet0")
            .Append("neigh add 172.24.4.2 lladdr 02:00:00:00:04:02 nud permanent dev virtualnet0"));
        try
        {
            Kernel.Must("ip", "-n", ns, "-batch", batch);
        }
        finally
        {
            File.Delete(batch);
        }

        var connected = world.Session.Invoke("Connect-VlanAppliance -Namespace c1 -Create");
        Assert.Empty(world.Session.Errors);
        Assert.Equal("172.24.4.3/16", ((Appliance)Assert.Single(connected).BaseObject).Cidr.ToString());
        Assert.True(Kernel.Ping(world.Sandbox.Inner("c1"), "172.24.0.1"), "c1 reaches the host on its new address");
    }

    [KernelFact]
    public void Exit_leaves_a_namespace_named_like_the_sandboxs_that_is_not_part_of_it_and_deletes_nothing()
    {
        using var world = new World();
        var stray = world.Sandbox.Inner("stray");
        Kernel.Must("ip", "netns", "add", stray);
        world.Session.Invoke("New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Connect-VlanAppliance -Namespace web -Create | Out-Null");
        Assert.Empty(world.Session.Errors);
        var before = Kernel.Namespaces().Where(n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

        var error = world.Session.InvokeFailing("Exit-VlanSandbox -Force -Confirm:$false");
        Assert.StartsWith("ForeignNamespace,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(stray, error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Kernel.Namespaces().Where(n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray());

        // Once it is gone, the sandbox's own namespaces (router, appliance, the simulated internet) go with it.
        Kernel.Must("ip", "netns", "delete", stray);
        world.Session.Invoke("Exit-VlanSandbox -Force -Confirm:$false");
        Assert.Empty(world.Session.Errors);
        Assert.DoesNotContain(Kernel.Namespaces(), n => n.StartsWith(world.Sandbox.Name, StringComparison.Ordinal));
    }
}
