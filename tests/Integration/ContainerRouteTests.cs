namespace VirtualLan.Tests.Integration;

/// <summary>
/// Seed 000's own container: on an --internal Docker network (docker_custom), whose default route
/// leads nowhere, it is joined with -DockerNetwork and with -Container and then reaches the internet
/// and a port forward by the public address (hairpin); Disconnect gives Docker's route back.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class ContainerRouteTests
{
    private const string Wan = "198.51.100.2";

    [KernelTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_internal_networks_container_reaches_the_internet_and_a_forward_by_the_public_address(bool networkFirst)
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name);
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "tester", "--network", "docker_custom", image, "sleep", "3600");
        var tester = $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "tester").Trim()}/ns/net";
        var dockerRoute = Kernel.Must("nsenter", "--net=" + tester, "ip", "-4", "route", "show", "default").Trim();
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
            var server = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Namespace c1 -Create")).BaseObject;
            world.Session.Invoke("Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000 -Protocol tcp");
            Assert.Empty(world.Session.Errors);

            void JoinNetwork()
            {
                world.Session.Invoke("$router | Connect-VlanAppliance -DockerNetwork docker_custom");
                Assert.Empty(world.Session.Errors);
                if (networkFirst)
                {
                    // Docker's gateway is taken off br-…: the module names the container that loses it.
                    Assert.Contains(world.Session.Warnings, w => w.Contains("tester", StringComparison.Ordinal) && w.Contains("-Container", StringComparison.Ordinal));
                }
            }

            if (networkFirst)
            {
                JoinNetwork();
            }

            var container = (Appliance)Assert.Single(world.Session.Invoke("$router | Connect-VlanAppliance -Container tester")).BaseObject;
            Assert.Empty(world.Session.Errors);
            if (!networkFirst)
            {
                JoinNetwork();
            }

            var routes = Kernel.Must("nsenter", "--net=" + tester, "ip", "-4", "route", "show", "default");
            Assert.Contains($"via {container.Gateway} dev {container.Interface}", routes, StringComparison.Ordinal);
            Assert.True(Kernel.Ping(tester, World.InternetHost), $"The container could not reach the internet. Its routes:\n{routes}");
            Assert.Contains(world.Session.Invoke("Invoke-VlanAppliance tester -- $args[0] ping -c1 -W2 $args[1]", Kernel.Busybox, World.InternetHost), l => l.ToString().Contains("1 packets received", StringComparison.Ordinal));
            Assert.Empty(world.Session.Errors);
            world.Serve(server.Namespace!, "tcp", 4000);
            Assert.StartsWith("peer=172.24.0.254:", World.Send(tester, "tcp", Wan, 4000, "hairpin"), StringComparison.Ordinal);

            // Disconnect gives Docker's route back, as it was.
            world.Session.Invoke("Disconnect-VlanAppliance -Name tester -Confirm:$false");
            Assert.Empty(world.Session.Errors);
            Assert.Equal(dockerRoute, Kernel.Must("nsenter", "--net=" + tester, "ip", "-4", "route", "show", "default").Trim());
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
        }
    }
}
