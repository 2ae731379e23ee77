using System.Globalization;
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
    private readonly ModuleProcesses _processes;

    /// <summary>Initializes a new instance of the <see cref="SandboxService"/> class.</summary>
    /// <param name="exists">Tells whether a file or folder exists (the per-namespace files under /etc/netns).</param>
    /// <param name="processes">Tells the module's own processes from others; null for the machine's.</param>
    public SandboxService(Func<string, bool> exists, ModuleProcesses? processes = null)
    {
        _exists = exists;
        _processes = processes ?? ModuleProcesses.Machine;
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
    /// Lists the sandboxes on the machine: namespaces whose lo carries the sandbox marker. A
    /// namespace named inside another (sandbox.router) is never one, so it is not read.
    /// </summary>
    /// <param name="state">The kernel's state (the machine's namespaces).</param>
    /// <returns>The sandboxes, by name.</returns>
    public static IReadOnlyList<Sandbox> List(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var names = state.NamespaceNames;
        return names
            .Where(n => !names.Any(outer => n.StartsWith(outer + ".", StringComparison.Ordinal)))
            .Where(n => state.Links(n).Link("lo")?.Alias == Marker)
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n => Read(n, state))
            .ToArray();
    }

    /// <summary>
    /// Plans leaving a sandbox for good: the module's own processes (its DHCP clients) stopped, any
    /// other only with force, the namespaces
    /// made inside it deleted, then the sandbox itself. Deleting a namespace deletes every link
    /// in it, and a veth whose end is deleted goes with it, so nothing is left on the machine.
    /// </summary>
    /// <param name="name">The sandbox name.</param>
    /// <param name="force">Whether to kill processes still running in the sandbox.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="preview">Whether the plan is only shown (-WhatIf): processes that would block the exit are then a warning of the plan, not an error.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The namespace is not a VirtualLan sandbox, or processes still run in it and force was not given.</exception>
    public Plan PlanExit(string name, bool force, KernelState state, bool preview = false)
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

        // A namespace named like the sandbox's is deleted only when it is part of it: one the sandbox
        // reaches with a veth (a router, an appliance, a simulated internet), or one carrying a
        // VirtualLan record on its lo. Another "NAME.x" may be anyone's, and is never deleted.
        var peers = sandbox.Namespaces.Count == 0 ? new HashSet<string>(StringComparer.Ordinal) : state.PeerNamespaces(name).ToHashSet(StringComparer.Ordinal);
        var foreign = sandbox.Namespaces
            .Where(inner => !peers.Contains(inner) && AliasRecord.KindOf(state.Links(inner).Link("lo")?.Alias) is null)
            .ToArray();
        if (foreign.Length > 0)
        {
            throw new VlanException(
                ErrorIds.ForeignNamespace,
                VlanErrorKind.InvalidOperation,
                foreign[0],
                $"The namespace(s) {string.Join(", ", foreign)} are named like the sandbox '{name}''s but are not connected to it and carry no VirtualLan record, so Exit-VlanSandbox deletes nothing. Delete them yourself if they are yours ('ip netns delete {foreign[0]}'), or leave the sandbox as it is with Exit-VlanSandbox -Keep.");
        }

        var all = sandbox.Namespaces.Append(name).ToArray();
        var pids = all.SelectMany(n => state.Pids(n)).Distinct().ToArray();

        // The module's own processes (the DHCP clients of its routers) go with the sandbox; any other blocks it, unless forced.
        var own = all.SelectMany(inner => _processes.Own(inner, state.Pids(inner))).ToHashSet(StringComparer.Ordinal);
        var others = pids.Where(p => !own.Contains(p)).ToArray();
        var warnings = new List<string>();
        if (others.Length > 0 && !force)
        {
            var busy = new VlanException(
                ErrorIds.SandboxBusy,
                VlanErrorKind.InvalidOperation,
                name,
                $"Processes still run in the sandbox '{name}', and they would keep its namespaces alive: {string.Join(", ", others.Select(_processes.Describe))}. Stop them, or add -Force to kill them.");
            if (!preview)
            {
                throw busy;
            }

            warnings.Add(busy.Message);
        }

        var stopped = force ? pids : own.ToArray();

        // Deleting a namespace cannot be undone once the kernel has freed it. The executor holds every
        // namespace a plan deletes open while the plan runs (DeleteNamespace), so deleting a name is
        // undone by mounting the held namespace back on it; the kernel frees the namespaces when the
        // hold is closed after the plan.
        var steps = new List<Step>();
        var etc = all.Where(inner => _exists($"/etc/netns/{inner}")).ToArray();
        var folder = HoldFolder(name);
        if (etc.Length > 0)
        {
            steps.Add(Step.Program($"Make {folder} to keep /etc/netns files until the end", new CommandLine("mkdir", "-p", folder), new CommandLine("rmdir", folder), null));
            steps.AddRange(etc.Select(inner => Step.Program($"Move /etc/netns/{inner} away", new CommandLine("mv", $"/etc/netns/{inner}", $"{folder}/etc.{inner}"), new CommandLine("mv", $"{folder}/etc.{inner}", $"/etc/netns/{inner}"), null)));
        }

        steps.AddRange(all.Select(inner => new Operations.DeleteNamespace(inner).ToStep($"Delete the namespace {inner}")));

        if (stopped.Length > 0)
        {
            // Processes keep their namespace alive with no name; they are killed once nothing can fail any more.
            steps.Add(Step.Program($"Kill the processes in {name}: {string.Join(", ", stopped.Select(_processes.Describe))}", new CommandLine("kill", new[] { "-KILL" }.Concat(stopped)), null, null)
                .Tolerating($"The processes {string.Join(", ", stopped)} of the sandbox {name} could not all be killed; they keep its namespaces alive without a name until they end"));
        }

        // A DHCP client killed above (or earlier) leaves its pid file behind, and a LAN's dnsmasq its
        // folder (Dnsmasq.Folders); they go once nothing can fail any more.
        var files = all.SelectMany(DhcpClients.Files).Where(_exists).Concat(all.SelectMany(Dnsmasq.Folders)).ToArray();
        if (files.Length > 0)
        {
            steps.Add(Step.Program($"Delete the DHCP files {string.Join(", ", files)}", new CommandLine("rm", new[] { "-rf", "--" }.Concat(files)), null, null)
                .Tolerating($"{string.Join(", ", files)} could not all be deleted; delete them by hand"));
        }

        if (etc.Length > 0)
        {
            steps.Add(Step.Program($"Delete {folder}", new CommandLine("rm", "-r", folder), null, null)
                .Tolerating($"{folder} could not be deleted; delete it by hand"));
        }

        return new Plan($"Delete sandbox {name} and everything in it", name, steps)
        {
            Warnings = warnings,
            Stopping = stopped.Select(p => ProcessIdentity.Of(int.Parse(p, CultureInfo.InvariantCulture))).OfType<ProcessIdentity>().ToArray(),
        };
    }

    /// <summary>The folder where Exit-VlanSandbox holds a sandbox's namespaces while it deletes them.</summary>
    /// <param name="name">The sandbox.</param>
    /// <returns>The folder.</returns>
    public static string HoldFolder(string name) => $"/run/virtuallan-exit.{name}";

    private static IReadOnlyList<string> Inner(string name, KernelState state) =>
        state.NamespaceNames.Where(n => n.StartsWith(name + ".", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
}
