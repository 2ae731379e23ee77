using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Appliances;

/// <summary>
/// Builds the command that runs a program inside an appliance's network namespace, as argv (never
/// through a shell): <c>ip netns exec NS</c> for a namespace (its name on the machine, sandbox-prefixed),
/// <c>nsenter --net=/proc/PID/ns/net</c> for a container (the host's program in the container's network,
/// so tools the image lacks are there). A tap, an adapter or a Docker network has no namespace of its own.
/// </summary>
public static class ApplianceCommand
{
    /// <summary>Builds the command line.</summary>
    /// <param name="appliance">The appliance, read live (a container's namespace is found through Docker).</param>
    /// <param name="argv">The program and its arguments.</param>
    /// <returns>The command line.</returns>
    /// <exception cref="VlanException">The appliance has no namespace, or argv is empty.</exception>
    public static CommandLine For(Appliance appliance, IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(appliance);
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0 || string.IsNullOrEmpty(argv[0]))
        {
            throw new VlanException(ErrorIds.ApplianceCommandInvalid, VlanErrorKind.InvalidArgument, appliance.Name, $"No command was given to run in '{appliance.Name}'. Give one as a script block, Invoke-VlanAppliance {appliance.Name} {{ ping -c1 172.24.0.1 }}, or after --: Invoke-VlanAppliance {appliance.Name} -- ping -c1 172.24.0.1.");
        }

        if (appliance.Kind is not (ApplianceKind.Namespace or ApplianceKind.Container))
        {
            throw new VlanException(
                ErrorIds.ApplianceNotANamespace,
                VlanErrorKind.InvalidOperation,
                appliance.Name,
                $"'{appliance.Name}' is a {appliance.Kind} appliance, which has no network namespace of its own to run a command in: a tap or an adapter belongs to a VM, a Docker network to its containers. Run the command in the VM, or in a container with -Container joined (Invoke-VlanAppliance CONTAINER), or 'docker exec'.");
        }

        if (appliance.Namespace is not { Length: > 0 } ns)
        {
            throw new VlanException(
                ErrorIds.ApplianceNotANamespace,
                VlanErrorKind.InvalidOperation,
                appliance.Name,
                $"The network namespace of '{appliance.Name}' was not found (a container that no longer runs?). Run Get-VlanAppliance {appliance.Name} to see it.");
        }

        return NetworkHost.ExecIn(ns, argv[0], argv.Skip(1));
    }
}
