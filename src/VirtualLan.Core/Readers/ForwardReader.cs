using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Readers;

/// <summary>
/// Reads the port forwards of every router back from the routers' nat tables: each forward's WAN
/// DNAT rule, found by its comment (<see cref="ForwardComment"/>). Any planner may ask it; it plans nothing.
/// </summary>
public sealed partial class ForwardReader
{
    private readonly NetworkHost _host;
    private readonly RouterReader _routers;
    private readonly Func<KernelState, IReadOnlyList<Appliance>> _appliances;

    /// <summary>Initializes a new instance of the <see cref="ForwardReader"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="routers">Reads the routers whose rules hold the forwards.</param>
    /// <param name="appliances">Lists the appliances from their records, to name the one behind a forward.</param>
    public ForwardReader(NetworkHost host, RouterReader routers, Func<KernelState, IReadOnlyList<Appliance>> appliances)
    {
        _host = host;
        _routers = routers;
        _appliances = appliances;
    }

    /// <summary>Lists the forwards of every router of the host.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The forwards.</returns>
    public IReadOnlyList<PortForward> List(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Derived("forwards/" + _host.DisplayName, () => ReadForwards(state));
    }

    /// <summary>Names the appliance that holds an address on a LAN, from the appliance records.</summary>
    /// <param name="address">The address.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The appliance's name, or null.</returns>
    public string? ApplianceAt(IPAddress address, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Derived("appliance-addresses/" + _host.DisplayName, () =>
        {
            var map = new Dictionary<IPAddress, string>();
            foreach (var appliance in _appliances(state))
            {
                if (appliance.Address is { } a)
                {
                    map.TryAdd(a, appliance.Name);
                }
            }

            return map;
        }).GetValueOrDefault(address);
    }

    private IReadOnlyList<PortForward> ReadForwards(KernelState state)
    {
        var forwards = new List<PortForward>();
        foreach (var router in _routers.Routers(state))
        {
            // The owners of NAT loopback rules (those matching on the LAN leg), collected in one pass.
            var loopbackOwners = state.Firewall(router.Namespace).Rules("nat")
                .Where(l => l.Contains(" -i " + RouterService.LanInterface + " ", StringComparison.Ordinal))
                .Select(l => WanRule().Match(l))
                .Where(m => m.Success && ForwardComment.Parse(m.Groups["owner"].Value) is not null)
                .Select(m => m.Groups["owner"].Value)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var line in state.Firewall(router.Namespace).Rules("nat"))
            {
                var match = WanRule().Match(line);
                if (!match.Success || ForwardComment.Parse(match.Groups["owner"].Value) is not { } owner || owner.Router != router.Name || match.Groups["in"].Value != router.Uplink)
                {
                    continue;
                }

                var ports = match.Groups["ports"].Value.Split(':');
                var target = match.Groups["target"].Value.Split(':');
                var internalAddress = IPAddress.Parse(target[0]);
                forwards.Add(new PortForward
                {
                    Router = router.Name,
                    Protocol = Enum.Parse<ForwardProtocol>(match.Groups["proto"].Value, ignoreCase: true),
                    ExternalAddress = IPAddress.Parse(match.Groups["address"].Value),
                    ExternalPortFirst = int.Parse(ports[0], CultureInfo.InvariantCulture),
                    ExternalPortLast = int.Parse(ports[^1], CultureInfo.InvariantCulture),
                    InternalAddress = internalAddress,
                    InternalPortFirst = int.Parse(target[1].Split('-')[0], CultureInfo.InvariantCulture),
                    Appliance = ApplianceAt(internalAddress, state),
                    NatLoopback = loopbackOwners.Contains(match.Groups["owner"].Value),
                    Sandbox = _host.Sandbox,
                });
            }
        }

        return forwards;
    }

    [GeneratedRegex("^-A VLAN-PREROUTING -d (?<address>[0-9.]+)/32 -i (?<in>\\S+) -p (?<proto>tcp|udp) -m (?:tcp|udp) --dport (?<ports>[0-9:]+) -m comment --comment \"(?<owner>[^\"]+)\" -j DNAT --to-destination (?<target>[0-9.]+:[0-9-]+(?:/[0-9]+)?)$")]
    private static partial Regex WanRule();
}
