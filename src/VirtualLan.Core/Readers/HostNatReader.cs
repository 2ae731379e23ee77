using System.Text.RegularExpressions;
using VirtualLan.Linux;
using VirtualLan.Records;

namespace VirtualLan.Readers;

/// <summary>
/// Reads host NAT back from the host's nat table: each bridge's MASQUERADE rule, whose comment
/// (<see cref="HostNatComment"/>) is its record. Any planner may ask it; it plans nothing.
/// </summary>
public sealed partial class HostNatReader
{
    private readonly NetworkHost _host;
    private readonly PlannedObjects? _planned;

    /// <summary>Initializes a new instance of the <see cref="HostNatReader"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    /// <param name="planned">Host NAT an earlier stage of a sync turns on, answered for bridges the kernel has none for; null for none.</param>
    public HostNatReader(NetworkHost host, PlannedObjects? planned = null)
    {
        _host = host;
        _planned = planned;
    }

    /// <summary>Reads the host NAT of a bridge from its rules.</summary>
    /// <param name="bridgeName">The bridge.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NAT, or null when it is off.</returns>
    public HostNat? Read(string bridgeName, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Masquerades(state).FirstOrDefault(x => x.Comment.Bridge == bridgeName) is { Match: { } match, Comment: { } comment }
            ? Describe(match, comment, state)
            : _planned?.HostNat.FirstOrDefault(n => n.Bridge == bridgeName);
    }

    /// <summary>Lists the bridges whose LAN the host masquerades.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The host NATs, in rule order.</returns>
    public IReadOnlyList<HostNat> List(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var live = Masquerades(state).Select(x => Read(x.Comment.Bridge, state)!).ToArray();
        return _planned is null ? live : PlannedObjects.Merge(live, _planned.HostNat, n => n.Bridge);
    }

    private IEnumerable<(Match Match, HostNatComment Comment)> Masquerades(KernelState state)
    {
        foreach (var line in state.Firewall(_host.Sandbox).Rules("nat"))
        {
            var match = MasqueradeRule().Match(line);
            if (match.Success && HostNatComment.Parse(match.Groups["comment"].Value) is { PreviousIpForward: not null } comment)
            {
                yield return (match, comment);
            }
        }
    }

    private HostNat Describe(Match match, HostNatComment comment, KernelState state) =>
        new()
        {
            Bridge = comment.Bridge,
            Subnet = Ipv4Cidr.Parse(match.Groups["subnet"].Value),
            Uplink = match.Groups["uplink"].Value,
            IpForward = state.Sysctl(_host.Sandbox, "net.ipv4.ip_forward") ?? "0",
            PreviousIpForward = comment.PreviousIpForward!,
            Sandbox = _host.Sandbox,
        };

    [GeneratedRegex("^-A VLAN-HOSTNAT -s (?<subnet>\\S+) -o (?<uplink>\\S+) -m comment --comment \"(?<comment>[^\"]+)\" -j MASQUERADE$")]
    private static partial Regex MasqueradeRule();
}
