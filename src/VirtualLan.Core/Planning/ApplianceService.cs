using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Planning;

/// <summary>
/// Plans plugging appliances into a LAN and unplugging them, and reads them back. What an
/// appliance needs to be found and undone is kept in the alias of its bridge port.
/// </summary>
public sealed class ApplianceService
{
    private const string Record = "appliance";

    private readonly NetworkHost _host;
    private readonly Docker _docker;

    /// <summary>Initializes a new instance of the <see cref="ApplianceService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers and Docker networks.</param>
    public ApplianceService(NetworkHost host, Docker docker)
    {
        _host = host;
        _docker = docker;
    }

    /// <summary>The comment that names the appliance owning a rule.</summary>
    /// <param name="name">The appliance.</param>
    /// <returns>The comment.</returns>
    public static string ApplianceOwner(string name) => "virtuallan:appliance/" + name;

    /// <summary>Plans plugging an appliance in.</summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="reserved">
    /// Addresses that plans made from the same state, for the same pipeline, have taken already;
    /// the address this plan takes is added. Null when the plan stands alone.
    /// </param>
    /// <returns>The plan and the appliance as it will be.</returns>
    /// <exception cref="VlanException">The bridge, the appliance or the address do not fit.</exception>
    public (Plan Plan, Appliance Appliance) PlanConnect(ApplianceRequest request, KernelState state, ISet<IPAddress>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        var bridge = new BridgeService(_host).Read(request.Bridge, state);
        var lan = bridge.Cidr ?? throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidOperation, request.Bridge, $"The bridge '{request.Bridge}' has no address, so its LAN has no subnet. Give it one with New-VlanBridge -Force.");
        var router = new RouterService(_host, _ => null, _ => false).Routers(state).FirstOrDefault(r => r.Bridge == request.Bridge);
        var gateway = request.Gateway ?? router?.GatewayAddress ?? bridge.Address!;
        var existing = List(state, live: false).FirstOrDefault(a => a.Kind == request.Kind && a.Name == request.Target);
        if (existing is not null && existing.Bridge != request.Bridge)
        {
            throw new VlanException(ErrorIds.ApplianceConflict, VlanErrorKind.ResourceExists, request.Target, $"'{request.Target}' is already connected to the bridge '{existing.Bridge}'. Disconnect it first with Disconnect-VlanAppliance -Name {request.Target}.");
        }

        var used = UsedAddresses(request.Bridge, lan, router, state);
        used.UnionWith(reserved ?? new HashSet<IPAddress>());
        var address = ChooseAddress(request, lan, existing, used);
        if (!request.Readdress || request.Kind != ApplianceKind.DockerNetwork)
        {
            used.Add(address.Address);
        }

        var steps = new List<Step>();
        steps.AddRange(BridgeFirewall.PlanAccept(h, request.Bridge, state));
        var appliance = request.Kind switch
        {
            ApplianceKind.Namespace => PlanNamespace(request, address, gateway, state, steps),
            ApplianceKind.Container => PlanContainer(request, address, gateway, state, steps),
            ApplianceKind.Tap => PlanTap(request, address, gateway, state, steps),
            ApplianceKind.Interface => PlanInterface(request, address, gateway, state, steps),
            _ => PlanDockerNetwork(request, lan, gateway, used, state, steps),
        };
        if (reserved is not null)
        {
            reserved.UnionWith(used);
        }

        return (new Plan($"Connect {request.Kind} {request.Target} to {request.Bridge}", $"{request.Target} on {request.Bridge} in {_host.DisplayName}", steps), appliance);
    }

    /// <summary>Lists the appliances plugged into the host's bridges.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="live">
    /// True to read each appliance's address inside its namespace (one read per appliance, for
    /// Get-VlanAppliance); false to take it from the records on the host's links, which one read gives.
    /// </param>
    /// <returns>The appliances, in port order.</returns>
    public IReadOnlyList<Appliance> List(KernelState state, bool live = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        return live ? ReadAppliances(state, live: true) : state.Derived("appliances/" + _host.DisplayName, () => ReadAppliances(state, live: false));
    }

    private IReadOnlyList<Appliance> ReadAppliances(KernelState state, bool live)
    {
        var links = state.Links(_host.Sandbox);
        var appliances = new List<Appliance>();
        foreach (var port in links.Links)
        {
            // A port whose record names a bridge it is no longer plugged into was unplugged and waits
            // to be deleted (a tap QEMU still held); it is no longer on a LAN.
            var record = AliasRecord.Parse(port.Alias, Record);
            if (record is not null && port.Master == record["bridge"])
            {
                appliances.Add(Describe(port, record, state, live));
            }
        }

        return appliances;
    }

    /// <summary>Plans unplugging an appliance, removing exactly what was added.</summary>
    /// <param name="name">The appliance's name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="leaving">
    /// The appliances disconnected together with this one (one pipeline), or null: what they share,
    /// such as the module's jump to DOCKER-USER, goes when the last of them that needs it goes.
    /// </param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">No appliance has that name.</exception>
    public Plan PlanDisconnect(string name, KernelState state, IReadOnlyCollection<string>? leaving = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = _host.Sandbox;
        var port = state.Links(h).Links.FirstOrDefault(l => AliasRecord.Parse(l.Alias, Record)?["name"] == name)
            ?? throw new VlanException(ErrorIds.ApplianceNotFound, VlanErrorKind.ObjectNotFound, name, $"No appliance named '{name}' is connected in {_host.DisplayName}. Run Get-VlanAppliance to see them.");
        var record = AliasRecord.Parse(port.Alias, Record)!;
        var kind = Enum.Parse<ApplianceKind>(record["kind"]!);
        var steps = new List<Step>();
        switch (kind)
        {
            case ApplianceKind.Namespace:
            case ApplianceKind.Container:
            {
                // Deleting our end deletes the appliance's end too; the namespace or container itself
                // is the appliance, and it stays. The undo makes both ends again as they are.
                var inside = record["if"] ?? "eth0";
                var ns = kind == ApplianceKind.Namespace ? record["ns"] : TryContainerNamespace(record["cid"]);
                // The inside is read only if the undo may be needed (not when this deletion is the
                // plan's last, atomic, operation): a read per appliance is what a bulk teardown avoids.
                steps.Add(Step.Link($"Unplug {name}", h, new[] { "link", "del", port.Name }, null, s => s.Links(h).Link(port.Name) is null)
                    .WithUndo(() =>
                    {
                        var peer = ns is not null && state.Exists(ns) ? state.Links(ns).Link(inside) : null;
                        return peer is null
                            ? (Array.Empty<CommandLine>(), $"the veth {port.Name} of {name}, whose other end was not found, is not made again")
                            : (Restore.Veth(state, h, port, ns, peer, inside), null);
                    }));
                break;
            }

            case ApplianceKind.Tap:
                // A tap QEMU still holds stays until QEMU closes it, unplugged; the VM keeps running.
                steps.Add(Step.Link($"Unplug the tap {name}", h, new[] { "link", "set", "dev", name, "nomaster" }, new[] { "link", "set", "dev", name, "master", port.Master ?? record["bridge"]! }, s => s.Links(h).Link(name)?.Master is null));
                if (record["created"] == "1")
                {
                    // The alias stays on a tap that cannot be deleted yet, so running this again finds it.
                    steps.Add(Step.Program($"Delete the tap {name} made for the VM", NetworkHost.IpIn(h, new[] { "tuntap", "del", "dev", name, "mode", "tap" }), null, null)
                        .WithUndo(Restore.Tap(state, h, port, master: false))
                        .Tolerating($"The tap {name} is still open by QEMU, so it was unplugged but not deleted; run Disconnect-VlanAppliance {name} again after QEMU exits to delete it"));
                }
                else
                {
                    steps.Add(Step.Link($"Restore the alias of {name}", h, new[] { "link", "set", "dev", name, "alias", record["oalias"] ?? string.Empty }, new[] { "link", "set", "dev", name, "alias", port.Alias ?? string.Empty }, null));
                }

                break;
            case ApplianceKind.Interface:
                steps.Add(Step.Link($"Unplug {name}", h, new[] { "link", "set", "dev", name, "nomaster" }, new[] { "link", "set", "dev", name, "master", port.Master ?? record["bridge"]! }, null));
                steps.AddRange(Addresses(record["oaddrs"]).Select(a => Step.Link($"Give {name} back {a}", h, new[] { "addr", "add", a.ToString(), "dev", name }, new[] { "addr", "del", a.ToString(), "dev", name }, s => s.Links(h).Link(name)?.Addresses.Contains(a) == true)));
                steps.Add(Step.Link($"Restore the alias of {name}", h, new[] { "link", "set", "dev", name, "alias", record["oalias"] ?? string.Empty }, new[] { "link", "set", "dev", name, "alias", port.Alias ?? string.Empty }, null));
                if (record["oup"] == "0")
                {
                    steps.Add(Step.Link($"Bring {name} down again", h, new[] { "link", "set", "dev", name, "down" }, port.IsUp ? new[] { "link", "set", "dev", name, "up" } : null, s => s.Links(h).Link(name)?.IsUp == false));
                }

                break;
            default:
                steps.AddRange(DisconnectDockerNetwork(port, record, state, leaving ?? Array.Empty<string>()));
                break;
        }

        return new Plan($"Disconnect {kind} {name}", $"{name} from {record["bridge"]} in {_host.DisplayName}", steps);
    }

    private Appliance PlanNamespace(ApplianceRequest request, Ipv4Cidr address, IPAddress gateway, KernelState state, List<Step> steps)
    {
        var ns = _host.NamespaceFor(request.Target);
        var existed = state.Exists(ns);
        var recorded = RecordOf(request, state);
        var created = recorded?["created"] == "1" || !existed;
        if (existed && recorded is null && OwnObjects.WhyNamespace(ns, state) is { } own)
        {
            throw new VlanException(ErrorIds.NamespaceInvalid, VlanErrorKind.InvalidArgument, request.Target, $"The namespace '{ns}' cannot be an appliance: {own}. Give a namespace of your own, or -Create a new one.");
        }

        if (!existed && !request.CreateNamespace)
        {
            throw new VlanException(
                ErrorIds.NamespaceNotFound,
                VlanErrorKind.ObjectNotFound,
                request.Target,
                $"There is no network namespace '{ns}'. Add -Create to make it, or create it yourself ('ip netns add {ns}').");
        }

        if (!existed)
        {
            // An ip step outside any namespace: the creation of many namespaces goes to one ip -batch.
            steps.Add(Step.Link($"Create the namespace {ns}", null, new[] { "netns", "add", ns }, new[] { "netns", "delete", ns }, s => s.Exists(ns)));
        }

        var inside = request.InterfaceName ?? recorded?["if"] ?? "eth0";
        if (recorded is null && state.Links(ns).Link(inside) is not null)
        {
            throw new VlanException(ErrorIds.ApplianceConflict, VlanErrorKind.ResourceExists, request.Target, $"The namespace '{ns}' already has a link named '{inside}'. Give another name with -InterfaceName.");
        }

        var port = PortName(request.Target);
        PlugVeth(request, port, ns, inside, address, gateway, created, steps, onlyIfNoDefault: false);
        return new Appliance
        {
            Name = request.Target, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = inside,
            Address = address, Gateway = gateway, Namespace = ns, Sandbox = _host.Sandbox,
            MacAddress = recorded is null ? ApplianceMac(request) : state.Links(ns).Link(inside)?.MacAddress ?? ApplianceMac(request),
        };
    }

    private Appliance PlanContainer(ApplianceRequest request, Ipv4Cidr address, IPAddress gateway, KernelState state, List<Step> steps)
    {
        var container = _docker.Container(request.Target);
        var ns = container.NetworkNamespace;
        var port = "vl-" + container.Id[..12];
        var recorded = RecordOf(request, state);
        if (recorded is null && OwnObjects.WhyNamespace(ns, state) is { } own)
        {
            throw new VlanException(ErrorIds.NamespaceInvalid, VlanErrorKind.InvalidArgument, request.Target, $"The container '{request.Target}' cannot be an appliance: its network namespace {ns} is not its own, {own}.");
        }

        var links = state.Links(ns);
        var inside = request.InterfaceName ?? recorded?["if"]
            ?? Enumerable.Range(0, 16).Select(i => "eth" + i.ToString(CultureInfo.InvariantCulture)).First(n => links.Link(n) is null);
        PlugVeth(request, port, ns, inside, address, gateway, created: false, steps, onlyIfNoDefault: true, containerId: container.Id);
        return new Appliance
        {
            Name = request.Target, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = inside,
            Address = address, Gateway = gateway, Namespace = ns, ContainerId = container.Id, Sandbox = _host.Sandbox,
            MacAddress = recorded is null ? ApplianceMac(request) : links.Link(inside)?.MacAddress ?? ApplianceMac(request),
        };
    }

    private void PlugVeth(ApplianceRequest request, string port, string ns, string inside, Ipv4Cidr address, IPAddress gateway, bool created, List<Step> steps, bool onlyIfNoDefault, string? containerId = null)
    {
        var h = _host.Sandbox;
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["addr"] = address.ToString(),
            ["bridge"] = request.Bridge,
            ["created"] = created ? "1" : "0",
            ["gw"] = gateway.ToString(),
            ["if"] = inside,
            ["kind"] = request.Kind.ToString(),
            ["name"] = request.Target,
        };
        if (containerId is null)
        {
            values["ns"] = ns;
        }
        else
        {
            values["cid"] = containerId[..12];
        }

        var record = new AliasRecord(Record, values).ToString();

        // The appliance's MAC address is derived from its bridge and name, so it is known without
        // reading the namespace and stays the same across rebuilds (ARP caches and DHCP leases agree).
        steps.Add(Step.Link($"Create the veth {port} ↔ {inside} for {request.Target}", h, new[] { "link", "add", port, "type", "veth", "peer", "name", inside, "address", ApplianceMac(request), "netns", ns }, new[] { "link", "del", port }, s => s.Links(h).Link(port) is not null));
        steps.Add(Step.Link($"Record {request.Target} on {port}", h, new[] { "link", "set", "dev", port, "alias", record }, null, s => s.Links(h).Link(port)?.Alias == record));
        steps.Add(Step.Link($"Plug {port} into {request.Bridge}", h, new[] { "link", "set", "dev", port, "master", request.Bridge, "up" }, null, s => s.Links(h).Link(port) is { IsUp: true } p && p.Master == request.Bridge));
        steps.Add(Step.Link($"Give {inside} the address {address}", ns, new[] { "addr", "add", address.ToString(), "dev", inside }, null, s => s.Links(ns).Link(inside)?.Addresses.Contains(address) == true));
        steps.Add(Step.Link($"Bring {inside} up", ns, new[] { "link", "set", "dev", inside, "up" }, null, s => s.Links(ns).Link(inside)?.IsUp == true));
        steps.Add(Step.Link("Bring lo up", ns, new[] { "link", "set", "dev", "lo", "up" }, null, s => s.Links(ns).Link("lo")?.IsUp == true));

        // A container that already has a default route (from a Docker network) keeps it.
        var via = gateway.ToString();
        steps.Add(Step.Link(
            $"Route {request.Target}'s traffic via {via}",
            ns,
            new[] { "route", "add", "default", "via", via, "dev", inside },
            null,
            s => onlyIfNoDefault ? s.Routes(ns).Any(r => r.IsDefault) : s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway))));
    }

    private Appliance PlanTap(ApplianceRequest request, Ipv4Cidr address, IPAddress gateway, KernelState state, List<Step> steps)
    {
        var h = _host.Sandbox;
        var tap = request.Target;
        var link = state.Links(h).Link(tap);
        var recorded = RecordOf(request, state);
        if (link is not null && recorded is null && link.Kind != "tun")
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, tap, $"'{tap}' exists and is a {link.Kind ?? "device"}, not a tap. Give the tap QEMU uses, or a new name for a tap to create.");
        }

        if (link?.Master is { } master && master != request.Bridge && recorded is null)
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, tap, $"'{tap}' is already plugged into '{master}'. Unplug it first ('ip link set dev {tap} nomaster').");
        }

        var created = recorded?["created"] == "1" || link is null;
        var mac = recorded?["mac"] ?? GuestMac(request.Bridge + "/" + tap);
        if (link is null)
        {
            var add = new List<string> { "tuntap", "add", "dev", tap, "mode", "tap" };
            if (request.TapOwner is not null)
            {
                add.AddRange(new[] { "user", request.TapOwner });
            }

            steps.Add(Step.Program($"Create the tap {tap}", NetworkHost.IpIn(h, add), NetworkHost.IpIn(h, new[] { "tuntap", "del", "dev", tap, "mode", "tap" }), s => s.Links(h).Link(tap) is not null));
        }

        var record = new AliasRecord(Record, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["addr"] = address.ToString(),
            ["bridge"] = request.Bridge,
            ["created"] = created ? "1" : "0",
            ["gw"] = gateway.ToString(),
            ["kind"] = request.Kind.ToString(),
            ["mac"] = mac,
            ["name"] = tap,
            ["oalias"] = recorded?["oalias"] ?? link?.Alias ?? string.Empty,
        }).ToString();
        steps.Add(Step.Link($"Record the guest's address on {tap}", h, new[] { "link", "set", "dev", tap, "alias", record }, created ? null : new[] { "link", "set", "dev", tap, "alias", link?.Alias ?? string.Empty }, s => s.Links(h).Link(tap)?.Alias == record));
        steps.Add(Step.Link($"Plug {tap} into {request.Bridge}", h, new[] { "link", "set", "dev", tap, "master", request.Bridge, "up" }, created ? null : new[] { "link", "set", "dev", tap, "nomaster" }, s => s.Links(h).Link(tap) is { IsUp: true } p && p.Master == request.Bridge));
        return new Appliance
        {
            Name = tap, Kind = request.Kind, Bridge = request.Bridge, HostInterface = tap, Interface = "eth0", Address = address, Gateway = gateway,
            MacAddress = mac, QemuArguments = QemuArguments(tap, mac), Sandbox = _host.Sandbox,
        };
    }

    private Appliance PlanInterface(ApplianceRequest request, Ipv4Cidr address, IPAddress gateway, KernelState state, List<Step> steps)
    {
        var h = _host.Sandbox;
        var name = request.Target;
        var link = state.Links(h).Link(name) ?? throw new VlanException(ErrorIds.InterfaceNotFound, VlanErrorKind.ObjectNotFound, name, $"There is no link named '{name}' in {_host.DisplayName}. Start the VirtualBox host-only network (vboxnet0) first, or run 'ip link' to see the links.");
        var recorded = RecordOf(request, state);
        string? reason = name == "lo" ? "it is the loopback link"
            : link.IsBridge ? "it is a bridge (join it with -DockerNetwork, or plug its ports in one by one)"
            : link.Master is { } m && m != request.Bridge ? $"it is already plugged into '{m}'"
            : AliasRecord.Parse(link.Alias, "uplink") is not null ? "it is a router's uplink"
            : recorded is null ? OwnObjects.WhyLink(link, new RouterService(_host, _ => null, _ => false).Routers(state))
            : null;
        if (reason is not null)
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, name, $"'{name}' cannot be plugged into the LAN: {reason}.");
        }

        var oldAddresses = recorded?["oaddrs"] ?? string.Join(',', link.Addresses);
        var record = new AliasRecord(Record, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["addr"] = address.ToString(),
            ["bridge"] = request.Bridge,
            ["gw"] = gateway.ToString(),
            ["kind"] = request.Kind.ToString(),
            ["name"] = name,
            ["oaddrs"] = oldAddresses,
            ["oalias"] = recorded?["oalias"] ?? link.Alias ?? string.Empty,
            ["oup"] = recorded?["oup"] ?? (link.IsUp ? "1" : "0"),
        }).ToString();
        steps.Add(Step.Link($"Record {name}'s old settings", h, new[] { "link", "set", "dev", name, "alias", record }, new[] { "link", "set", "dev", name, "alias", link.Alias ?? string.Empty }, s => s.Links(h).Link(name)?.Alias == record));

        // VirtualBox puts its address back when a VM starts or stops; running Connect-VlanAppliance
        // again flushes it again, since this step is only skipped while the link has no address.
        steps.Add(Step.ProgramWithUndo(
            $"Take the host's address off {name}",
            NetworkHost.IpIn(h, new[] { "-4", "addr", "flush", "dev", name }),
            link.Addresses.Select(a => NetworkHost.IpIn(h, new[] { "addr", "add", a.ToString(), "dev", name })).ToArray(),
            s => s.Links(h).Link(name)?.Addresses.Count == 0));
        steps.Add(Step.Link($"Plug {name} into {request.Bridge}", h, new[] { "link", "set", "dev", name, "master", request.Bridge, "up" }, new[] { "link", "set", "dev", name, "nomaster" }, s => s.Links(h).Link(name) is { IsUp: true } p && p.Master == request.Bridge));
        return new Appliance
        {
            Name = name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = name, Address = address, Gateway = gateway,
            MacAddress = link.MacAddress, Sandbox = _host.Sandbox,
        };
    }

    private Appliance PlanDockerNetwork(ApplianceRequest request, Ipv4Cidr lan, IPAddress gateway, ISet<IPAddress> used, KernelState state, List<Step> steps)
    {
        var h = _host.Sandbox;
        var network = _docker.Network(request.Target);
        var dockerBridge = state.Links(h).Link(network.Bridge) ?? throw new VlanException(
            ErrorIds.InterfaceNotFound, VlanErrorKind.ObjectNotFound, network.Bridge, $"Docker's bridge '{network.Bridge}' for '{network.Name}' is not in {_host.DisplayName}. Is DOCKER_HOST the engine of this host?");
        var port = "vl-n" + network.Id[..11];
        var peer = "vl-p" + network.Id[..11];
        var recorded = RecordOf(request, state);
        var flushed = recorded?["daddrs"] ?? string.Join(',', dockerBridge.Addresses);
        var readdressed = new List<(string Container, Ipv4Cidr Old, Ipv4Cidr New, string Ns, string Interface)>();
        if (request.Readdress)
        {
            foreach (var (id, name, old) in network.Containers)
            {
                var container = _docker.Container(id);
                var links = state.Links(container.NetworkNamespace);
                var inside = links.Links.FirstOrDefault(l => old is not null && l.Addresses.Contains(old.Value))
                    ?? links.Links.FirstOrDefault(l => AliasRecord.Parse(l.Alias, "readdressed")?["network"] == network.Name);
                if (inside is null)
                {
                    continue;
                }

                var previous = AliasRecord.Parse(inside.Alias, "readdressed");
                var fresh = previous is not null ? Ipv4Cidr.Parse(previous["new"]) : AddressPool.Next(lan, ApplianceKind.DockerNetwork, used);
                used.Add(fresh.Address);
                readdressed.Add((name, previous is not null ? Ipv4Cidr.Parse(previous["old"]) : old!.Value, fresh, container.NetworkNamespace, inside.Name));
            }
        }

        var record = new AliasRecord(Record, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["bridge"] = request.Bridge,
            ["daddrs"] = flushed,
            ["dbr"] = network.Bridge,
            ["gw"] = gateway.ToString(),
            ["kind"] = request.Kind.ToString(),
            ["name"] = network.Name,
            ["peer"] = peer,
            ["caddrs"] = string.Join(',', readdressed.Select(r => r.New.Address)),
        }).ToString();
        steps.Add(Step.Link($"Create the veth {port} ↔ {peer} between the bridges", h, new[] { "link", "add", port, "type", "veth", "peer", "name", peer }, new[] { "link", "del", port }, s => s.Links(h).Link(port) is not null));
        steps.Add(Step.Link($"Record {network.Name} on {port}", h, new[] { "link", "set", "dev", port, "alias", record }, null, s => s.Links(h).Link(port)?.Alias == record));
        steps.Add(Step.Link($"Plug {port} into {request.Bridge}", h, new[] { "link", "set", "dev", port, "master", request.Bridge, "up" }, null, s => s.Links(h).Link(port) is { IsUp: true } p && p.Master == request.Bridge));
        steps.Add(Step.Link($"Plug {peer} into Docker's {network.Bridge}", h, new[] { "link", "set", "dev", peer, "master", network.Bridge, "up" }, null, s => s.Links(h).Link(peer) is { IsUp: true } p && p.Master == network.Bridge));
        foreach (var old in dockerBridge.Addresses)
        {
            steps.Add(Step.Link($"Take Docker's address {old} off {network.Bridge}", h, new[] { "addr", "del", old.ToString(), "dev", network.Bridge }, new[] { "addr", "add", old.ToString(), "dev", network.Bridge }, s => s.Links(h).Link(network.Bridge)?.Addresses.Contains(old) == false));
        }

        if (state.Firewall(h).HasChain("filter", "DOCKER-USER"))
        {
            // DOCKER-USER is where Docker lets users decide first; Docker never flushes it, so the
            // exception survives a dockerd restart, and Docker's own isolation rules stay untouched.
            var accept = new[] { "-I", "DOCKER-USER", "-i", network.Bridge, "-o", network.Bridge, "-m", "comment", "--comment", ApplianceOwner(network.Name), "-j", "ACCEPT" };
            var asSaved = (string[])accept.Clone();
            asSaved[0] = "-A";
            steps.Add(Step.Firewall($"Let the LAN through Docker's isolation of {network.Bridge}", h, "filter", accept, Delete(accept), s => s.Firewall(h).HasRule("filter", RestoreInput.Line(asSaved))));

            // DOCKER-USER only works while FORWARD consults it first. On a live-restore restart,
            // dockerd before 25.0.7/27.4.0 re-inserts its isolation jump at the top of FORWARD and
            // leaves its DOCKER-USER jump below it (moby/moby#48560): no rule can stay above that
            // jump across the restart, so running this again after the restart is what repairs it.
            // Our jump is moved rather than added again, so it is never there twice.
            var forward = ForwardRules(state);
            var ours = RestoreInput.Line(DockerUserFirst(insert: false));
            var copies = forward.Select((line, index) => (line, index)).Where(r => r.line == ours).Select(r => r.index + 1).ToArray();
            var inPlace = forward.Count > 0 && (forward[0] == "-A FORWARD -j DOCKER-USER" || (forward[0] == ours && copies.Length == 1));
            if (!inPlace)
            {
                for (var i = 0; i < copies.Length; i++)
                {
                    // Undone in reverse, when the copies above this one are still gone.
                    var position = (copies[i] - i).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var back = DockerUserFirst(insert: true);
                    back[2] = position;
                    steps.Add(Step.Firewall($"Take the module's jump to DOCKER-USER from FORWARD position {copies[i]}", h, "filter", Delete(DockerUserFirst(insert: false)), back, null));
                }

                steps.Add(Step.Firewall(
                    "Make FORWARD consult DOCKER-USER first",
                    h,
                    "filter",
                    DockerUserFirst(insert: true),
                    Delete(DockerUserFirst(insert: false)),
                    s => ForwardRules(s) is { Count: > 0 } now && (now[0] == "-A FORWARD -j DOCKER-USER" || (now[0] == ours && now.Count(l => l == ours) == 1))));
            }
        }

        foreach (var (container, old, fresh, ns, inside) in readdressed)
        {
            // Docker gives even --internal containers a default route via its bridge's address,
            // which is gone now: the LAN's gateway replaces it, and the old one is kept for Disconnect.
            var oldGateway = state.Routes(ns).FirstOrDefault(r => r.IsDefault)?.Gateway?.ToString() ?? string.Empty;
            var previous = AliasRecord.Parse(state.Links(ns).Link(inside)?.Alias, "readdressed");
            var keptGateway = previous?["ogw"] ?? (oldGateway == gateway.ToString() ? string.Empty : oldGateway);
            var mark = new AliasRecord("readdressed", new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["network"] = network.Name,
                ["new"] = fresh.ToString(),
                ["ogw"] = keptGateway,
                ["old"] = old.ToString(),
            }).ToString();
            var restoreRoute = keptGateway.Length == 0
                ? new[] { "route", "del", "default", "via", gateway.ToString(), "dev", inside }
                : new[] { "route", "replace", "default", "via", keptGateway, "dev", inside };
            steps.Add(Step.Link($"Give {container} the LAN address {fresh}", ns, new[] { "addr", "add", fresh.ToString(), "dev", inside }, new[] { "addr", "del", fresh.ToString(), "dev", inside }, s => s.Links(ns).Link(inside)?.Addresses.Contains(fresh) == true));
            steps.Add(Step.Link($"Record {container}'s Docker address", ns, new[] { "link", "set", "dev", inside, "alias", mark }, new[] { "link", "set", "dev", inside, "alias", string.Empty }, s => s.Links(ns).Link(inside)?.Alias == mark));
            steps.Add(Step.Link($"Route {container}'s traffic via {gateway}", ns, new[] { "route", "replace", "default", "via", gateway.ToString(), "dev", inside }, restoreRoute, s => s.Routes(ns).Any(r => r.IsDefault && Equals(r.Gateway, gateway))));
            steps.Add(Step.Link($"Take Docker's address {old} off {container}", ns, new[] { "addr", "del", old.ToString(), "dev", inside }, new[] { "addr", "add", old.ToString(), "dev", inside }, s => s.Links(ns).Link(inside)?.Addresses.Contains(old) == false));
        }

        return new Appliance
        {
            Name = network.Name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = port, Interface = peer,
            Gateway = gateway, DockerBridge = network.Bridge, Sandbox = _host.Sandbox,
        };
    }

    private IEnumerable<Step> DisconnectDockerNetwork(LinkState port, AliasRecord record, KernelState state, IReadOnlyCollection<string> leaving)
    {
        var h = _host.Sandbox;
        var name = record["name"]!;
        var dockerBridge = record["dbr"]!;
        DockerNetwork? network = null;
        try
        {
            network = _docker.Network(name);
        }
        catch (VlanException)
        {
            // The network is gone; its containers went with it, so only our links and rules remain.
        }

        foreach (var (id, container, _) in network?.Containers ?? Array.Empty<(string, string, Ipv4Cidr?)>())
        {
            var ns = _docker.Container(id).NetworkNamespace;
            foreach (var link in state.Links(ns).Links)
            {
                var mark = AliasRecord.Parse(link.Alias, "readdressed");
                if (mark?["network"] != name)
                {
                    continue;
                }

                var gw = record["gw"]!;

                // The default route as it is now (via the LAN's gateway) is what undoing the route step puts back.
                var current = state.Routes(ns).FirstOrDefault(r => r.IsDefault && r.Device == link.Name)?.AddArguments?.ToArray();
                var restoreRoute = current is null ? new[] { "route", "del", "default", "dev", link.Name } : current.Select((a, i) => i == 1 ? "replace" : a).ToArray();
                yield return Step.Link($"Give {container} back its Docker address", ns, new[] { "addr", "add", mark["old"]!, "dev", link.Name }, new[] { "addr", "del", mark["old"]!, "dev", link.Name }, s => s.Links(ns).Link(link.Name)?.Addresses.Contains(Ipv4Cidr.Parse(mark["old"])) == true);
                yield return mark["ogw"] is { Length: > 0 } ogw
                    ? Step.Link($"Give {container} back its default route via {ogw}", ns, new[] { "route", "replace", "default", "via", ogw, "dev", link.Name }, restoreRoute, null)
                    : Step.Link($"Remove {container}'s route via {gw}", ns, new[] { "route", "del", "default", "via", gw, "dev", link.Name }, restoreRoute, s => !s.Routes(ns).Any(r => r.IsDefault && r.Gateway?.ToString() == gw));
                yield return Step.Link($"Take the LAN address off {container}", ns, new[] { "addr", "del", mark["new"]!, "dev", link.Name }, new[] { "addr", "add", mark["new"]!, "dev", link.Name }, s => s.Links(ns).Link(link.Name)?.Addresses.Contains(Ipv4Cidr.Parse(mark["new"])) == false);
                yield return Step.Link($"Clear {container}'s record", ns, new[] { "link", "set", "dev", link.Name, "alias", string.Empty }, new[] { "link", "set", "dev", link.Name, "alias", link.Alias! }, null);
            }
        }

        var accept = new[] { "-A", "DOCKER-USER", "-i", dockerBridge, "-o", dockerBridge, "-m", "comment", "--comment", ApplianceOwner(name), "-j", "ACCEPT" };
        if (state.Firewall(h).HasRule("filter", RestoreInput.Line(accept)))
        {
            yield return RuleRemoval.Delete(h, $"Remove the LAN's exception from DOCKER-USER", "filter", accept);
        }

        var staying = state.Links(h).Links
            .Select(l => AliasRecord.Parse(l.Alias, Record))
            .Count(r => r?["kind"] == nameof(ApplianceKind.DockerNetwork) && r["name"] != name && !leaving.Contains(r["name"]!));
        var first = DockerUserFirst(insert: false);
        var copies = staying == 0 ? ForwardRules(state).Count(l => l == RestoreInput.Line(first)) : 0;
        for (var i = 0; i < copies; i++)
        {
            // Older versions could leave more than one (a repair after a second dockerd restart added another).
            yield return RuleRemoval.Delete(h, "Remove the module's jump to DOCKER-USER", "filter", first);
        }

        var peerName = record["peer"] ?? "vl-p" + port.Name[4..];
        yield return Step.Link($"Unplug {name}", h, new[] { "link", "del", port.Name }, null, s => s.Links(h).Link(port.Name) is null)
            .WithUndo(() => (Restore.Veth(state, h, port, h, state.Links(h).Link(peerName), peerName), null));
        foreach (var old in Addresses(record["daddrs"]))
        {
            yield return Step.Link($"Give Docker's {dockerBridge} back {old}", h, new[] { "addr", "add", old.ToString(), "dev", dockerBridge }, new[] { "addr", "del", old.ToString(), "dev", dockerBridge }, s => s.Links(h).Link(dockerBridge) is null || s.Links(h).Link(dockerBridge)!.Addresses.Contains(old));
        }
    }

    /// <summary>Reads one appliance, with its live address.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The appliance, or null when it is not connected.</returns>
    public Appliance? Read(ApplianceKind kind, string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var port in state.Links(_host.Sandbox).Links)
        {
            var record = AliasRecord.Parse(port.Alias, Record);
            if (record is not null && record["kind"] == kind.ToString() && record["name"] == name && port.Master == record["bridge"])
            {
                return Describe(port, record, state, readLive: true);
            }
        }

        return null;
    }

    private Appliance Describe(LinkState port, AliasRecord record, KernelState state, bool readLive)
    {
        var kind = Enum.Parse<ApplianceKind>(record["kind"]!);
        var ns = record["ns"];
        string? containerId = null;
        if (kind == ApplianceKind.Container)
        {
            containerId = record["cid"];
            ns = readLive ? TryContainerNamespace(containerId) : null;
        }

        var inside = record["if"];
        var live = readLive && ns is not null && inside is not null && state.Exists(ns) ? state.Links(ns).Link(inside) : null;
        var address = live is { Addresses.Count: > 0 } ? live.Addresses[0] : record["addr"] is { Length: > 0 } a ? Ipv4Cidr.Parse(a) : (Ipv4Cidr?)null;
        return new Appliance
        {
            Name = record["name"]!,
            Kind = kind,
            Bridge = record["bridge"]!,
            HostInterface = port.Name,
            Interface = kind is ApplianceKind.DockerNetwork ? record["peer"] : kind is ApplianceKind.Tap ? "eth0" : inside,
            Address = address,
            Gateway = record["gw"] is { Length: > 0 } g ? IPAddress.Parse(g) : null,
            MacAddress = kind == ApplianceKind.Tap ? record["mac"] : live?.MacAddress ?? (kind == ApplianceKind.Interface ? port.MacAddress : null),
            Namespace = ns,
            ContainerId = containerId,
            DockerBridge = record["dbr"],
            QemuArguments = kind == ApplianceKind.Tap ? QemuArguments(port.Name, record["mac"]!) : null,
            Sandbox = _host.Sandbox,
        };
    }

    private string? TryContainerNamespace(string? id)
    {
        if (id is null)
        {
            return null;
        }

        try
        {
            return _docker.Container(id).NetworkNamespace;
        }
        catch (VlanException)
        {
            return null;
        }
    }

    private AliasRecord? RecordOf(ApplianceRequest request, KernelState state) =>
        state.Links(_host.Sandbox).Links
            .Select(l => AliasRecord.Parse(l.Alias, Record))
            .FirstOrDefault(r => r is not null && r["name"] == request.Target && r["kind"] == request.Kind.ToString());

    private static Ipv4Cidr ChooseAddress(ApplianceRequest request, Ipv4Cidr lan, Appliance? existing, HashSet<IPAddress> used)
    {
        if (request.Address is null)
        {
            if (existing?.Address is { } kept && request.Kind != ApplianceKind.DockerNetwork)
            {
                return kept;
            }

            return AddressPool.Next(lan, request.Kind, used);
        }

        var text = request.Address.Contains('/', StringComparison.Ordinal) ? request.Address : $"{request.Address}/{lan.PrefixLength}";
        var address = Ipv4Cidr.Parse(text);
        if (address.PrefixLength != lan.PrefixLength || !lan.Contains(address.Address) || address.IsNetworkAddress || address.IsBroadcastAddress)
        {
            throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidArgument, request.Address, $"-Address {request.Address} is not a host address of the LAN {lan.Network} of '{request.Bridge}'. Give one inside it, or leave -Address out to take the next free one.");
        }

        if (used.Contains(address.Address) && existing?.Address != address)
        {
            throw new VlanException(ErrorIds.AddressNotFree, VlanErrorKind.ResourceExists, request.Address, $"-Address {address.Address} is already used on the LAN {lan.Network}. Leave -Address out to take the next free one, or run Get-VlanAppliance to see who has it.");
        }

        return address;
    }

    private HashSet<IPAddress> UsedAddresses(string bridge, Ipv4Cidr lan, Router? router, KernelState state)
    {
        var h = _host.Sandbox;
        var used = new HashSet<IPAddress>();
        foreach (var link in state.Links(h).Links)
        {
            foreach (var address in link.Addresses.Where(a => lan.Contains(a.Address)))
            {
                used.Add(address.Address);
            }

            var record = AliasRecord.Parse(link.Alias, Record);
            if (record?["addr"] is { Length: > 0 } recorded)
            {
                used.Add(Ipv4Cidr.Parse(recorded).Address);
            }

            foreach (var readdressed in (record?["caddrs"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                used.Add(IPAddress.Parse(readdressed));
            }
        }

        if (router is not null)
        {
            used.Add(router.GatewayAddress);
        }

        foreach (var neighbor in state.Neighbors(h, bridge))
        {
            used.Add(neighbor);
        }

        return used;
    }

    private static string PortName(string name) =>
        name.Length <= 12 ? "vl-" + name : "vl-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..12].ToLowerInvariant();

    private static string ApplianceMac(ApplianceRequest request) => GuestMac(request.Bridge + "/" + request.Kind + "/" + request.Target);

    private static string GuestMac(string key) => "52:54:00:" + string.Join(':', BridgeService.StableMac(key).Split(':').Skip(3));

    private static string QemuArguments(string tap, string mac) =>
        $"-netdev tap,id=vlan0,ifname={tap},script=no,downscript=no -device virtio-net-pci,netdev=vlan0,mac={mac}";

    private List<string> ForwardRules(KernelState state) =>
        state.Firewall(_host.Sandbox).Rules("filter").Where(l => l.StartsWith("-A FORWARD ", StringComparison.Ordinal)).ToList();

    private static string[] DockerUserFirst(bool insert) =>
        insert
            ? new[] { "-I", "FORWARD", "1", "-m", "comment", "--comment", "virtuallan:docker-user-first", "-j", "DOCKER-USER" }
            : new[] { "-A", "FORWARD", "-m", "comment", "--comment", "virtuallan:docker-user-first", "-j", "DOCKER-USER" };

    internal static string[] Delete(string[] rule)
    {
        var delete = (string[])rule.Clone();
        delete[0] = "-D";
        return delete;
    }

    private static IEnumerable<Ipv4Cidr> Addresses(string? text) =>
        string.IsNullOrEmpty(text) ? Array.Empty<Ipv4Cidr>() : text.Split(',').Select(Ipv4Cidr.Parse);
}
