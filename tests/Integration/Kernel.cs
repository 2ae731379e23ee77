using System.Diagnostics;
using System.Text.Json;

namespace VirtualLan.Tests.Integration;

/// <summary>A fact that needs root and a real kernel; it is skipped, saying why, anywhere else.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (!Kernel.IsRoot)
        {
            Skip = "Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to build network namespaces; run the suite as root, as CI does.";
        }
    }
}

/// <summary>A theory that needs root and a real kernel.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (!Kernel.IsRoot)
        {
            Skip = "Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to build network namespaces; run the suite as root, as CI does.";
        }
    }
}

/// <summary>Runs the commands a test uses to build and observe its world, independently of the module.</summary>
internal static class Kernel
{
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static string Busybox => File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";

    /// <summary>Runs a program with an argument array and returns its exit code and output.</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 60 s.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a program that must succeed and returns its standard output.</summary>
    public static string Must(string program, params string[] arguments)
    {
        var (code, output, error) = Run(program, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {error}");
        }

        return output;
    }

    public static IReadOnlyList<string> Namespaces()
    {
        var json = Must("ip", "-json", "netns", "list");
        if (string.IsNullOrWhiteSpace(json))
        {
            return Array.Empty<string>();
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
    }

    /// <summary>Waits until a link is gone from a namespace: the kernel deletes a namespace's veths asynchronously.</summary>
    public static void WaitUntilGone(string ns, string link)
    {
        for (var i = 0; i < 100 && Run("ip", "-n", ns, "link", "show", link).ExitCode == 0; i++)
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>Whether an ELF64 executable names a dynamic loader (a PT_INTERP program header): a static busybox must not.</summary>
    public static bool HasInterpreter(byte[] elf)
    {
        var programHeaders = BitConverter.ToInt64(elf, 0x20);
        var entrySize = BitConverter.ToUInt16(elf, 0x36);
        var count = BitConverter.ToUInt16(elf, 0x38);
        for (var i = 0; i < count; i++)
        {
            if (BitConverter.ToUInt32(elf, (int)programHeaders + (i * entrySize)) == 3)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Pings from a namespace with busybox; true when a reply came back.</summary>
    public static bool Ping(string fromNamespace, string address) =>
        Run(In(fromNamespace, Busybox, "ping", "-c", "1", "-W", "2", address)).ExitCode == 0;

    /// <summary>Runs an argument vector (program first).</summary>
    public static (int ExitCode, string Output, string Error) Run(string[] argv) => Run(argv[0], argv[1..]);

    /// <summary>
    /// Builds the argument vector that runs a program inside a namespace: a name under /run/netns
    /// (ip netns exec) or a container's /proc/PID/ns/net (nsenter, keeping the host's files).
    /// </summary>
    public static string[] In(string ns, params string[] argv) =>
        ns.StartsWith('/') ? ["nsenter", "--net=" + ns, .. argv] : ["ip", "netns", "exec", ns, .. argv];

    /// <summary>
    /// What a namespace holds, in a form that two moments can be compared by: every link with its
    /// kind, master, MTU, flags, alias and IPv4 addresses, and its IPv4 routes (the module manages
    /// IPv4; the kernel adds and drops IPv6 link-local routes with carrier). Counters, timers and carrier
    /// state are left out.
    /// </summary>
    public static string Snapshot(string? namespaceName)
    {
        // A container's namespace is a /proc/PID/ns/net path, entered with nsenter.
        string Ip(params string[] arguments) => namespaceName is not null && namespaceName.StartsWith('/')
            ? Must("nsenter", ["--net=" + namespaceName, "ip", .. arguments])
            : Must("ip", [.. (namespaceName is null ? Array.Empty<string>() : new[] { "-n", namespaceName }), .. arguments]);
        var links = VirtualLan.Linux.IpJson.ParseLinks(Ip("-details", "-json", "addr", "show"))
            .OrderBy(l => l.Name, StringComparer.Ordinal)
            .Select(l => $"{l.Name} kind={l.Kind} master={l.Master} mtu={l.Mtu} flags={string.Join(',', l.Flags.Where(f => f is "UP" or "LOOPBACK" or "BROADCAST" or "MULTICAST"))} alias={l.Alias} mac={l.MacAddress} addr={string.Join(',', l.Addresses)}");
        // "linkdown" reflects a bridge's carrier (it has no running port), not configuration.
        var routes = string.Join('\n', Ip("-4", "route", "show", "table", "all").Replace(" linkdown", string.Empty, StringComparison.Ordinal).Split('\n').Order(StringComparer.Ordinal));
        return string.Join('\n', links) + "\n--routes--\n" + routes;
    }
}
