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
        if (pids.Length > 0 && !force)
        {
            throw new VlanException(
                ErrorIds.SandboxBusy,
                VlanErrorKind.InvalidOperation,
                name,
                $"Processes still run in the sandbox '{name}' (PIDs {string.Join(", ", pids)}), and they would keep its namespaces alive. Stop them, or add -Force to kill them.");
        }

        // Deleting a namespace cannot be undone once the kernel has freed it. So each one is first held
        // by a bind mount of its own under /run, then its name is deleted (undone by mounting the hold
        // back on the name), and only the last command, which unmounts every hold at once, lets the
        // kernel free them: a failure at any step before it gives back every namespace as it was.
        var hold = HoldFolder(name);
        var steps = new List<Step>
        {
            Step.Program($"Make {hold} to hold the namespaces until the end", new CommandLine("mkdir", "-p", hold), new CommandLine("rmdir", hold), null),
        };
        foreach (var inner in all)
        {
            var held = $"{hold}/{inner}";
            var named = $"/run/netns/{inner}";
            steps.Add(Step.Program($"Make the mount point {held}", new CommandLine("touch", held), new CommandLine("rm", "-f", held), null));
            steps.Add(Step.Program($"Hold the namespace {inner} at {held}", new CommandLine("mount", "--bind", named, held), new CommandLine("umount", held), null));
            steps.Add(Step.ProgramWithUndo(
                $"Delete the name of the namespace {inner}",
                new CommandLine("ip", "netns", "delete", inner),
                new[] { new CommandLine("touch", named), new CommandLine("mount", "--bind", held, named) },
                s => !s.NamespaceNames.Contains(inner, StringComparer.Ordinal)));
            if (_exists($"/etc/netns/{inner}"))
            {
                steps.Add(Step.Program($"Move /etc/netns/{inner} away", new CommandLine("mv", $"/etc/netns/{inner}", $"{hold}/etc.{inner}"), new CommandLine("mv", $"{hold}/etc.{inner}", $"/etc/netns/{inner}"), null));
            }
        }

        steps.Add(Step.Program(
            $"Delete the namespaces of {name}, in one command",
            new CommandLine("umount", all.Select(inner => $"{hold}/{inner}")),
            null,
            null));
        if (pids.Length > 0)
        {
            // Processes keep their namespace alive with no name; they are killed once nothing can fail any more.
            steps.Add(Step.Program($"Kill the processes in {name}", new CommandLine("kill", new[] { "-KILL" }.Concat(pids)), null, null)
                .Tolerating($"The processes {string.Join(", ", pids)} of the sandbox {name} could not all be killed; they keep its namespaces alive without a name until they end"));
        }

        steps.Add(Step.Program($"Delete {hold}", new CommandLine("rm", "-r", hold), null, null)
            .Tolerating($"{hold} could not be deleted; delete it by hand"));
        var recovery = $"If namespaces of {name} are missing from 'ip netns list' but still held under {hold}, give one back with 'touch /run/netns/NAME; mount --bind {hold}/NAME /run/netns/NAME', or finish deleting them with 'umount {hold}/*; rm -r {hold}'.";
        return new Plan($"Delete sandbox {name} and everything in it", name, steps, recovery);
    }

    /// <summary>The folder where Exit-VlanSandbox holds a sandbox's namespaces while it deletes them.</summary>
    /// <param name="name">The sandbox.</param>
    /// <returns>The folder.</returns>
    public static string HoldFolder(string name) => $"/run/virtuallan-exit.{name}";

    private static IReadOnlyList<string> Inner(string name, KernelState state) =>
        state.NamespaceNames.Where(n => n.StartsWith(name + ".", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
}
