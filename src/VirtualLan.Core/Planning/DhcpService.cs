using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans a LAN's DHCP and DNS server: a dnsmasq in the router's namespace bound to its LAN leg (or,
/// with no router, in the host's namespace bound to the bridge), reading only its own configuration
/// in a root-only folder (<see cref="Dnsmasq"/>). Guests get addresses by MAC vendor, the module's
/// appliances static leases at the addresses it gave them, and everyone a name NAME.DOMAIN.
/// </summary>
public sealed partial class DhcpService
{
    /// <summary>The DNS domain of the LAN's names when none is given.</summary>
    public const string DefaultDomain = "lan";

    private readonly HostReaders _readers;
    private readonly NetworkHost _host;
    private readonly Func<string, string?> _locate;
    private readonly Func<string, bool> _exists;
    private readonly Func<string, string?> _read;

    /// <summary>Initializes a new instance of the <see cref="DhcpService"/> class.</summary>
    /// <param name="readers">The readers of the host.</param>
    /// <param name="locate">Finds a program, or returns null when it is missing.</param>
    /// <param name="exists">Tells whether a file or folder exists.</param>
    /// <param name="read">Reads a file, or returns null.</param>
    public DhcpService(HostReaders readers, Func<string, string?> locate, Func<string, bool> exists, Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _host = readers.Host;
        _locate = locate;
        _exists = exists;
        _read = read;
    }

    /// <summary>Gets the default lease time.</summary>
    public static TimeSpan DefaultLeaseTime { get; } = TimeSpan.FromHours(1);

    /// <summary>The comment on the router's rules that let DHCP and DNS in from the LAN.</summary>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string bridge) => "virtuallan:dhcp/" + bridge;

    /// <summary>The ranges for QEMU's and VirtualBox's MACs: the upper half of the seed's tap (x.x.2.x) and adapter (x.x.3.x) pools; none on a LAN smaller than /21.</summary>
    /// <param name="lan">The LAN.</param>
    /// <returns>The ranges.</returns>
    public static IReadOnlyList<DhcpRange> VendorRanges(Ipv4Cidr lan) =>
        lan.PrefixLength > 21
            ? Array.Empty<DhcpRange>()
            : new[]
            {
                new DhcpRange("QEMU", lan.Host((2 * 256) + 128).Address, lan.Host((2 * 256) + 254).Address),
                new DhcpRange("VirtualBox", lan.Host((3 * 256) + 128).Address, lan.Host((3 * 256) + 254).Address),
            };

    /// <summary>The general range when none is given: x.x.5.2–x.x.5.254 (no appliance pool uses block 5), or the upper half of a small LAN.</summary>
    /// <param name="lan">The LAN.</param>
    /// <returns>The first and last address.</returns>
    public static (IPAddress First, IPAddress Last) DefaultRange(Ipv4Cidr lan)
    {
        if (lan.PrefixLength <= 21)
        {
            return (lan.Host((5 * 256) + 2).Address, lan.Host((5 * 256) + 254).Address);
        }

        var size = lan.PrefixLength >= 30 ? 2u : (1u << (32 - lan.PrefixLength)) - 2;
        return (lan.Host((size / 2) + 1).Address, lan.Host(size - 1).Address);
    }

    /// <summary>Reads a range written FIRST-LAST.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The range.</returns>
    /// <exception cref="VlanException">It is not two IPv4 addresses (DhcpRangeInvalid).</exception>
    public static (IPAddress First, IPAddress Last) ParseRange(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Split('-') is [var a, var b] && IPAddress.TryParse(a.Trim(), out var first) && IPAddress.TryParse(b.Trim(), out var last)
            && first.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && last.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return (first, last);
        }

        throw new VlanException(ErrorIds.DhcpRangeInvalid, VlanErrorKind.InvalidArgument, text, $"'{text}' is not a range of IPv4 addresses. Write it as FIRST-LAST, such as 172.24.5.2-172.24.5.254.");
    }

    /// <summary>Plans starting the DHCP and DNS server of a LAN.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="domain">The DNS domain, or null for <see cref="DefaultDomain"/>.</param>
    /// <param name="leaseTime">The lease time, or null for <see cref="DefaultLeaseTime"/>.</param>
    /// <param name="range">The general range as FIRST-LAST, or null for <see cref="DefaultRange"/>.</param>
    /// <param name="search">The DNS search domains, or null for the domain alone.</param>
    /// <param name="appliances">The appliances (static leases and names).</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">dnsmasq is missing, the bridge has no address, a setting is invalid, or the LAN's server runs with other settings.</exception>
    public Plan PlanEnable(string bridgeName, string? domain, TimeSpan? leaseTime, string? range, IReadOnlyList<string>? search, IReadOnlyList<Appliance> appliances, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(appliances);
        if (_locate("dnsmasq") is null)
        {
            throw new VlanException(ErrorIds.ToolNotInstalled, VlanErrorKind.NotInstalled, "dnsmasq", $"Enable-VlanDhcp runs dnsmasq, which is not installed. Install the Debian package '{Dnsmasq.Package}' (apt-get install {Dnsmasq.Package}; it brings no system service) and try again.");
        }

        var site = Locate(bridgeName, state);
        var record = new DhcpRecord
        {
            Bridge = site.Bridge.Name,
            Domain = CheckDomain(domain ?? DefaultDomain, "Domain"),
            LeaseTime = CheckLease(leaseTime ?? DefaultLeaseTime),
            Range = CheckRange(range is null ? DefaultRange(site.Lan) : ParseRange(range), range ?? "the default range", site),
            Search = (search is { Count: > 0 } ? search : new[] { domain ?? DefaultDomain }).Select(s => CheckDomain(s, "SearchDomain")).ToArray(),
        };
        if (DhcpRecord.Parse(_read(Dnsmasq.ConfFile(site.Folder))) is { } existing && existing != record && !Same(existing, record))
        {
            throw new VlanException(ErrorIds.DhcpConflict, VlanErrorKind.ResourceExists, site.Bridge.Name, $"DHCP for '{site.Bridge.Name}' is already on with other settings (domain {existing.Domain}, range {existing.Range.First}-{existing.Range.Last}, lease {existing.LeaseTime}). Turn it off first with Disable-VlanDhcp -Bridge {site.Bridge.Name}.");
        }

        var folder = site.Folder;
        var files = Files(site, record, appliances);
        var steps = new List<Step>
        {
            Step.Program($"Make {folder} (root only) for the LAN's dnsmasq", new CommandLine("install", "-d", "-m", "0700", folder), new CommandLine("rm", "-rf", "--", folder), _ => _exists(folder)),
        };
        steps.AddRange(files.Select(f => Step.WriteFile($"Write {f.Path}", f.Path, f.Content, _ => _read(f.Path) == f.Content)));
        steps.AddRange(Rules(site).Select(r => r.ToStep($"Let DHCP and DNS in from the LAN: {r.Line}")));
        steps.Add(Step.Program(
            $"Start dnsmasq for {site.Bridge.Name} on {site.Interface} in {Where(site)}",
            Dnsmasq.Start(site.At, folder),
            new CommandLine("pkill", "-F", Dnsmasq.PidFile(folder)),
            _ => RunningPid(folder) is not null));
        return new Plan($"Enable DHCP and DNS for {site.Bridge.Name}", $"{site.Bridge.Name} in {_host.DisplayName}", steps);
    }

    /// <summary>Plans stopping a LAN's DHCP and DNS server: dnsmasq stopped, the router's rules and the folder deleted.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">DHCP is not on for the bridge (DhcpNotEnabled).</exception>
    public Plan PlanDisable(string bridgeName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var site = Locate(bridgeName, state);
        var folder = site.Folder;
        if (!_exists(folder))
        {
            throw new VlanException(ErrorIds.DhcpNotEnabled, VlanErrorKind.ObjectNotFound, bridgeName, $"DHCP is not on for '{bridgeName}' in {_host.DisplayName}. Run Get-VlanDhcp to see where it is.");
        }

        var steps = new List<Step>();
        if (RunningPid(folder) is { } pid)
        {
            var id = pid.ToString(CultureInfo.InvariantCulture);
            // dnsmasq holds its ports until it has ended, so the undo waits for that before starting it again;
            // and the folder goes only once it has ended: it writes its lease file as it ends.
            var wait = new CommandLine("timeout", "5", "tail", "--pid=" + id, "-f", "/dev/null");
            steps.Add(Step.ProgramWithUndo($"Stop dnsmasq ({id}) of {site.Bridge.Name}", new CommandLine("kill", "-TERM", id), new[] { wait, Dnsmasq.Start(site.At, folder) }, null));
            steps.Add(Step.Program($"Wait for dnsmasq ({id}) to end", wait, null, null));
        }

        var firewall = state.Firewall(site.At);
        foreach (var rule in Rules(site).Where(r => firewall.HasRule(r.Table, r.Line)))
        {
            steps.Add(RuleRemoval.Delete(new DeleteRule(rule.Namespace, rule.Table, rule.Chain, rule.Spec), $"Remove {rule.Line}"));
        }

        steps.Add(Step.Program($"Delete {folder}", new CommandLine("rm", "-rf", "--", folder), null, _ => !_exists(folder))
            .WithUndo(Array.Empty<CommandLine>(), $"the leases and configuration in {folder} are gone"));
        return new Plan($"Disable DHCP and DNS for {site.Bridge.Name}", $"{site.Bridge.Name} in {_host.DisplayName}", steps);
    }

    /// <summary>
    /// Plans bringing a running server's names and static leases up to date after appliances came or
    /// went: the hosts files written again and dnsmasq told to re-read them (SIGHUP), never restarted.
    /// </summary>
    /// <param name="appliances">Lists the appliances now (asked only when a server runs).</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan; empty when nothing changed.</returns>
    public Plan PlanRefresh(Func<IReadOnlyList<Appliance>> appliances, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(appliances);
        var steps = new List<Step>();
        var all = new Lazy<IReadOnlyList<Appliance>>(appliances);
        foreach (var server in List(state))
        {
            var site = Locate(server.Bridge, state);
            var record = DhcpRecord.Parse(_read(Dnsmasq.ConfFile(site.Folder)));
            if (record is null)
            {
                continue;
            }

            var changed = Files(site, record, all.Value).Skip(1).Where(f => _read(f.Path) != f.Content).ToArray();
            if (changed.Length == 0)
            {
                continue;
            }

            steps.AddRange(changed.Select(f => Step.WriteFile($"Write {f.Path}", f.Path, f.Content, null)
                .Tolerating($"{f.Path} could not be written; the names and static leases of {server.Bridge} are as before")));
            if (server.ProcessId is { } pid)
            {
                steps.Add(Step.Program($"Tell dnsmasq of {server.Bridge} to re-read its hosts", new CommandLine("kill", "-HUP", pid.ToString(CultureInfo.InvariantCulture)), null, null)
                    .Tolerating($"dnsmasq ({pid}) of {server.Bridge} could not be told to re-read its hosts; Disable-VlanDhcp and Enable-VlanDhcp again"));
            }
        }

        return new Plan("Update the LANs' names and static leases", _host.DisplayName, steps);
    }

    /// <summary>Reads the DHCP server of a bridge.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The server, or null when DHCP is off.</returns>
    public DhcpServer? Read(string bridgeName, KernelState state)
    {
        var site = Locate(bridgeName, state);
        var record = DhcpRecord.Parse(_read(Dnsmasq.ConfFile(site.Folder)));
        if (record is null)
        {
            return null;
        }

        var ranges = VendorRanges(site.Lan).Append(new DhcpRange("Other", record.Range.First, record.Range.Last)).ToArray();
        return new DhcpServer
        {
            Bridge = site.Bridge.Name,
            Router = site.Router?.Name,
            Namespace = site.At.Name,
            Interface = site.Interface,
            ServerAddress = site.Server,
            Gateway = site.Gateway,
            Domain = record.Domain,
            SearchDomains = record.Search,
            LeaseTime = record.LeaseTime,
            Mtu = site.Bridge.Mtu < 1500 ? site.Bridge.Mtu : null,
            Ranges = ranges,
            Upstreams = UpstreamsOf(site),
            ProcessId = RunningPid(site.Folder),
            Folder = site.Folder,
            Sandbox = _host.Sandbox,
        };
    }

    /// <summary>Lists the LANs whose DHCP server is on.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The servers.</returns>
    public IReadOnlyList<DhcpServer> List(KernelState state) =>
        new BridgeService(_host).List(state, includeUnmanaged: false)
            .Where(b => b.Cidr is not null)
            .Select(b => Read(b.Name, state))
            .OfType<DhcpServer>()
            .ToArray();

    /// <summary>Reads a LAN's leases: the dynamic ones from dnsmasq's lease file, then the static ones of the module's appliances.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The leases.</returns>
    public IReadOnlyList<DhcpLease> Leases(string bridgeName, KernelState state)
    {
        var site = Locate(bridgeName, state);
        var dynamic = Dnsmasq.ParseLeases(_read(Dnsmasq.LeaseFile(site.Folder)), site.Bridge.Name, _host.Sandbox);
        var fixedOnes = (_read(Dnsmasq.DhcpHostsFile(site.Folder)) ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(','))
            .Where(p => p.Length >= 2 && IPAddress.TryParse(p[1], out _))
            .Select(p => new DhcpLease { Bridge = site.Bridge.Name, MacAddress = p[0], Address = IPAddress.Parse(p[1]), HostName = p.Length > 2 ? p[2] : null, IsStatic = true, Sandbox = _host.Sandbox })
            .Where(s => !dynamic.Any(d => d.Address.Equals(s.Address)));
        return dynamic.Concat(fixedOnes).ToArray();
    }

    /// <summary>Turns a failure to start dnsmasq into the cmdlet's own error, quoting dnsmasq.</summary>
    /// <param name="failure">The failure.</param>
    /// <returns>The error, or null when the failure is not dnsmasq's.</returns>
    public static VlanException? StartFailure(CommandFailedException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Command.Program != "dnsmasq" && !failure.Command.Arguments.Contains("dnsmasq"))
        {
            return null;
        }

        var said = failure.StandardError.Trim();
        return said.Contains("in use", StringComparison.OrdinalIgnoreCase)
            ? new VlanException(ErrorIds.DhcpPortInUse, VlanErrorKind.ResourceExists, failure.Command.ToString(), $"dnsmasq could not take its ports (DNS 53, DHCP 67) in that namespace; another server holds them. dnsmasq said: \"{said}\". Stop that server (ss -lunp shows it), then run Enable-VlanDhcp again. {failure.Message}")
            : new VlanException(ErrorIds.DhcpServerFailed, VlanErrorKind.CommandFailed, failure.Command.ToString(), $"dnsmasq did not start. It said: \"{said}\". {failure.Message}");
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DnsName();

    private static bool Same(DhcpRecord a, DhcpRecord b) =>
        a.Bridge == b.Bridge && a.Domain == b.Domain && a.LeaseTime == b.LeaseTime && a.Range.First.Equals(b.Range.First) && a.Range.Last.Equals(b.Range.Last) && a.Search.SequenceEqual(b.Search);

    private static string CheckDomain(string domain, string parameter) =>
        DnsName().IsMatch(domain) && domain.Length <= 253
            ? domain.ToLowerInvariant()
            : throw new VlanException(ErrorIds.InvalidDhcpSetting, VlanErrorKind.InvalidArgument, domain, $"-{parameter} '{domain}' is not a DNS name: letters, digits and dashes, in labels separated by dots, such as lan or lab.example.");

    private static TimeSpan CheckLease(TimeSpan lease) =>
        lease >= TimeSpan.FromMinutes(2) && lease <= TimeSpan.FromDays(365)
            ? TimeSpan.FromSeconds(Math.Floor(lease.TotalSeconds))
            : throw new VlanException(ErrorIds.InvalidDhcpSetting, VlanErrorKind.InvalidArgument, lease.ToString(), $"-LeaseTime {lease} is out of bounds: dnsmasq takes two minutes at least; give between 00:02:00 and 365 days.");

    private static uint Number(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    private static (IPAddress First, IPAddress Last) CheckRange((IPAddress First, IPAddress Last) range, string text, Site site)
    {
        var lan = site.Lan;
        var (first, last) = (Number(range.First), Number(range.Last));
        string? problem = null;
        if (!lan.Contains(range.First) || !lan.Contains(range.Last) || range.First.Equals(lan.Network.Address) || range.Last.Equals(lan.Broadcast))
        {
            problem = $"it is not inside the LAN {lan.Network} (its network and broadcast addresses left out)";
        }
        else if (first > last)
        {
            problem = $"{range.First} comes after {range.Last}";
        }
        else if (VendorRanges(lan).FirstOrDefault(v => Number(v.First) <= last && first <= Number(v.Last)) is { } vendor)
        {
            problem = $"it overlaps the range of {vendor.Vendor}'s MACs, {vendor.First}-{vendor.Last}";
        }
        else if (new[] { site.Server, site.Bridge.Address }.OfType<IPAddress>().FirstOrDefault(a => first <= Number(a) && Number(a) <= last) is { } own)
        {
            problem = $"it holds {own}, the address of the {(own.Equals(site.Bridge.Address) ? "bridge" : "router")}";
        }

        return problem is null
            ? range
            : throw new VlanException(ErrorIds.DhcpRangeInvalid, VlanErrorKind.InvalidArgument, text, $"The range {range.First}-{range.Last} cannot be handed out: {problem}. Give -Range FIRST-LAST inside {lan.Network}, apart from the QEMU and VirtualBox ranges ({string.Join(", ", VendorRanges(lan).Select(v => $"{v.First}-{v.Last}"))}).");
    }

    private static string Netmask(Ipv4Cidr lan)
    {
        var mask = lan.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - lan.PrefixLength);
        return new IPAddress(new[] { (byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask }).ToString();
    }

    private static bool IsHostName(string name) => name.Length <= 63 && DnsName().IsMatch(name) && !name.Contains('.', StringComparison.Ordinal);

    private static IEnumerable<AppendRule> Rules(Site site)
    {
        if (site.Router is null)
        {
            yield break;
        }

        var owner = Owner(site.Bridge.Name);
        foreach (var (protocol, port) in new[] { ("udp", "67"), ("udp", "53"), ("tcp", "53") })
        {
            yield return new AppendRule(site.At, "filter", RouterService.InputChain, ["-i", site.Interface, "-p", protocol, "-m", protocol, "--dport", port, "-m", "comment", "--comment", owner, "-j", "ACCEPT"]);
        }
    }

    private string Where(Site site) => site.Router is null ? _host.DisplayName : $"the router namespace {site.Router.Namespace}";

    private int? RunningPid(string folder)
    {
        var file = Dnsmasq.PidFile(folder);
        return int.TryParse(_read(file)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ProcessIdentity.CommandLine(pid).Contains("--pid-file=" + file, StringComparer.Ordinal)
            ? pid
            : null;
    }

    private IReadOnlyList<IPAddress> UpstreamsOf(Site site)
    {
        var own = site.At.Name is { } name ? _read($"/etc/netns/{name}/resolv.conf") : null;
        return Dnsmasq.Upstreams(string.IsNullOrWhiteSpace(own) ? _read("/etc/resolv.conf") : own);
    }

    private Site Locate(string bridgeName, KernelState state)
    {
        var bridge = _readers.Bridge(Names.Interface(bridgeName, "Bridge"), state);
        var lan = bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, bridgeName, $"The bridge '{bridgeName}' has no address, so there is no LAN to serve. Give it one with New-VlanBridge -Force.");
        var router = _readers.Routers.Routers(state).FirstOrDefault(r => r.Bridge == bridge.Name);
        if (router is not null)
        {
            return new Site(bridge, lan, router, NetNamespace.Named(router.Namespace), router.LanInterface, router.GatewayAddress, router.GatewayAddress, Dnsmasq.Folder(router.Namespace, bridge.Name));
        }

        var gateway = _readers.HostNat.Read(bridge.Name, state) is null ? null : lan.Address;
        return new Site(bridge, lan, null, _host.Namespace, bridge.Name, lan.Address, gateway, Dnsmasq.Folder(_host.Sandbox, bridge.Name));
    }

    /// <summary>The files of a LAN's server, the configuration first.</summary>
    private IReadOnlyList<(string Path, string Content)> Files(Site site, DhcpRecord record, IReadOnlyList<Appliance> appliances)
    {
        var folder = site.Folder;
        var domain = record.Domain;
        var lease = ((long)record.LeaseTime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var mask = Netmask(site.Lan);
        var conf = new StringBuilder()
            .Append(record.Write()).Append('\n')
            .Append("# Written by Enable-VlanDhcp (VirtualLan); Disable-VlanDhcp deletes it. dnsmasq reads this file only.\n")
            .Append(CultureInfo.InvariantCulture, $"interface={site.Interface}\n")
            .Append("bind-interfaces\nexcept-interface=lo\nuser=root\ngroup=root\nno-resolv\nno-hosts\nno-poll\ndomain-needed\nbogus-priv\n");
        foreach (var server in UpstreamsOf(site))
        {
            conf.Append(CultureInfo.InvariantCulture, $"server={server}\n");
        }

        conf.Append(CultureInfo.InvariantCulture, $"domain={domain}\nlocal=/{domain}/\n")
            .Append(CultureInfo.InvariantCulture, $"addn-hosts={Dnsmasq.HostsFile(folder)}\n")
            .Append(CultureInfo.InvariantCulture, $"dhcp-hostsfile={Dnsmasq.DhcpHostsFile(folder)}\n")
            .Append(CultureInfo.InvariantCulture, $"dhcp-leasefile={Dnsmasq.LeaseFile(folder)}\n")
            .Append(CultureInfo.InvariantCulture, $"log-facility={Dnsmasq.LogFile(folder)}\n")
            .Append("dhcp-authoritative\n")
            .Append("dhcp-mac=set:qemu,52:54:00:*:*:*\ndhcp-mac=set:vbox,08:00:27:*:*:*\ndhcp-mac=set:vbox,0a:00:27:*:*:*\n");
        var vendors = VendorRanges(site.Lan);
        foreach (var (range, tag) in vendors.Zip(new[] { "qemu", "vbox" }))
        {
            conf.Append(CultureInfo.InvariantCulture, $"dhcp-range=tag:{tag},{range.First},{range.Last},{mask},{lease}\n");
        }

        conf.Append(CultureInfo.InvariantCulture, $"dhcp-range={(vendors.Count > 0 ? "tag:!qemu,tag:!vbox," : string.Empty)}{record.Range.First},{record.Range.Last},{mask},{lease}\n");
        conf.Append(site.Gateway is { } gateway ? $"dhcp-option=option:router,{gateway}\n" : "dhcp-option=option:router\n")
            .Append(CultureInfo.InvariantCulture, $"dhcp-option=option:dns-server,{site.Server}\n")
            .Append(CultureInfo.InvariantCulture, $"dhcp-option=option:domain-search,{string.Join(',', record.Search)}\n");
        if (site.Bridge.Mtu < 1500)
        {
            conf.Append(CultureInfo.InvariantCulture, $"dhcp-option=option:mtu,{site.Bridge.Mtu}\n");
        }

        var hosts = new StringBuilder();
        var lan = site.Lan;
        void Name(IPAddress? address, string name)
        {
            if (address is not null && IsHostName(name))
            {
                hosts.Append(CultureInfo.InvariantCulture, $"{address} {name}.{domain} {name}\n");
            }
        }

        if (site.Router is { } router)
        {
            Name(router.GatewayAddress, router.Name);
            Name(router.GatewayAddress, "gateway");
        }

        Name(site.Bridge.Address, "host");
        var statics = new StringBuilder();
        foreach (var appliance in appliances.Where(a => a.Bridge == site.Bridge.Name && a.Address is not null && lan.Contains(a.Address)).OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            Name(appliance.Address, appliance.Name);
            if (appliance.MacAddress is { } mac && appliance.Kind != ApplianceKind.DockerNetwork)
            {
                statics.Append(CultureInfo.InvariantCulture, $"{mac},{appliance.Address}{(IsHostName(appliance.Name) ? "," + appliance.Name : string.Empty)}\n");
            }
        }

        return new[] { (Dnsmasq.ConfFile(folder), conf.ToString()), (Dnsmasq.HostsFile(folder), hosts.ToString()), (Dnsmasq.DhcpHostsFile(folder), statics.ToString()) };
    }

    /// <summary>Where a LAN's server runs: its namespace, link, address and folder.</summary>
    private sealed record Site(Bridge Bridge, Ipv4Cidr Lan, Router? Router, NetNamespace At, string Interface, IPAddress Server, IPAddress? Gateway, string Folder);
}
