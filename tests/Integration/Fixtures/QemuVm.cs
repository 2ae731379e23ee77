using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A tiny Linux guest under QEMU whose only NIC is a tap device that already exists in a test
/// namespace, so tests can prove that the module's bridges and routers carry real traffic from
/// a real kernel, not only from veths. The guest is a distribution kernel plus a busybox initramfs
/// built here; once up it answers ping, echoes TCP on <see cref="EchoPort"/>, tells its own address
/// on <see cref="WhoAmIPort"/> and the source address it sees over HTTP on <see cref="PeerHttpPort"/>.
/// </summary>
internal sealed class QemuVm : IDisposable
{
    /// <summary>TCP port on which the guest echoes back whatever it receives.</summary>
    public const int EchoPort = 5000;

    /// <summary>TCP port on which the guest writes its own address (one line) and closes.</summary>
    public const int WhoAmIPort = 5001;

    /// <summary>HTTP port serving <c>/cgi-bin/peer</c>: the client address the guest sees (what NAT translated it to).</summary>
    public const int PeerHttpPort = 8080;

    /// <summary>The emulated NIC: virtio is the driver every distribution kernel ships, and the fastest under TCG.</summary>
    public const string NicModel = "virtio-net-pci";

    private const string ReadyMarker = "VLAN-GUEST-READY ";
    private const string ErrorMarker = "VLAN-GUEST-ERROR ";
    private const string CacheFolder = "/var/tmp/virtuallan-qemu";
    private static readonly TimeSpan _bootTimeout = TimeSpan.FromSeconds(90);

    // Loaded with their dependencies, resolved from modules.dep; either may be built in instead.
    private static readonly string[] _nicModules = ["virtio_pci", "virtio_net"];

    private static readonly string[] _applets =
    [
        "sh", "cat", "echo", "mkdir", "mount", "insmod", "ip", "nc", "httpd", "sleep", "unxz", "ifconfig", "ping", "ps", "udhcpc", "nslookup",
    ];

    private static readonly Lazy<GuestKernel> _kernel = new(FindKernel);
    private static readonly Lazy<string> _cachedInitramfs = new(() => BuildInitramfs(CacheFolder));

    private readonly Process _qemu;
    private readonly StringBuilder _console = new();
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    /// <summary>
    /// Boots the guest on <paramref name="tap"/>, which must already exist in
    /// <paramref name="networkNamespace"/> (the module under test creates and enslaves it), and
    /// returns once the guest says it is configured and listening.
    /// </summary>
    /// <param name="guestCidr">The guest's eth0 address with prefix, e.g. 10.0.0.2/24.</param>
    /// <param name="gateway">The guest's default gateway, or null for none.</param>
    /// <param name="probe">An address the guest pings once its network is up; the outcome is in <see cref="Console"/> as VLAN-PROBE-OK or VLAN-PROBE-FAIL.</param>
    /// <param name="resolve">
    /// A name the guest pings by name, through the resolver its lease set up (/etc/resolv.conf); the outcome
    /// is in <see cref="Console"/> as VLAN-RESOLVE-OK NAME ADDRESS or VLAN-RESOLVE-FAIL NAME. With
    /// <paramref name="guestCidr"/> "dhcp" the guest runs udhcpc, and <see cref="Address"/> is what it got.
    /// </param>
    public QemuVm(string networkNamespace, string tap, string macAddress, string guestCidr, string? gateway, string? probe = null, string? resolve = null)
    {
        var kernel = _kernel.Value;
        var initramfs = _cachedInitramfs.Value;
        Address = guestCidr.Split('/')[0];

        var append = $"console=ttyS0 quiet panic=-1 vlan.ip={guestCidr}" + (gateway is null ? string.Empty : $" vlan.gw={gateway}")
            + (probe is null ? string.Empty : $" vlan.probe={probe}") + (resolve is null ? string.Empty : $" vlan.resolve={resolve}");
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true, // never share the test runner's stdin: -nographic reads the serial input from it
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "netns", "exec", networkNamespace, FindProgram("qemu-system-x86_64", "qemu-system-x86"),
            "-m", "256", "-smp", "1", "-nographic", "-no-reboot", "-no-user-config",
            "-kernel", kernel.Image, "-initrd", initramfs, "-append", append,
            "-netdev", $"tap,id=n0,ifname={tap},script=no,downscript=no",
            // romfile= : no PXE option ROM, so no dependency on the ipxe-qemu package and a shorter BIOS.
            "-device", $"{NicModel},netdev=n0,mac={macAddress},romfile=",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        _qemu = new Process { StartInfo = start, EnableRaisingEvents = true };
        _qemu.OutputDataReceived += (_, e) => OnConsoleLine(e.Data);
        _qemu.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        // A QEMU that cannot open the tap, or a guest that panics, ends the process: fail at once, not after the timeout.
        _qemu.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("QEMU exited before the guest was ready."));
        try
        {
            _qemu.Start();
            _qemu.BeginOutputReadLine();
            _qemu.BeginErrorReadLine();
            if (!_ready.Task.Wait(_bootTimeout))
            {
                throw new TimeoutException($"The guest did not report ready within {_bootTimeout.TotalSeconds:0} s.\n{Tail()}");
            }

            var reported = _ready.Task.Result;
            if (guestCidr == "dhcp")
            {
                Address = reported;
            }
            else if (reported != Address)
            {
                throw new InvalidOperationException($"The guest reported {reported}, expected {Address}.\n{Tail()}");
            }

            BootTime = stopwatch.Elapsed;
        }
        catch (Exception e)
        {
            // The caller gets no object to dispose, so stop QEMU here; this also drains the output
            // readers, so the tail below includes QEMU's and the guest's last words.
            Dispose();
            if (e is AggregateException { InnerException: { } inner })
            {
                throw new InvalidOperationException($"{inner.Message}\n{Tail()}", inner);
            }

            throw;
        }
    }

    /// <summary>The guest's address, without prefix.</summary>
    public string Address { get; private set; }

    /// <summary>From starting QEMU to the guest's ready line.</summary>
    public TimeSpan BootTime { get; }

    /// <summary>The guest kernel image used.</summary>
    public static string KernelImage => _kernel.Value.Image;

    /// <summary>The initramfs used, built once per kernel and content under <c>/var/tmp/virtuallan-qemu</c>.</summary>
    /// <summary>Gets a value indicating whether QEMU has exited (the VM is gone).</summary>
    public bool HasExited => _qemu.HasExited;

    public static string Initramfs => _cachedInitramfs.Value;

    /// <summary>What the guest has printed on its serial console so far.</summary>
    public string Console
    {
        get
        {
            lock (_console)
            {
                return _console.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_qemu.HasExited)
            {
                _qemu.Kill(entireProcessTree: true);
            }

            // Until QEMU is gone it holds the tap, and the namespace cannot be torn down cleanly.
            if (_qemu.WaitForExit(10_000))
            {
                _qemu.WaitForExit(); // and let the output readers drain
            }
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to stop.
        }

        _qemu.Dispose();
    }

    /// <summary>
    /// Writes the guest's initramfs (a gzipped newc cpio) into <paramref name="folder"/> unless an
    /// identical one is there, and returns its path. The name carries the kernel version and a hash
    /// of the content, so a changed init script, busybox or kernel never reuses a stale image.
    /// </summary>
    public static string BuildInitramfs(string folder)
    {
        var kernel = _kernel.Value;
        var cpio = new CpioWriter();
        foreach (var directory in new[] { "bin", "dev", "proc", "sys", "tmp", "etc", "lib", "lib/modules", "www", "www/cgi-bin" })
        {
            cpio.Directory(directory);
        }

        // The kernel opens /dev/console for init's stdio before init can mount devtmpfs.
        cpio.CharacterDevice("dev/console", major: 5, minor: 1);
        cpio.File("bin/busybox", ReadStaticBusybox(), executable: true);
        foreach (var applet in _applets)
        {
            cpio.Symlink("bin/" + applet, "busybox");
        }

        var modules = new List<string>();
        foreach (var module in ResolveModules(kernel.Modules, _nicModules))
        {
            var name = Path.GetFileName(module);
            byte[] content;
            if (name.EndsWith(".ko.gz", StringComparison.Ordinal))
            {
                // busybox insmod takes only plain files; gzip is the one compression .NET can undo.
                using var input = new GZipStream(File.OpenRead(module), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                input.CopyTo(plain);
                content = plain.ToArray();
                name = name[..^3];
            }
            else if (name.EndsWith(".ko", StringComparison.Ordinal) || name.EndsWith(".ko.xz", StringComparison.Ordinal))
            {
                content = File.ReadAllBytes(module); // .xz: the guest's init unpacks it with busybox unxz
            }
            else
            {
                throw new NotSupportedException($"Kernel module {module} is compressed in a format busybox cannot load; use a kernel with .ko or .ko.xz modules.");
            }

            cpio.File("lib/modules/" + name, content, executable: false);
            modules.Add("/lib/modules/" + name);
        }

        cpio.File("init", Encoding.ASCII.GetBytes(InitScript(modules)), executable: true);
        cpio.File("bin/vlan-dhcp", Encoding.ASCII.GetBytes(DhcpScript), executable: true);
        cpio.File("bin/vlan-whoami", Encoding.ASCII.GetBytes("#!/bin/sh\ncat /etc/vlan-address\n"), executable: true);
        cpio.File("www/cgi-bin/peer", Encoding.ASCII.GetBytes("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$REMOTE_ADDR\"\n"), executable: true);
        var archive = cpio.Finish();

        var hash = Convert.ToHexStringLower(SHA256.HashData(archive))[..16];
        var path = Path.Combine(folder, $"initramfs-{kernel.Version}-{hash}.cpio.gz");
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(folder);
        // Written beside and renamed, so a concurrent or interrupted run never sees half an image.
        var partial = path + "." + Environment.ProcessId + ".partial";
        using (var file = File.Create(partial))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            gzip.Write(archive);
        }

        File.Move(partial, path, overwrite: true);

        // Images for this kernel from an older init script or busybox will not be used again.
        foreach (var stale in Directory.GetFiles(folder, $"initramfs-{kernel.Version}-*.cpio.gz").Where(f => f != path))
        {
            File.Delete(stale);
        }

        return path;
    }

    private void OnConsoleLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_console)
        {
            _console.AppendLine(line);
        }

        var ready = line.IndexOf(ReadyMarker, StringComparison.Ordinal);
        if (ready >= 0)
        {
            _ready.TrySetResult(line[(ready + ReadyMarker.Length)..].Trim());
        }
        else if (line.Contains(ErrorMarker, StringComparison.Ordinal))
        {
            _ready.TrySetException(new InvalidOperationException("The guest's init failed: " + line.Trim()));
        }
    }

    private string Tail()
    {
        var console = Console;
        string errors;
        lock (_errors)
        {
            errors = _errors.ToString();
        }

        const int keep = 4000;
        return "--- guest console (tail) ---\n" + (console.Length > keep ? console[^keep..] : console)
            + "--- qemu stderr ---\n" + errors;
    }

    /// <summary>
    /// The guest's own init, PID 1 under busybox sh. It never returns: PID 1 exiting panics the
    /// kernel, and with panic=-1 and -no-reboot that ends QEMU, which the fixture reports.
    /// </summary>
    private static string InitScript(IEnumerable<string> modules) => $$"""
        #!/bin/sh
        export PATH=/bin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev 2>/dev/null
        fail() { echo "{{ErrorMarker}}$*"; while :; do sleep 3600; done; }
        for m in {{string.Join(' ', modules)}}; do
          case "$m" in
            *.xz) unxz -c "$m" > /tmp/module.ko && insmod /tmp/module.ko ;;
            *) insmod "$m" ;;
          esac || fail "insmod $m"
        done
        address=
        gateway=
        probe=
        resolve=
        for word in $(cat /proc/cmdline); do
          case "$word" in
            vlan.ip=*) address="${word#vlan.ip=}" ;;
            vlan.gw=*) gateway="${word#vlan.gw=}" ;;
            vlan.probe=*) probe="${word#vlan.probe=}" ;;
            vlan.resolve=*) resolve="${word#vlan.resolve=}" ;;
          esac
        done
        [ -n "$address" ] || fail "no vlan.ip= on the kernel command line"
        # The driver probes the device asynchronously after insmod returns.
        n=0
        while [ ! -e /sys/class/net/eth0 ]; do
          n=$((n + 1))
          [ $n -le 200 ] || fail "eth0 did not appear"
          sleep 0.05
        done
        ip link set lo up
        if [ "$address" = dhcp ]; then
          ip link set eth0 up || fail "ip link set eth0 up"
          udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/vlan-dhcp || fail "udhcpc got no lease"
          address="$(cat /etc/vlan-address)"
        else
          ip addr add "$address" dev eth0 || fail "ip addr add $address"
          ip link set eth0 up || fail "ip link set eth0 up"
          if [ -n "$gateway" ]; then ip route add default via "$gateway" || fail "ip route add default via $gateway"; fi
        fi
        echo "${address%/*}" > /etc/vlan-address
        nc -ll -p {{EchoPort}} -e /bin/cat &
        nc -ll -p {{WhoAmIPort}} -e /bin/vlan-whoami &
        # Bound to IPv4 only, so REMOTE_ADDR is a dotted address rather than [::ffff:a.b.c.d].
        httpd -p 0.0.0.0:{{PeerHttpPort}} -h /www || fail "httpd"
        if [ -n "$probe" ]; then
          if ping -c 3 -W 2 "$probe" > /dev/null; then echo "VLAN-PROBE-OK $probe"; else echo "VLAN-PROBE-FAIL $probe"; fi
        fi
        if [ -n "$resolve" ]; then
          # By name, through the resolver the lease set up (/etc/resolv.conf): "PING c1.lan (172.24.4.2): ..."
          out="$(ping -c 2 -W 2 "$resolve" 2>/dev/null)"
          ok=$?
          first="${out%%
        *}"
          found=
          case "$first" in "PING $resolve ("*) found="${first#*(}"; found="${found%%)*}" ;; esac
          if [ $ok -eq 0 ] && [ -n "$found" ]; then echo "VLAN-RESOLVE-OK $resolve $found"; else echo "VLAN-RESOLVE-FAIL $resolve $found"; fi
        fi
        echo "{{ReadyMarker}}${address%/*}"
        while :; do sleep 3600; done

        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>udhcpc's script in the guest: applies the lease with ip and keeps the address and DNS server for init.</summary>
    private const string DhcpScript = "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\nip addr add \"$ip/$mask\" dev \"$interface\"\n"
        + "[ -n \"$router\" ] && ip route add default via \"${router%% *}\"\necho \"$ip/$mask\" > /etc/vlan-address\necho \"$dns\" > /etc/vlan-dns\n"
        + "[ -n \"$dns\" ] && { for s in $dns; do echo \"nameserver $s\"; done; [ -n \"$domain\" ] && echo \"search $domain\"; } > /etc/resolv.conf\n"
        + "echo \"VLAN-DHCP ip=$ip router=$router dns=$dns domain=$domain\"\nexit 0\n";

    /// <summary>The modules to load, dependencies first; those built into the kernel are left out.</summary>
    private static List<string> ResolveModules(string modulesFolder, IEnumerable<string> wanted)
    {
        static string NameOf(string path)
        {
            var name = Path.GetFileName(path);
            return name[..name.IndexOf(".ko", StringComparison.Ordinal)].Replace('-', '_');
        }

        var builtin = File.Exists(Path.Combine(modulesFolder, "modules.builtin"))
            ? File.ReadLines(Path.Combine(modulesFolder, "modules.builtin")).Select(NameOf).ToHashSet()
            : [];
        var dependencies = new Dictionary<string, (string Path, string[] Needs)>();
        foreach (var line in File.ReadLines(Path.Combine(modulesFolder, "modules.dep")))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var needs = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(NameOf).ToArray();
                dependencies[NameOf(line[..colon])] = (Path.Combine(modulesFolder, line[..colon]), needs);
            }
        }

        var ordered = new List<string>();
        var seen = new HashSet<string>();
        void Visit(string name)
        {
            if (builtin.Contains(name) || !seen.Add(name))
            {
                return;
            }

            if (!dependencies.TryGetValue(name, out var module))
            {
                throw new InvalidOperationException($"Kernel module {name} is neither built into the kernel nor in {modulesFolder}/modules.dep.");
            }

            foreach (var need in module.Needs)
            {
                Visit(need);
            }

            ordered.Add(module.Path);
        }

        foreach (var name in wanted)
        {
            Visit(name);
        }

        return ordered;
    }

    /// <summary>The newest cloud kernel (smallest, boots fastest), else the newest kernel that has its modules installed.</summary>
    private static GuestKernel FindKernel()
    {
        var candidates = (Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*") : [])
            .Select(image => new GuestKernel(image, Path.GetFileName(image)["vmlinuz-".Length..]))
            .Where(k => File.Exists(Path.Combine(k.Modules, "modules.dep")))
            .OrderByDescending(k => k.Version.EndsWith("-cloud-amd64", StringComparison.Ordinal))
            .ThenByDescending(k => k.Version, NaturalComparer.Instance)
            .ToList();
        return candidates.Count > 0
            ? candidates[0]
            : throw new InvalidOperationException(
                "No guest kernel: the QEMU tests need /boot/vmlinuz-* with its /lib/modules. Install the Debian package linux-image-cloud-amd64 (apt-get install linux-image-cloud-amd64).");
    }

    private static byte[] ReadStaticBusybox()
    {
        var path = Kernel.Busybox;
        var content = File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new InvalidOperationException($"{path} is missing: install the Debian package busybox-static.");
        // The initramfs has no libc, so a dynamically linked busybox (package busybox) cannot run there.
        if (Kernel.HasInterpreter(content))
        {
            throw new InvalidOperationException($"{path} is dynamically linked: install the Debian package busybox-static.");
        }

        return content;
    }

    private static string FindProgram(string name, string package) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed: install the Debian package {package}.");

    private sealed record GuestKernel(string Image, string Version)
    {
        public string Modules => Path.Combine("/lib/modules", Version);
    }

    /// <summary>Orders 6.10 after 6.9: runs of digits compare as numbers.</summary>
    private sealed class NaturalComparer : IComparer<string>
    {
        public static readonly NaturalComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var left = Split(x ?? string.Empty);
            var right = Split(y ?? string.Empty);
            for (var i = 0; i < Math.Min(left.Count, right.Count); i++)
            {
                var order = long.TryParse(left[i], out var a) && long.TryParse(right[i], out var b)
                    ? a.CompareTo(b)
                    : string.CompareOrdinal(left[i], right[i]);
                if (order != 0)
                {
                    return order;
                }
            }

            return left.Count.CompareTo(right.Count);
        }

        private static List<string> Split(string text)
        {
            var parts = new List<string>();
            var start = 0;
            for (var i = 1; i <= text.Length; i++)
            {
                if (i == text.Length || char.IsAsciiDigit(text[i]) != char.IsAsciiDigit(text[i - 1]))
                {
                    parts.Add(text[start..i]);
                    start = i;
                }
            }

            return parts;
        }
    }

    /// <summary>
    /// The "newc" cpio format the kernel unpacks an initramfs from: per entry a 110-byte ASCII
    /// header of hex fields, the NUL-terminated name and the data, each padded to 4 bytes. Times
    /// and owners are fixed so the same inputs give the same bytes (and the same cache name).
    /// </summary>
    private sealed class CpioWriter
    {
        private const int DirectoryMode = 0x4000 | 0x1ED; // S_IFDIR | 0755
        private const int RegularFileMode = 0x8000;
        private const int SymlinkMode = 0xA000 | 0x1FF; // S_IFLNK | 0777
        private const int CharDeviceMode = 0x2000 | 0x180; // S_IFCHR | 0600

        private readonly ArrayBufferWriter<byte> _buffer = new(4 << 20);
        private int _inode = 1;

        public void Directory(string name) => Entry(name, DirectoryMode, [], 0, 0, nlink: 2);

        public void File(string name, byte[] content, bool executable) =>
            Entry(name, RegularFileMode | (executable ? 0x1ED : 0x1A4), content, 0, 0, nlink: 1);

        public void Symlink(string name, string target) => Entry(name, SymlinkMode, Encoding.ASCII.GetBytes(target), 0, 0, nlink: 1);

        public void CharacterDevice(string name, int major, int minor) => Entry(name, CharDeviceMode, [], major, minor, nlink: 1);

        public byte[] Finish()
        {
            _inode = 0;
            Entry("TRAILER!!!", 0, [], 0, 0, nlink: 1);
            return _buffer.WrittenSpan.ToArray();
        }

        private void Entry(string name, int mode, byte[] data, int deviceMajor, int deviceMinor, int nlink)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
            var header = new StringBuilder("070701");
            foreach (var field in new[] { _inode++, mode, 0, 0, nlink, 0, data.Length, 0, 0, deviceMajor, deviceMinor, nameBytes.Length, 0 })
            {
                header.Append(field.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            }

            _buffer.Write(Encoding.ASCII.GetBytes(header.ToString()));
            _buffer.Write(nameBytes);
            Pad();
            _buffer.Write(data);
            Pad();
        }

        private void Pad()
        {
            while (_buffer.WrittenCount % 4 != 0)
            {
                _buffer.Write([(byte)0]);
            }
        }
    }
}
