using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Planning;

/// <summary>Plans the creation and removal of bridges and reads them back from the kernel.</summary>
public sealed class BridgeService
{
    /// <summary>The interface alias that marks a bridge as VirtualLan's.</summary>
    public const string Marker = "virtuallan:bridge";

    private readonly NetworkHost _host;

    /// <summary>Initializes a new instance of the <see cref="BridgeService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public BridgeService(NetworkHost host)
    {
        _host = host;
    }

    /// <summary>
    /// Plans a bridge. Steps whose result is already in place are kept in the plan but will be
    /// skipped, so running the same request twice runs nothing the second time.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">The name is taken by another kind of link, the address by another link, or the bridge exists with other settings and -Force was not given.</exception>
    public Plan PlanNew(BridgeRequest request, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var ns = _host.Namespace;
        var links = state.Links(ns);
        var name = request.Name;
        var address = request.Address.ToString();
        var existing = links.Link(name);
        if (existing is not null && !existing.IsBridge)
        {
            throw NameTaken(existing);
        }

        var holder = links.HolderOf(request.Address.Address);
        if (holder is not null && holder.Name != name)
        {
            throw new VlanException(
                ErrorIds.AddressInUse,
                VlanErrorKind.ResourceExists,
                address,
                $"The address {request.Address.Address} is already on the link '{holder.Name}' in {_host.DisplayName}. Choose another -Address, or remove it from '{holder.Name}' first.");
        }

        // Two links on one subnet make the host's routes ambiguous: the LAN would take over part of
        // another LAN (or of the uplink's network), or lose part of its own.
        var overlap = links.Links
            .Where(l => l.Name != name && l.Name != "lo")
            .SelectMany(l => l.Addresses.Select(a => (Link: l.Name, Address: a)))
            .FirstOrDefault(x => x.Address.Overlaps(request.Address));
        if (overlap.Link is not null)
        {
            throw new VlanException(
                ErrorIds.SubnetOverlap,
                VlanErrorKind.InvalidArgument,
                address,
                $"The LAN {request.Address.Network} overlaps {overlap.Address.Network} of the link '{overlap.Link}' in {_host.DisplayName}. Choose an -Address on a subnet of its own, such as 172.25.0.1/16.");
        }

        var at = ns;
        var steps = new List<Step>();
        if (existing is null)
        {
            // A fixed MAC keeps the bridge's address stable as ports come and go (the kernel would
            // otherwise take the lowest port's), derived from the name so re-creating gives the same.
            steps.Add(new CreateBridge(at, name, StableMac(_host.Sandbox + "/" + name), request.Mtu).ToStep($"Create the bridge {name}"));
        }
        else
        {
            steps.AddRange(Reconcile(existing, request));
        }

        steps.Add(new SetAlias(at, name, Marker, existing is null ? null : existing.Alias ?? string.Empty).ToStep($"Mark {name} as VirtualLan's"));
        if (Directory.Exists("/proc/sys/net/ipv6"))
        {
            // The LAN is the appliances' link: a router advertisement from one of them must not give
            // the host an IPv6 default route or address. The setting goes with the bridge.
            var acceptRa = $"net/ipv6/conf/{name}/accept_ra";
            var before = existing is null ? null : state.Sysctl(ns, acceptRa);
            steps.Add(Step.Program(
                $"Ignore IPv6 router advertisements on {name}",
                NetworkHost.ExecIn(ns, "sysctl", new[] { "-qw", acceptRa + "=0" }),
                before is null or "0" ? null : NetworkHost.ExecIn(ns, "sysctl", new[] { "-qw", acceptRa + "=" + before }),
                s => s.Links(ns).Link(name) is not null && s.Sysctl(ns, acceptRa) == "0").Carrying(new SetSysctls(ns, [(acceptRa, "0")])));
        }

        steps.Add(new AddAddress(at, name, request.Address).ToStep($"Give the host {address} on {name}"));
        steps.Add(new SetLinkState(at, name).ToStep($"Bring {name} up"));
        return new Plan($"Create bridge {name} with {address}", $"{name} in {_host.DisplayName}", steps);
    }

    /// <summary>Plans the removal of a bridge.</summary>
    /// <param name="name">The bridge name.</param>
    /// <param name="force">Whether a bridge VirtualLan did not make may be removed.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">There is no such bridge, the name is another kind of link, or the bridge is not VirtualLan's and -Force was not given.</exception>
    public Plan PlanRemove(string name, bool force, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var ns = _host.Namespace;
        var link = state.Links(ns).Link(Names.Interface(name, "Name"));
        if (link is null)
        {
            throw NotFound(name);
        }

        if (!link.IsBridge)
        {
            throw NameTaken(link);
        }

        if (link.Alias != Marker && !force)
        {
            throw new VlanException(
                ErrorIds.BridgeNotManaged,
                VlanErrorKind.InvalidOperation,
                name,
                $"The bridge '{name}' in {_host.DisplayName} was not made by VirtualLan (another tool, such as Docker, may own it). Add -Force to remove it anyway.");
        }

        // Deleting the bridge removes its addresses and unplugs its ports in one kernel operation;
        // the ports themselves belong to the appliances and stay.
        // The undo makes it again with its MAC, MTU, alias, addresses and routes, and plugs the ports back in.
        var step = new DeleteLink(ns, name).ToStep($"Delete the bridge {name}")
            .WithUndo(() => (Restore.Bridge(state, ns, link), null));
        return new Plan($"Remove bridge {name}", $"{name} in {_host.DisplayName}", BridgeFirewall.PlanRemove(ns, name, state).Append(step));
    }

    /// <summary>Reads one bridge.</summary>
    /// <param name="name">The bridge name.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The bridge.</returns>
    /// <exception cref="VlanException">There is no bridge of that name.</exception>
    public Bridge Read(string name, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var links = state.Links(_host.Sandbox);
        var link = links.Link(name);
        if (link is null)
        {
            throw NotFound(name);
        }

        if (!link.IsBridge)
        {
            throw NameTaken(link);
        }

        return Describe(link, links);
    }

    /// <summary>Lists the bridges of the host.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <param name="includeUnmanaged">Whether to include bridges VirtualLan did not make.</param>
    /// <returns>The bridges in index order.</returns>
    public IReadOnlyList<Bridge> List(KernelState state, bool includeUnmanaged)
    {
        ArgumentNullException.ThrowIfNull(state);
        var links = state.Links(_host.Sandbox);
        return links.Links
            .Where(l => l.IsBridge && (includeUnmanaged || l.Alias == Marker))
            .Select(l => Describe(l, links))
            .ToArray();
    }

    private IEnumerable<Step> Reconcile(LinkState existing, BridgeRequest request)
    {
        var ns = _host.Namespace;
        var name = existing.Name;
        var others = existing.Addresses.Where(a => a != request.Address).ToArray();
        var mtuDiffers = request.Mtu is int wanted && wanted != existing.Mtu;
        if ((others.Length > 0 || mtuDiffers) && !request.Force)
        {
            var differences = new List<string>();
            if (others.Length > 0)
            {
                differences.Add($"it has the address(es) {string.Join(", ", others.Select(a => a.ToString()))}");
            }

            if (mtuDiffers)
            {
                differences.Add($"its MTU is {existing.Mtu.ToString(CultureInfo.InvariantCulture)}");
            }

            throw new VlanException(
                ErrorIds.BridgeConflict,
                VlanErrorKind.ResourceExists,
                name,
                $"The bridge '{name}' already exists in {_host.DisplayName} with other settings: {string.Join(" and ", differences)}. Add -Force to reconfigure it, or choose another -Name.");
        }

        var at = ns;
        foreach (var other in others)
        {
            yield return new DeleteAddress(at, name, other).ToStep($"Remove the address {other} from {name}");
        }

        if (mtuDiffers)
        {
            yield return new SetMtu(at, name, request.Mtu!.Value, existing.Mtu).ToStep($"Set the MTU of {name} to {request.Mtu.Value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>Derives a locally administered unicast MAC address from a key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The address, such as 02:5e:…</returns>
    public static string StableMac(string key)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("virtuallan/" + key));
        hash[0] = 0x02;
        return string.Join(':', hash.Take(6).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private Bridge Describe(LinkState link, NamespaceState links) =>
        new(
            link.Name,
            link.Addresses.Count > 0 ? link.Addresses[0] : null,
            link.MacAddress,
            link.Mtu,
            link.OperState,
            _host.Sandbox,
            links.PortsOf(link.Name),
            link.Alias == Marker);

    private VlanException NotFound(string name) =>
        new(
            ErrorIds.BridgeNotFound,
            VlanErrorKind.ObjectNotFound,
            name,
            $"There is no bridge named '{name}' in {_host.DisplayName}. Run Get-VlanBridge -All to see the bridges there, or New-VlanBridge to make one.");

    private VlanException NameTaken(LinkState link) =>
        new(
            ErrorIds.NameInUseByOtherLink,
            VlanErrorKind.ResourceExists,
            link.Name,
            $"The name '{link.Name}' is already used in {_host.DisplayName} by a link of kind '{link.Kind ?? "device"}', not a bridge. Choose another -Name.");
}
