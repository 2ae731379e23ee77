using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>
/// Makes and deletes sandboxes: network namespaces that stand in for the host. A sandbox is
/// marked by the alias of its loopback link, so only namespaces VirtualLan made are ever deleted.
/// </summary>
public sealed class SandboxService
{
    /// <summary>The default sandbox name.</summary>
    public const string DefaultName = "vlan-sandbox";

    /// <summary>The alias on a sandbox's lo that marks it as VirtualLan's.</summary>
    public const string Marker = "virtuallan:sandbox";

    private readonly Func<string, bool> _exists;

    /// <summary>Initializes a new instance of the <see cref="SandboxService"/> class.</summary>
    /// <param name="exists">Tells whether a file or folder exists (the per-namespace files under /etc/netns).</param>
    public SandboxService(Func<string, bool> exists)
    {
        _exists = exists;
    }

    /// <summary>Plans entering a sandbox: the namespace is made when missing and lo brought up.</summary>
    /// <param name="name">The sandbox name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan; empty of pending steps when the sandbox exists.</returns>
    public static Plan PlanEnter(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Names.Namespace(name, "Name");
        var exists = state.NamespaceNames.Contains(name, StringComparer.Ordinal);
        var steps = new List<Step>();
        if (!exists)
        {
            steps.Add(Step.Program(
                $"Create the sandbox namespace {name}",
                new CommandLine("ip", "netns", "add", name),
                new CommandLine("ip", "netns", "delete", name),
                s => s.NamespaceNames.Contains(name, StringComparer.Ordinal)));
            steps.Add(Step.Link($"Mark {name} as a VirtualLan sandbox", name, new[] { "link", "set", "dev", "lo", "alias", Marker }, null, null));
            steps.Add(Step.Link($"Bring lo up in {name}", name, new[] { "link", "set", "dev", "lo", "up" }, null, null));
        }

        return new Plan($"Enter sandbox {name}", name, steps);
    }

    /// <summary>Describes a sandbox from the kernel's state.</summary>
    /// <param name="name">The sandbox name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The sandbox.</returns>
    /// <exception cref="VlanException">The namespace does not exist.</exception>
    public static Sandbox Read(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.NamespaceNames.Contains(name, StringComparer.Ordinal))
        {
            throw new VlanException(
                ErrorIds.SandboxNotFound,
                VlanErrorKind.ObjectNotFound,
                name,
                $"There is no network namespace named '{name}'. Run Enter-VlanSandbox -Name {name} to make it.");
        }

        var links = state.Links(name);
        return new Sandbox(
            name,
            links.Link("lo")?.Alias == Marker,
            Inner(name, state),
            links.Links.Where(l => l.Name != "lo").Select(l => l.Name).ToArray());
    }

    /// <summary>
    /// Plans leaving a sandbox for good: its processes stopped (only with force), the namespaces
    /// made inside it deleted, then the sandbox itself. Deleting a namespace deletes every link
    /// in it, and a veth whose end is deleted goes with it, so nothing is left on the machine.
    /// </summary>
    /// <param name="name">The sandbox name.</param>
    /// <param name="force">Whether to kill processes still running in the sandbox.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The namespace is not a VirtualLan sandbox, or processes still run in it and force was not given.</exception>
    public Plan PlanExit(string name, bool force, KernelState state)
    {
        var sandbox = Read(name, state);
        if (!sandbox.IsManaged)
        {
            throw new VlanException(
                ErrorIds.NotASandbox,
                VlanErrorKind.InvalidOperation,
                name,
                $"The namespace '{name}' was not made by Enter-VlanSandbox, so it is not deleted. Use Exit-VlanSandbox -Keep to leave it, or delete it yourself with 'ip netns delete {name}'.");
        }

        var all = sandbox.Namespaces.Append(name).ToArray();
        var pids = all.SelectMany(state.Pids).Distinct().ToArray();
        var steps = new List<Step>();
        if (pids.Length > 0)
        {
            if (!force)
            {
                throw new VlanException(
                    ErrorIds.SandboxBusy,
                    VlanErrorKind.InvalidOperation,
                    name,
                    $"Processes still run in the sandbox '{name}' (PIDs {string.Join(", ", pids)}), and they would keep its namespaces alive. Stop them, or add -Force to kill them.");
            }

            steps.Add(Step.Program($"Kill the processes in {name}", new CommandLine("kill", new[] { "-KILL" }.Concat(pids)), null, null));
        }

        // ip steps outside any namespace: all the deletions go to one ip -batch.
        foreach (var inner in all)
        {
            steps.Add(Step.Link(
                $"Delete the namespace {inner}",
                null,
                new[] { "netns", "delete", inner },
                null,
                s => !s.NamespaceNames.Contains(inner, StringComparer.Ordinal)));
        }

        foreach (var inner in all.Where(n => _exists($"/etc/netns/{n}")))
        {
            steps.Add(Step.Program($"Delete /etc/netns/{inner}", new CommandLine("rm", "-r", $"/etc/netns/{inner}"), null, null));
        }

        return new Plan($"Delete sandbox {name} and everything in it", name, steps);
    }

    private static IReadOnlyList<string> Inner(string name, KernelState state) =>
        state.NamespaceNames.Where(n => n.StartsWith(name + ".", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
}
