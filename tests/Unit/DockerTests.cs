using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

public class DockerTests
{
    [Fact]
    public void A_container_is_read_from_docker_container_inspect()
    {
        var container = Assert.Single(Docker.ParseContainers(FakeRunner.Fixture("docker-container-inspect.json")));
        Assert.Equal("dockernet_tester", container.Name);
        Assert.Equal(64, container.Id.Length);
        Assert.True(container.Pid > 0);
        Assert.Equal($"/proc/{container.Pid}/ns/net", container.NetworkNamespace);
    }

    [Fact]
    public void An_internal_network_is_read_with_its_bridge_and_containers()
    {
        var network = Assert.Single(Docker.ParseNetworks(FakeRunner.Fixture("docker-network-inspect.internal.json")));
        Assert.Equal("docker_custom", network.Name);
        Assert.True(network.Internal);
        Assert.Equal("br-" + network.Id[..12], network.Bridge);
        var (_, name, address) = Assert.Single(network.Containers);
        Assert.Equal("dockernet_tester", name);
        Assert.Equal("172.18.0.2/16", address.ToString());
    }

    [Fact]
    public void A_network_of_another_driver_is_refused()
    {
        var json = FakeRunner.Fixture("docker-network-inspect.internal.json").Replace("\"Driver\": \"bridge\"", "\"Driver\": \"macvlan\"", StringComparison.Ordinal);
        Assert.Equal(ErrorIds.DockerNetworkNotBridge, Assert.Throws<VlanException>(() => Docker.ParseNetworks(json)).ErrorId);
    }

    [Fact]
    public void A_bridge_named_by_option_is_used()
    {
        var json = FakeRunner.Fixture("docker-network-inspect.internal.json").Replace("\"Options\": {},\n        \"Labels\"", "\"Options\": {\"com.docker.network.bridge.name\": \"docker1\"},\n        \"Labels\"", StringComparison.Ordinal);
        Assert.Equal("docker1", Assert.Single(Docker.ParseNetworks(json)).Bridge);
    }
}
