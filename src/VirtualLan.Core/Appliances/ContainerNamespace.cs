using VirtualLan.Linux;

namespace VirtualLan.Appliances;

/// <summary>Finds a container's network namespace, or nothing when Docker no longer knows it.</summary>
internal static class ContainerNamespace
{
    /// <summary>Returns the namespace of a container, or null.</summary>
    /// <param name="docker">The Docker reader.</param>
    /// <param name="id">The container's id, or null.</param>
    /// <returns>Its /proc/PID/ns/net path, or null.</returns>
    public static string? TryFind(Docker docker, string? id)
    {
        if (id is null)
        {
            return null;
        }

        try
        {
            return docker.Container(id).NetworkNamespace;
        }
        catch (VlanException)
        {
            return null;
        }
    }
}
