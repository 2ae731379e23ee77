using VirtualLan.Linux;

namespace VirtualLan.Appliances;

/// <summary>The appliance kinds, one class each. Adding a kind is adding its class and one line here.</summary>
internal static class ApplianceKinds
{
    /// <summary>Makes one planner per kind for a host.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    /// <returns>The planners by kind.</returns>
    public static IReadOnlyDictionary<ApplianceKind, IApplianceKind> For(NetworkHost host, Docker docker)
    {
        IApplianceKind[] kinds =
        [
            new NamespaceAppliance(host, docker),
            new ContainerAppliance(host, docker),
            new TapAppliance(host),
            new InterfaceAppliance(host),
            new DockerNetworkAppliance(host, docker),
        ];
        return kinds.ToDictionary(k => k.Kind);
    }
}
