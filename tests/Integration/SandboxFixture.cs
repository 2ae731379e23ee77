using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A sandbox namespace of one test, with a unique name, deleted with everything made inside
/// when the test ends, whatever happened in it.
/// </summary>
internal sealed class TestSandbox : IDisposable
{
    public TestSandbox()
    {
        Name = "vlt-" + Guid.NewGuid().ToString("N")[..8];
        Runner = new RecordingRunner(new ProcessRunner(new ToolLocator()));
        Session = PowerShellSession.Open(new VlanSystem(Runner, () => File.ReadAllText("/proc/self/status"), batch: true, backend: VlanSystem.BackendFromEnvironment()) { NetnsFolder = new() });
        Session.Invoke("Enter-VlanSandbox -Name $args[0]", Name);
        if (Session.Errors.Count > 0)
        {
            throw new InvalidOperationException("Enter-VlanSandbox failed: " + Session.Errors[0]);
        }

        Runner.Commands.Clear();
    }

    public string Name { get; }

    public RecordingRunner Runner { get; }

    public PowerShellSession Session { get; }

    /// <summary>A namespace the test makes inside the sandbox, named so Exit-VlanSandbox finds it.</summary>
    public string Inner(string name) => $"{Name}.{name}";

    /// <summary>Opens another session on the same sandbox, as a second pwsh process would.</summary>
    public PowerShellSession OpenSecondSession()
    {
        var second = PowerShellSession.Open();
        second.Invoke("Enter-VlanSandbox -Name $args[0]", Name);
        return second;
    }

    public void Dispose()
    {
        Session.Dispose();
        foreach (var ns in Kernel.Namespaces().Where(n => n == Name || n.StartsWith(Name + ".", StringComparison.Ordinal)))
        {
            foreach (var pid in Kernel.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Kernel.Run("kill", "-KILL", pid.Trim());
            }

            Kernel.Run("ip", "netns", "delete", ns);
            if (Directory.Exists("/etc/netns/" + ns))
            {
                Directory.Delete("/etc/netns/" + ns, recursive: true);
            }
        }

        // A LAN's dnsmasq keeps its files in /run, named after the namespace it ran in (Dnsmasq.Folder).
        foreach (var folder in Directory.EnumerateDirectories("/run", $"virtuallan-{Name}*-dnsmasq.*"))
        {
            Directory.Delete(folder, recursive: true);
        }

        // As Exit-VlanSandbox does: /run/netns goes when the sandbox made it and nothing is left in it.
        new VirtualLan.Linux.NetnsFolder().RemoveIfMadeAndEmpty();
    }
}
