using System.Globalization;
using System.Net;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Planning;

/// <summary>
/// Plans port forwards on a router namespace, with NAT loopback, and reads them back from the
/// router's rules. Every rule of a forward carries the comment virtuallan:forward/ROUTER/PROTO/PORTS
/// (<see cref="ForwardComment"/>); <see cref="ForwardReader"/> reads them back.
/// </summary>
public sealed class PortForwardService
{
    /// <summary>The module's chain in the router's nat table for DNAT.</summary>
    public const string PreroutingChain = "VLAN-PREROUTING";

    private readonly NetworkHost _host;
    private readonly HostReaders _readers;

    /// <summary>Initializes a new instance of the <see cref="PortForwardService"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="docker">Reads containers, to name the appliance behind a forward.</param>
    public PortForwardService(NetworkHost host, Docker docker)
        : this(HostReaders.For(host, docker))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PortForwardService"/> class.</summary>
    /// <param name="readers">The readers of the host.</param>
    public PortForwardService(HostReaders readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = readers;
        _host = readers.Host;
    }

    /// <summary>The comment that names the forward owning a rule.</summary>
    /// <param name="router">The router.</param>
    /// <param name="protocol">The protocol.</param>
    /// <param name="ports">The external port or range, as 4000 or 4000-4010.</param>
    /// <returns>The comment.</returns>
    public static string Owner(string router, ForwardProtocol protocol, string ports) => new ForwardComment(router, protocol, ports).Write();

    /// <summary>Parses a port or a range such as 4000 or 4000-4010.</summary>
    /// <param name="text">The text.</param>
    /// <param name="parameter">The parameter, for the message.</param>
    /// <returns>The first and last port.</returns>
    /// <exception cref="VlanException">It is not a port or range from 1 to 65535, or the range is reversed.</exception>
    public static (int First, int Last) ParsePorts(string? text, string parameter)
    {
        var parts = (text ?? string.Empty).Split('-');
        var ports = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : -1).ToArray();
        if (parts.Length is < 1 or > 2 || ports.Any(p => p is < 1 or > 65535))
        {
            throw new VlanException(ErrorIds.InvalidPort, VlanErrorKind.InvalidArgument, text, $"-{parameter} '{text}' is not a port from 1 to 65535 or a range such as 4000-4010.");
        }

        var (first, last) = (ports[0], ports[^1]);
        return first <= last
            ? (first, last)
            : throw new VlanException(ErrorIds.InvalidPort, VlanErrorKind.InvalidArgument, text, $"-{parameter} '{text}' is a reversed range. Give the lower port first, such as {last}-{first}.");
    }

    /// <summary>Finds the router a forward goes through when none is named: the router of the appliance's bridge, or the host's only router.</summary>
    /// <param name="bridge">The bridge of the appliance the forward is for, or null.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The router's name.</returns>
    /// <exception cref="VlanException">There is no such router (<see cref="ErrorIds.RouterNotFound"/>).</exception>
    public string RouterOf(string? bridge, KernelState state) =>
        _readers.Routers.Routers(state).FirstOrDefault(x => bridge is null || x.Bridge == bridge)?.Name
        ?? throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, bridge, $"There is no router{(bridge is null ? string.Empty : $" for '{bridge}'")} in {_host.DisplayName}. Give one with -Router, or make one with Add-VlanRouterNamespace.");

    /// <summary>Plans a port forward.</summary>
    /// <param name="routerName">The router.</param>
    /// <param name="protocol">The protocol.</param>
    /// <param name="externalPorts">The external port or range.</param>
    /// <param name="internalPorts">The internal port or first port, or null for the same as external.</param>
    /// <param name="internalAddress">The server's address on the LAN.</param>
    /// <param name="externalAddress">The public address, or null for the uplink's.</param>
    /// <param name="appliance">The appliance that holds the server, for the record.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="planned">Forwards planned from the same state for the same pipeline, not yet applied; null when none.</param>
    /// <param name="replacing">A forward the same plan removes first (one that follows its appliance to a new address), or null.</param>
    /// <returns>The plan and the forward as it will be.</returns>
    /// <exception cref="VlanException">The router, ports or addresses do not fit, or the port is forwarded already.</exception>
    public (Plan Plan, PortForward Forward) PlanAdd(
        string routerName, ForwardProtocol protocol, string externalPorts, string? internalPorts, IPAddress internalAddress, IPAddress? externalAddress, string? appliance, KernelState state, IReadOnlyCollection<PortForward>? planned = null, PortForward? replacing = null)
    {
        ArgumentNullException.ThrowIfNull(internalAddress);
        ArgumentNullException.ThrowIfNull(state);
        var (first, last) = ParsePorts(externalPorts, "ExternalPort");
        var (internalFirst, internalLast) = internalPorts is null ? (first, last) : ParsePorts(internalPorts, "InternalPort");
        if (internalPorts is not null && internalFirst == internalLast && first != last)
        {
            internalLast = internalFirst + (last - first);
        }

        if (internalLast - internalFirst != last - first || internalLast > 65535)
        {
            throw new VlanException(ErrorIds.InvalidPort, VlanErrorKind.InvalidArgument, internalPorts, $"-InternalPort '{internalPorts}' must cover as many ports as -ExternalPort '{externalPorts}' ({last - first + 1}), within 1 to 65535.");
        }

        var router = _readers.Routers.Read(routerName, state);
        var lan = Ipv4Cidr.Parse($"{router.GatewayAddress}/{router.PrefixLength}");
        if (!lan.Contains(internalAddress) || internalAddress.Equals(router.GatewayAddress))
        {
            throw new VlanException(ErrorIds.AddressOutsideSubnet, VlanErrorKind.InvalidArgument, internalAddress.ToString(), $"The target {internalAddress} is not an appliance on the LAN {lan.Network} behind the router '{routerName}'. Forward to an address on that LAN.");
        }

        // The LAN's network and broadcast addresses are no host, and the bridge's own address is the
        // host's: a forward there would open the host itself to the internet.
        var hostAddresses = state.Links(_host.Sandbox).Link(router.Bridge)?.Addresses.Select(a => a.Address) ?? Enumerable.Empty<IPAddress>();
        var notAppliance = internalAddress.Equals(lan.Network.Address) ? "the LAN's network address"
            : internalAddress.Equals(lan.Broadcast) ? "the LAN's broadcast address"
            : hostAddresses.Contains(internalAddress) ? $"the host's own address on the bridge '{router.Bridge}'"
            : null;
        if (notAppliance is not null)
        {
            throw new VlanException(ErrorIds.InvalidAddress, VlanErrorKind.InvalidArgument, internalAddress.ToString(), $"The target {internalAddress} is {notAppliance}, not an appliance. Forward to an appliance's address on {lan.Network}.");
        }

        var publicAddress = externalAddress ?? router.UplinkAddress ?? throw new VlanException(
            ErrorIds.UplinkHasNoAddress, VlanErrorKind.InvalidOperation, routerName, $"The router '{routerName}' has no address on its uplink yet, so there is no public address to forward. Give one with -ExternalAddress.");
        var ports = first == last ? first.ToString(CultureInfo.InvariantCulture) : $"{first}-{last}";
        var existing = List(state).Concat(planned ?? Array.Empty<PortForward>())
            .FirstOrDefault(f => f != replacing && f.Router == routerName && f.Protocol == protocol && f.ExternalPortFirst <= last && first <= f.ExternalPortLast);
        var forward = new PortForward
        {
            Router = routerName, Protocol = protocol, ExternalAddress = publicAddress, ExternalPortFirst = first, ExternalPortLast = last,
            InternalAddress = internalAddress, InternalPortFirst = internalFirst, Appliance = appliance ?? _readers.Forwards.ApplianceAt(internalAddress, state), NatLoopback = true, Sandbox = _host.Sandbox,
        };
        if (existing is not null && (existing.ExternalPortFirst != first || existing.ExternalPortLast != last || !existing.InternalAddress.Equals(internalAddress) || existing.InternalPortFirst != internalFirst || !existing.ExternalAddress.Equals(publicAddress)))
        {
            throw new VlanException(ErrorIds.PortForwardExists, VlanErrorKind.ResourceExists, ports, $"{existing.Protocol.ToString().ToUpperInvariant()} port {existing.ExternalPort} of '{routerName}' is already forwarded to {existing.InternalAddress}:{existing.InternalPort}. Remove that forward first (Remove-VlanPortForward -Router {routerName} -Protocol {existing.Protocol} -ExternalPort {existing.ExternalPort}).");
        }

        var r = router.Namespace;
        var at = NetNamespace.Named(r);
        var steps = new List<Step>
        {
            new CreateChain(at, "nat", PreroutingChain).ToStep(),
            new AppendRule(at, "nat", "PREROUTING", ["-m", "comment", "--comment", RouterService.Owner(routerName), "-j", PreroutingChain]).ToStep(),
        };
        var owned = OwnedRules(at, router, forward).ToArray();
        steps.AddRange(owned.Select(x => x.ToStep()));

        // Flows are forgotten only when the forward changes something and a flow to its ports is
        // tracked (read once with conntrack -L); a forward already in place needs nothing.
        steps.Add(FlushConntrack(at, protocol, publicAddress, s => owned.All(x => x.IsDone(s)) || !Tracked(s, r, forward)));
        return (new Plan($"Forward {protocol.ToString().ToUpperInvariant()} {publicAddress}:{ports} to {internalAddress}:{internalFirst}", $"{routerName} ({r})", steps), forward);
    }

    /// <summary>Lists the forwards of every router of the host (delegates to ForwardReader).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The forwards.</returns>
    public IReadOnlyList<PortForward> List(KernelState state) => _readers.Forwards.List(state);

    /// <summary>Plans the removal of a forward: exactly its rules, then its conntrack entries.</summary>
    /// <param name="routerName">The router.</param>
    /// <param name="protocol">The protocol.</param>
    /// <param name="externalPorts">The external port or range.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="VlanException">No such forward.</exception>
    public Plan PlanRemove(string routerName, ForwardProtocol protocol, string externalPorts, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (first, last) = ParsePorts(externalPorts, "ExternalPort");
        var forward = List(state).FirstOrDefault(f => f.Router == routerName && f.Protocol == protocol && f.ExternalPortFirst == first && f.ExternalPortLast == last)
            ?? throw new VlanException(ErrorIds.PortForwardNotFound, VlanErrorKind.ObjectNotFound, externalPorts, $"'{routerName}' has no {protocol.ToString().ToUpperInvariant()} forward of port {externalPorts}. Run Get-VlanPortForward to see them.");
        var router = _readers.Routers.Read(routerName, state);
        var r = router.Namespace;
        var at = NetNamespace.Named(r);
        var owner = Owner(routerName, protocol, forward.ExternalPort);
        var steps = new List<Step>();
        foreach (var table in new[] { "nat", "filter" })
        {
            foreach (var rule in OwnedRules(at, router, forward).Where(x => x.Table == table))
            {
                if (rule.IsDone(state))
                {
                    steps.Add(RuleRemoval.Delete(new DeleteRule(at, rule.Table, rule.Chain, rule.Spec), $"Remove {rule.Line}"));
                }
            }
        }

        steps.Add(FlushConntrack(at, protocol, forward.ExternalAddress, s => !Tracked(s, r, forward)));
        return new Plan($"Remove the forward {owner}", $"{routerName} ({r})", steps);
    }

    private static IEnumerable<AppendRule> OwnedRules(NetNamespace at, Router router, PortForward forward)
    {
        var owner = Owner(router.Name, forward.Protocol, forward.ExternalPort);
        var proto = forward.Protocol.ToString().ToLowerInvariant();
        var dport = forward.ExternalPort.Replace('-', ':');
        // A range maps one to one: /BASE makes the kernel shift ports (9002 → 5002) instead of picking any.
        var to = forward.ExternalPortFirst == forward.ExternalPortLast
            ? $"{forward.InternalAddress}:{forward.InternalPort}"
            : FormattableString.Invariant($"{forward.InternalAddress}:{forward.InternalPort}/{forward.ExternalPortFirst}");
        var internalPorts = forward.InternalPort.Replace('-', ':');
        var external = forward.ExternalAddress + "/32";
        var server = forward.InternalAddress + "/32";
        var lan = Ipv4Cidr.Parse($"{router.GatewayAddress}/{router.PrefixLength}").Network.ToString();

        // Written in the order iptables-save prints them, so that "already in place" is a text comparison.
        // Only connections arriving on the WAN side, and (NAT loopback) those from the host link and
        // the LAN addressed to the public address, are translated: the seed's rule matched every interface.
        foreach (var inside in new[] { router.Uplink, RouterService.HostLinkInterface, RouterService.LanInterface })
        {
            yield return new(at, "nat", PreroutingChain, ["-d", external, "-i", inside, "-p", proto, "-m", proto, "--dport", dport, "-m", "comment", "--comment", owner, "-j", "DNAT", "--to-destination", to]);
        }

        // Only connections this forward translated are let through to the server; default deny stays for the rest.
        yield return new(at, "filter", RouterService.ForwardChain, ["-d", server, "-o", RouterService.LanInterface, "-p", proto, "-m", proto, "--dport", internalPorts, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", owner, "-j", "ACCEPT"]);

        // The server's answers to the host link and, for hairpin, back into the LAN (to the internet
        // they pass as LAN → WAN traffic already).
        yield return new(at, "filter", RouterService.ForwardChain, ["-s", server, "-i", RouterService.LanInterface, "-p", proto, "-m", proto, "--sport", internalPorts, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", owner, "-j", "ACCEPT"]);

        // Hairpin: a LAN client's connection comes back out of lan0, so it is masqueraded behind the
        // router's LAN address, or the server would answer the client directly and the client drop it.
        yield return new(at, "nat", RouterService.PostroutingChain, ["-s", lan, "-d", server, "-o", RouterService.LanInterface, "-p", proto, "-m", proto, "--dport", internalPorts, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", owner, "-j", "MASQUERADE"]);
    }

    private static bool Tracked(KernelState state, string ns, PortForward forward)
    {
        var proto = forward.Protocol.ToString().ToLowerInvariant();
        return state.Flows(ns).Any(f => f.Protocol == proto && f.Destination.Equals(forward.ExternalAddress) && f.DestinationPort >= forward.ExternalPortFirst && f.DestinationPort <= forward.ExternalPortLast);
    }

    private static Step FlushConntrack(NetNamespace r, ForwardProtocol protocol, IPAddress external, Func<KernelState, bool>? isDone) =>
        Step.Program(
                $"Forget the {protocol} flows to {external}, so none bypasses the change",
                r.Exec("conntrack", ["-D", "-p", protocol.ToString().ToLowerInvariant(), "--orig-dst", external.ToString()]),
                null,
                isDone)
            .WithUndo(Array.Empty<CommandLine>(), $"the {protocol} flows tracked to {external} were forgotten, so connections through it start over")
            .Tolerating(string.Empty);
}
