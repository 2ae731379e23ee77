using System.Diagnostics;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A simulated world around a sandbox: an "internet" namespace holding 203.0.113.10 behind the WAN
/// 198.51.100.0/24 (198.51.100.1 on its side), reached by the sandbox host through the veth
/// uplink0 with 198.51.100.2/24 and its default route via 198.51.100.1 — the host's real
/// connection, in miniature. Everything lives inside the sandbox and goes with it.
/// </summary>
internal sealed class World : IDisposable
{
    public const string InternetHost = "203.0.113.10";
    public const string WanGateway = "198.51.100.1";
    public const string HostWanAddress = "198.51.100.2/24";
    public const string Uplink = "uplink0";

    private readonly List<Process> _processes = new();

    public World()
    {
        Sandbox = new TestSandbox();
        Internet = Sandbox.Inner("inet");
        Kernel.Must("ip", "netns", "add", Internet);
        Kernel.Must("ip", "-n", Internet, "link", "set", "lo", "up");
        Kernel.Must("ip", "-n", Internet, "addr", "add", InternetHost + "/32", "dev", "lo");
        Kernel.Must("ip", "-n", Sandbox.Name, "link", "add", Uplink, "type", "veth", "peer", "name", "wan0", "netns", Internet);
        Kernel.Must("ip", "-n", Internet, "addr", "add", WanGateway + "/24", "dev", "wan0");
        Kernel.Must("ip", "-n", Internet, "link", "set", "wan0", "up");
        Kernel.Must("ip", "-n", Sandbox.Name, "addr", "add", HostWanAddress, "dev", Uplink);
        Kernel.Must("ip", "-n", Sandbox.Name, "link", "set", Uplink, "up");
        Kernel.Must("ip", "-n", Sandbox.Name, "route", "add", "default", "via", WanGateway, "dev", Uplink);
    }

    public TestSandbox Sandbox { get; }

    public string Internet { get; }

    public PowerShellSession Session => Sandbox.Session;

    /// <summary>Plugs a namespace into a bridge by hand, as seed 004 does, with an address and a default route.</summary>
    public string PlugNamespace(string name, string bridge, string address, string? gateway)
    {
        var ns = Sandbox.Inner(name);
        var hostEnd = "v" + name;
        Kernel.Must("ip", "netns", "add", ns);
        Kernel.Must("ip", "-n", Sandbox.Name, "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Kernel.Must("ip", "-n", Sandbox.Name, "link", "set", hostEnd, "master", bridge, "up");
        Kernel.Must("ip", "-n", ns, "addr", "add", address, "dev", "eth0");
        Kernel.Must("ip", "-n", ns, "link", "set", "eth0", "up");
        Kernel.Must("ip", "-n", ns, "link", "set", "lo", "up");
        if (gateway is not null)
        {
            Kernel.Must("ip", "-n", ns, "route", "add", "default", "via", gateway);
        }

        return ns;
    }

    /// <summary>
    /// Deletes a namespace made by <see cref="PlugNamespace"/>, killing what runs in it, and waits
    /// until its veth is gone from the sandbox: the kernel tears a namespace down asynchronously.
    /// </summary>
    public void Unplug(string name)
    {
        var ns = Sandbox.Inner(name);
        foreach (var pid in Kernel.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Kernel.Run("kill", "-KILL", pid.Trim());
        }

        Kernel.Must("ip", "netns", "delete", ns);
        Kernel.WaitUntilGone(Sandbox.Name, "v" + name);
    }

    /// <summary>Starts a NetProbe server in a namespace and waits until it listens.</summary>
    /// <remarks>A UDP server in the internet namespace binds to 203.0.113.10, so its answers leave from the address the client used.</remarks>
    public Process Serve(string ns, string protocol, int port, int count = 1, string bind = "0.0.0.0")
    {
        var process = Start(ns, "dotnet", NetProbe, "serve", protocol, port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture), bind);
        var line = process.StandardOutput.ReadLine();
        if (line != "listening")
        {
            throw new InvalidOperationException($"NetProbe did not start in {ns}: {line} {process.StandardError.ReadToEnd()}");
        }

        return process;
    }

    /// <summary>Sends a message from a namespace and returns the server's answer, or null when none came.</summary>
    /// <remarks>With <paramref name="sourceAddress"/> the message leaves from that address, which the namespace must hold (to forge a source).</remarks>
    public static string? Send(string ns, string protocol, string host, int port, string message, int sourcePort = 0, string? sourceAddress = null)
    {
        var arguments = new[] { "send", protocol, host, port.ToString(System.Globalization.CultureInfo.InvariantCulture), message, sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var (code, output, _) = Kernel.Run(Kernel.In(ns, new[] { "dotnet", NetProbe }.Concat(arguments).Concat(sourceAddress is null ? Array.Empty<string>() : new[] { sourceAddress }).ToArray()));
        return code == 0 ? output.Trim() : null;
    }

    /// <summary>Starts a long-running program in a namespace; it is killed when the world ends.</summary>
    public Process Start(string ns, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", ns, program }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }

    /// <summary>Gets the invariants the last world broke, found when it ended; <see cref="CheckInvariantsAttribute"/> fails the test on them.</summary>
    public static List<string> Violations { get; } = new();

    /// <summary>
    /// The invariants every state-changing test must leave: a router's FORWARD policy is DROP,
    /// every rule in one of the module's VLAN-* chains names its owner, and no shell was started.
    /// </summary>
    public IReadOnlyList<string> FindViolations()
    {
        var found = new List<string>();
        foreach (var ns in Kernel.Namespaces().Where(n => n == Sandbox.Name || n.StartsWith(Sandbox.Name + ".", StringComparison.Ordinal)))
        {
            var (code, rules, _) = Kernel.Run("ip", "netns", "exec", ns, "iptables-save");
            if (code != 0)
            {
                continue;
            }

            found.AddRange(rules.Split('\n')
                .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && l.Contains("VLAN-", StringComparison.Ordinal) && !l.Contains("--comment \"virtuallan:", StringComparison.Ordinal))
                .Select(l => $"{ns}: a rule of the module without an owner: {l}"));
            if (ns == Sandbox.Inner("router") && rules.Contains("*filter", StringComparison.Ordinal) && !rules.Contains(":FORWARD DROP", StringComparison.Ordinal))
            {
                found.Add($"{ns}: the router's FORWARD policy is not DROP");
            }
        }

        found.AddRange(Sandbox.Runner.Commands
            .Where(c => c.Command.Program is "sh" or "bash" or "dash" || c.Command.Arguments.Any(a => a is "sh" or "bash" or "dash"))
            .Select(c => $"a shell was started: {c.Command}"));
        return found;
    }

    public void Dispose()
    {
        Violations.Clear();
        Violations.AddRange(FindViolations());
        try
        {
            foreach (var process in _processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }

                process.Dispose();
            }
        }
        finally
        {
            Sandbox.Dispose();
        }
    }

    private static string NetProbe => Path.Combine(AppContext.BaseDirectory, "NetProbe.dll");
}
