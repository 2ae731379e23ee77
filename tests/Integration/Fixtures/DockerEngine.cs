using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A private Docker engine (dockerd with its own containerd) whose network side lives entirely in
/// one test namespace: its bridges, veths and iptables rules land there, never in the machine's
/// own namespace. Its sockets, state and images live in folders of its own
/// (<c>/run/vld-&lt;id&gt;</c>, <c>/var/tmp/vld-&lt;id&gt;</c>), so it neither needs nor disturbs a Docker
/// installed on the machine. Point the module under test at it with <c>DOCKER_HOST=</c><see cref="Host"/>.
/// </summary>
/// <remarks>
/// What a daemon restart does to containers (observed with docker.io 20.10.24, containerd 1.6.20,
/// live-restore off, the default): on SIGTERM dockerd stops every container (SIGTERM, then SIGKILL
/// after --shutdown-timeout), removes their veths and their network namespaces (the bind mounts under
/// exec-root/netns), stops containerd, and leaves the bridges (docker0, br-&lt;id&gt;) and its iptables
/// rules in place. When it starts again it restarts the containers whose restart policy asks for it
/// (always, unless-stopped) before its API answers: each gets a new PID, a new network namespace (a
/// new SandboxKey) and a new veth with a new host-side name; its IP address on a user network came
/// back the same in our runs, and RestartCount stays 0 (a daemon restart is not counted). Anything
/// holding the old PID or /proc/PID/ns/net must look the container up again after a restart.
/// </remarks>
internal sealed class DockerEngine : IDisposable
{
    private static readonly TimeSpan _readyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan _stopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _helperTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan _cliTimeout = TimeSpan.FromSeconds(120);

    private static readonly string[] _applets =
    [
        "sh", "ip", "nc", "ping", "sleep", "cat", "ifconfig", "route", "udhcpc", "wget", "httpd", "echo", "ls",
        "arp", "hostname", "kill", "ps", "mkdir", "rm", "grep", "printf", "true", "false", "test", "env", "nslookup", "traceroute",
    ];

    // dockerd and containerd create these whatever their roots are (plugin discovery, shim sockets);
    // they are removed on disposal when this engine brought them into being and they are empty again.
    private static readonly string[] _sharedFolders = ["/run/docker/plugins", "/run/docker", "/run/containerd/s", "/run/containerd"];

    private readonly string[] _extraArguments;
    private readonly string _dataRoot;
    private readonly string _execRoot;
    private readonly string _pidFile;
    private readonly string _configFile;
    private readonly string _cliConfig;
    private readonly string _logPath;
    private readonly StreamWriter _log;
    private readonly string[] _sharedFoldersToRemove;
    private Process? _dockerd;
    private bool _disposed;

    /// <summary>
    /// Starts dockerd in <paramref name="networkNamespace"/>, which must exist, and returns once it
    /// answers. <paramref name="extraArguments"/> are appended to dockerd's command line (e.g. --bip).
    /// </summary>
    public DockerEngine(string networkNamespace, params string[] extraArguments)
    {
        Namespace = networkNamespace;
        _extraArguments = extraArguments;
        Id = "vld-" + Guid.NewGuid().ToString("N")[..8];
        RunFolder = "/run/" + Id;
        DataFolder = "/var/tmp/" + Id;
        _dataRoot = Path.Combine(DataFolder, "data");
        _execRoot = Path.Combine(RunFolder, "exec");
        _pidFile = Path.Combine(RunFolder, "docker.pid");
        _configFile = Path.Combine(DataFolder, "daemon.json");
        _cliConfig = Path.Combine(DataFolder, "cli");
        _logPath = Path.Combine(DataFolder, "dockerd.log");
        Host = $"unix://{RunFolder}/docker.sock";

        if (!File.Exists("/run/netns/" + networkNamespace))
        {
            throw new ArgumentException($"Network namespace {networkNamespace} does not exist.", nameof(networkNamespace));
        }

        _sharedFoldersToRemove = _sharedFolders.Where(f => !Directory.Exists(f)).ToArray();
        Directory.CreateDirectory(RunFolder);
        Directory.CreateDirectory(_dataRoot);
        Directory.CreateDirectory(_cliConfig);
        // Our own configuration file keeps a daemon.json on the machine out, and moves the trust key
        // dockerd 20.10 would otherwise create as /etc/docker/key.json into our folder.
        File.WriteAllText(_configFile, $$"""{ "deprecated-key-path": "{{Path.Combine(DataFolder, "key.json")}}" }""");
        _log = new StreamWriter(new FileStream(_logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

        try
        {
            Start();
        }
        catch (Exception startFailure)
        {
            try
            {
                Dispose();
            }
            catch (InvalidOperationException cleanupFailure)
            {
                throw new InvalidOperationException($"{startFailure.Message}\n{cleanupFailure.Message}", startFailure);
            }

            throw;
        }
    }

    /// <summary>vld- and 8 hex digits; names this engine's folders.</summary>
    public string Id { get; }

    /// <summary>The engine's API address, for docker -H or DOCKER_HOST.</summary>
    public string Host { get; }

    /// <summary>/run/vld-&lt;id&gt;: socket, pid file and exec-root (containerd state, container namespaces).</summary>
    public string RunFolder { get; }

    /// <summary>/var/tmp/vld-&lt;id&gt;: data-root (images, containers, networks), daemon.json and dockerd.log.</summary>
    public string DataFolder { get; }

    /// <summary>The network namespace dockerd runs in.</summary>
    public string Namespace { get; }

    /// <summary>The PID of the running dockerd.</summary>
    public int DaemonPid => _dockerd?.Id ?? throw new InvalidOperationException("dockerd is not running.");

    /// <summary>Runs the docker CLI against this engine and returns its standard output; throws with its standard error when it fails.</summary>
    public string Docker(params string[] arguments)
    {
        var (code, output, error) = RunDocker(null, arguments);
        return code == 0
            ? output
            : throw new InvalidOperationException($"docker {string.Join(' ', arguments)} failed ({code}): {error}");
    }

    /// <summary>
    /// Imports a one-layer image holding a static busybox as /bin/busybox and its applets as
    /// symlinks, and returns <paramref name="tag"/>. It has no default command: run it with one,
    /// e.g. <c>sleep 3600</c>, and with <c>--cap-add NET_ADMIN</c> when the container must change its network.
    /// </summary>
    public string ImportBusyboxImage(string tag = "vlt-busybox:latest")
    {
        string[] arguments = ["import", "--message", "VirtualLan test image: static busybox", "-", tag];
        var (code, _, error) = RunDocker(BusyboxRootfs(), arguments);
        return code == 0
            ? tag
            : throw new InvalidOperationException($"docker {string.Join(' ', arguments)} failed ({code}): {error}");
    }

    /// <summary>
    /// Stops dockerd as a service manager would (SIGTERM, wait) and starts it again with the same
    /// settings; returns once it answers. See the class remarks for what happens to containers.
    /// </summary>
    public void Restart()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Stop();
        Start();
    }

    /// <summary>
    /// Removes every container and user-defined network, stops dockerd and waits for it, containerd and
    /// the shims to end (killing them after a timeout), unmounts what is left under the engine's folders
    /// and deletes them. Throws, after doing all it can, when something could not be cleaned up.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var problems = new List<string>();
        // Read from disk rather than asked from dockerd: a crashed engine still has its containers' processes to end.
        var containers = Directory.Exists(Path.Combine(_dataRoot, "containers"))
            ? Directory.GetDirectories(Path.Combine(_dataRoot, "containers")).Select(Path.GetFileName).OfType<string>().ToArray()
            : [];

        if (_dockerd is { HasExited: false })
        {
            if (containers.Length > 0)
            {
                Note(problems, RunDocker(null, ["rm", "--force", "--volumes", .. containers]), "docker rm");
            }

            var (code, networks, _) = RunDocker(null, ["network", "ls", "--quiet", "--filter", "type=custom"]);
            var custom = networks.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (code == 0 && custom.Length > 0)
            {
                Note(problems, RunDocker(null, ["network", "rm", .. custom]), "docker network rm");
            }
        }

        Stop();

        // A container whose dockerd and shim died keeps running; its processes are found by their cgroup.
        KillAndWait(ProcessesWhere(pid => containers.Any(id => Read($"/proc/{pid}/cgroup").Contains(id, StringComparison.Ordinal))), "outlived its engine");

        // A shim removes its socket as it exits; one that had to be killed leaves it in the shared /run/containerd/s.
        foreach (var id in containers)
        {
            var socket = ShimSocket(id);
            if (File.Exists(socket))
            {
                File.Delete(socket);
            }
        }

        // docker0 is the default network's bridge, which dockerd creates and never deletes; br-<id> went with its network.
        if (File.Exists("/run/netns/" + Namespace) && Kernel.Run("ip", "-n", Namespace, "link", "show", "docker0").ExitCode == 0)
        {
            Kernel.Run("ip", "-n", Namespace, "link", "delete", "docker0");
        }

        foreach (var mountPoint in MountsUnderFolders().OrderByDescending(m => m.Length))
        {
            if (Kernel.Run("umount", mountPoint).ExitCode != 0 && Kernel.Run("umount", "--lazy", mountPoint).ExitCode != 0)
            {
                problems.Add("cannot unmount " + mountPoint);
            }
        }

        _log.Dispose();
        foreach (var folder in new[] { RunFolder, DataFolder })
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"cannot delete {folder}: {e.Message}");
            }
        }

        foreach (var folder in _sharedFoldersToRemove.Where(f => Directory.Exists(f) && !Directory.EnumerateFileSystemEntries(f).Any()))
        {
            Directory.Delete(folder);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"Docker engine {Id} was not cleaned up cleanly:\n" + string.Join('\n', problems));
        }
    }

    private void Start()
    {
        var start = new ProcessStartInfo("nsenter")
        {
            RedirectStandardInput = true, // never share the test runner's stdin
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // nsenter, not ip netns exec: ip netns exec remounts /sys for the namespace, which hides
        // /sys/fs/cgroup from dockerd. Without --fork nsenter execs dockerd, so the PID is dockerd's.
        foreach (var argument in new[]
        {
            "--net=/run/netns/" + Namespace, "dockerd",
            "--host", Host,
            "--data-root", _dataRoot,
            "--exec-root", _execRoot,
            "--pidfile", _pidFile,
            "--config-file", _configFile,
            // Containers running sleep (PID 1 ignores SIGTERM) would hold every stop for the default 15 s.
            "--shutdown-timeout", "3",
        }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var dockerd = new Process { StartInfo = start };
        dockerd.OutputDataReceived += (_, e) => WriteLog(e.Data);
        dockerd.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        dockerd.Start();
        dockerd.BeginOutputReadLine();
        dockerd.BeginErrorReadLine();
        _dockerd = dockerd;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (dockerd.HasExited)
            {
                dockerd.WaitForExit(); // drain the log
                throw new InvalidOperationException($"dockerd exited ({dockerd.ExitCode}) before answering.\n{LogTail()}");
            }

            var (code, _, error) = RunDocker(null, ["info", "--format", "{{.ServerVersion}}"]);
            if (code == 0)
            {
                return;
            }

            if (deadline.Elapsed > _readyTimeout)
            {
                throw new TimeoutException($"dockerd did not answer on {Host} within {_readyTimeout.TotalSeconds:0} s: {error}\n{LogTail()}");
            }

            Thread.Sleep(250);
        }
    }

    private void Stop()
    {
        var dockerd = _dockerd;
        if (dockerd is null)
        {
            return;
        }

        _dockerd = null;
        // After a crash nothing will stop containerd and the shims: kill them at once rather than wait.
        var graceful = !dockerd.HasExited;
        try
        {
            if (graceful)
            {
                Kernel.Run("kill", "-TERM", dockerd.Id.ToString(CultureInfo.InvariantCulture));
                if (!dockerd.WaitForExit(_stopTimeout))
                {
                    WriteLog($"[fixture] dockerd did not stop within {_stopTimeout.TotalSeconds:0} s; killing it");
                    dockerd.Kill(entireProcessTree: true);
                }
            }

            dockerd.WaitForExit(); // and drain the log readers
        }
        finally
        {
            dockerd.Dispose();
        }

        // With --live-restore the shims keep the containers running while dockerd is away, as in
        // production, and the next dockerd takes them over: a restart must leave them alone.
        if (!_disposed && _extraArguments.Contains("--live-restore"))
        {
            return;
        }

        // containerd (a child of dockerd) and the shims (daemons of their own) name our exec-root on
        // their command lines; a restart must not start while the old ones still hold its sockets.
        var deadline = Stopwatch.StartNew();
        var helpers = ProcessesWhere(NamesOurFolders);
        while (graceful && helpers.Count > 0 && deadline.Elapsed < _helperTimeout)
        {
            Thread.Sleep(100);
            helpers = ProcessesWhere(NamesOurFolders);
        }

        KillAndWait(helpers, "outlived dockerd");
    }

    /// <summary>SIGKILLs processes and waits until they are gone, so that their mounts and sockets are released.</summary>
    private void KillAndWait(List<int> pids, string why)
    {
        foreach (var pid in pids)
        {
            WriteLog($"[fixture] {pid} ({Read($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()}) {why}; killing it");
            Kernel.Run("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < 50 && pids.Any(pid => Directory.Exists($"/proc/{pid}")); i++)
        {
            Thread.Sleep(100);
        }
    }

    private (int ExitCode, string Output, string Error) RunDocker(byte[]? input, string[] arguments)
    {
        var start = new ProcessStartInfo("docker")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Only -H decides which engine answers; the user's CLI configuration (contexts, proxies) stays out.
        foreach (var variable in new[] { "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH" })
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DOCKER_CONFIG"] = _cliConfig;
        start.ArgumentList.Add("--host");
        start.ArgumentList.Add(Host);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(_cliTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', arguments)} did not finish in {_cliTimeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>A tar of the image's root: the directories a container runtime expects and busybox with its applets.</summary>
    private static byte[] BusyboxRootfs()
    {
        var busybox = File.ReadAllBytes(Kernel.Busybox);
        // A container has no libc of its own here: only busybox-static's binary runs in it.
        if (Kernel.HasInterpreter(busybox))
        {
            throw new InvalidOperationException($"{Kernel.Busybox} is dynamically linked: install the Debian package busybox-static.");
        }

        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var directory in new[] { "bin", "dev", "etc", "proc", "sys", "root", "tmp", "var", "var/run" })
            {
                var mode = directory == "tmp" ? (UnixFileMode)0x3FF | UnixFileMode.StickyBit : (UnixFileMode)0x1ED; // 1777 : 755
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, directory + "/") { Mode = mode });
            }

            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox")
            {
                Mode = (UnixFileMode)0x1ED,
                DataStream = new MemoryStream(busybox),
            });
            foreach (var applet in _applets)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", Mode = (UnixFileMode)0x1FF });
            }

            // busybox's ping, wget and ps look names up in these; missing files make them print noise.
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/passwd")
            {
                Mode = (UnixFileMode)0x1A4,
                DataStream = new MemoryStream(Encoding.ASCII.GetBytes("root:x:0:0:root:/root:/bin/sh\n")),
            });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/group")
            {
                Mode = (UnixFileMode)0x1A4,
                DataStream = new MemoryStream(Encoding.ASCII.GetBytes("root:x:0:\n")),
            });
        }

        return tar.ToArray();
    }

    /// <summary>
    /// Where containerd 1.6 puts a container's shim socket: /run/containerd/s/ and the SHA-256 of
    /// containerd's address, the containerd namespace (moby for dockerd) and the container id.
    /// </summary>
    private string ShimSocket(string containerId) =>
        "/run/containerd/s/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.Combine(_execRoot, "containerd", "containerd.sock", "moby", containerId))));

    private bool NamesOurFolders(int pid) =>
        Read($"/proc/{pid}/cmdline").Split('\0').Any(a => a.Contains(RunFolder + "/", StringComparison.Ordinal) || a.Contains(DataFolder + "/", StringComparison.Ordinal));

    private List<string> MountsUnderFolders() =>
        File.ReadAllLines("/proc/mounts")
            .Select(line => line.Split(' ')[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => IsUnder(m, RunFolder) || IsUnder(m, DataFolder))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static List<int> ProcessesWhere(Func<int, bool> predicate)
    {
        var matches = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out var pid) && pid != Environment.ProcessId && predicate(pid))
            {
                matches.Add(pid);
            }
        }

        return matches;
    }

    /// <summary>A /proc file, or nothing when the process has gone meanwhile.</summary>
    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static void Note(List<string> problems, (int ExitCode, string Output, string Error) result, string what)
    {
        if (result.ExitCode != 0)
        {
            problems.Add($"{what} failed ({result.ExitCode}): {result.Error.Trim()}");
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private string LogTail()
    {
        const int keep = 4000;
        string log;
        lock (_log)
        {
            using var reader = new StreamReader(new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            log = reader.ReadToEnd();
        }

        return $"--- {_logPath} (tail) ---\n" + (log.Length > keep ? log[^keep..] : log);
    }
}
