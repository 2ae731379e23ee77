using System.Text.RegularExpressions;
using VirtualLan.Linux;

namespace VirtualLan.Tracing;

/// <summary>
/// Names the owner of a rule a packet met: the VirtualLan object of its comment, the Docker network
/// a DOCKER-* rule belongs to (by the bridge br-ID it names, or the bridge the packet crossed),
/// Docker itself, or "not VirtualLan's"; and says in one line what to do next where the module knows.
/// </summary>
public sealed partial class RuleOwners
{
    /// <summary>The owner of a rule that is neither the module's nor Docker's.</summary>
    public const string Foreign = "not VirtualLan's";

    private readonly IReadOnlyDictionary<string, string> _dockerBridges;

    /// <summary>Initializes a new instance of the <see cref="RuleOwners"/> class.</summary>
    /// <param name="dockerBridges">Docker's networks by their Linux bridge (br-ID), or empty without Docker.</param>
    public RuleOwners(IReadOnlyDictionary<string, string> dockerBridges)
    {
        _dockerBridges = dockerBridges ?? throw new ArgumentNullException(nameof(dockerBridges));
    }

    /// <summary>Reads Docker's bridge networks, by their bridge; none when Docker does not answer.</summary>
    /// <param name="docker">Docker.</param>
    /// <returns>The owners.</returns>
    public static RuleOwners For(Docker docker)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var bridges = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, _, _) in docker.BridgeNetworks(CancellationToken.None))
            {
                bridges[docker.Network(name).Bridge] = name;
            }
        }
        catch (Exception e) when (e is VlanException or InvalidOperationException or System.ComponentModel.Win32Exception or System.Text.Json.JsonException)
        {
            // No Docker engine: no rule is a Docker network's.
        }

        return new RuleOwners(bridges);
    }

    /// <summary>Names the owner of the rule (or policy) that gave a verdict.</summary>
    /// <param name="where">The namespace.</param>
    /// <param name="chain">The chain, as table:chain or chain.</param>
    /// <param name="rule">The rule in iptables-save form, or "policy DROP", or null.</param>
    /// <param name="crossed">The interfaces the packet crossed there (in, out, bridge ports), to name the Docker network of a rule that names none.</param>
    /// <returns>The owner.</returns>
    public string Of(TracedNamespace where, string? chain, string? rule, IEnumerable<string?> crossed)
    {
        ArgumentNullException.ThrowIfNull(where);
        ArgumentNullException.ThrowIfNull(crossed);
        if (TraceParsers.OwnerOf(rule) is { } own)
        {
            return own;
        }

        var chainName = chain?.Split(':')[^1] ?? string.Empty;
        var isPolicy = rule is null || rule.StartsWith("policy ", StringComparison.Ordinal);
        if (isPolicy && where.Kind == "router")
        {
            return "virtuallan:router/" + where.Label;
        }

        var docker = chainName.StartsWith("DOCKER", StringComparison.Ordinal) || (rule?.Contains(" -j DOCKER", StringComparison.Ordinal) ?? false);
        var network = DockerNetworkOf(rule, docker ? crossed : []);
        if (docker || network is not null)
        {
            return network is null ? "docker" : "docker:" + network;
        }

        return isPolicy && where.Kind == "host" && chainName == "FORWARD" && _dockerBridges.Count > 0 ? "docker" : Foreign;
    }

    /// <summary>Says in one line what to do about a verdict, where the module knows; otherwise null.</summary>
    /// <param name="where">The namespace.</param>
    /// <param name="verdict">The verdict.</param>
    /// <param name="chain">The chain, as table:chain or chain.</param>
    /// <param name="rule">The rule or policy.</param>
    /// <param name="owner">Its owner, from <see cref="Of"/>.</param>
    /// <param name="inInterface">The bridge or interface the packet came in on.</param>
    /// <returns>The advice, or null.</returns>
    public string? Advice(TracedNamespace where, string? verdict, string? chain, string? rule, string? owner, string? inInterface)
    {
        ArgumentNullException.ThrowIfNull(where);
        if (verdict is not ("DROP" or "REJECT"))
        {
            return null;
        }

        var chainName = chain?.Split(':')[^1] ?? string.Empty;
        if (where.Kind == "router" && chainName == "FORWARD" && rule == "policy DROP")
        {
            return $"FORWARD policy DROP in router {where.Label}: add a port forward (Add-VlanPortForward) for traffic from outside; the router forwards the LAN to its uplink only.";
        }

        if (owner is not null && owner.StartsWith("docker", StringComparison.Ordinal) && chainName.StartsWith("DOCKER-ISOLATION", StringComparison.Ordinal))
        {
            var network = owner.StartsWith("docker:", StringComparison.Ordinal) ? owner[7..] : "NETWORK";
            var bridge = _dockerBridges.FirstOrDefault(b => b.Value == network).Key ?? "br-…";

            // A frame bridged inside the Docker network's bridge comes in and goes out of the same one; the other side is then the LAN it is plugged into.
            var other = inInterface is null || inInterface == bridge || _dockerBridges.ContainsKey(inInterface) ? "the LAN's bridge" : inInterface;
            return $"{chainName} drops traffic between {bridge} (Docker network {network}) and {other}: Connect-VlanAppliance -DockerNetwork {network} adds the DOCKER-USER exception.";
        }

        if (owner == "docker" && where.Kind == "host" && rule == "policy DROP")
        {
            return $"Docker's FORWARD policy DROP in the host drops frames bridged on {inInterface}: New-VlanBridge adds the bridge's accept rule in {Planning.BridgeFirewall.Chain}; Sync-VlanConfiguration restores a missing one.";
        }

        if (owner is not null && owner.StartsWith("virtuallan:trace/", StringComparison.Ordinal))
        {
            return null;
        }

        return owner == Foreign ? $"The rule is not VirtualLan's ({chain}): whoever added it to {where.Label} decides about this traffic." : null;
    }

    private string? DockerNetworkOf(string? rule, IEnumerable<string?> crossed)
    {
        foreach (Match m in BridgeName().Matches(rule ?? string.Empty))
        {
            if (_dockerBridges.TryGetValue(m.Value, out var named))
            {
                return named;
            }
        }

        return crossed.FirstOrDefault(i => i is not null && _dockerBridges.ContainsKey(i)) is { } bridge ? _dockerBridges[bridge] : null;
    }

    [GeneratedRegex(@"br-[0-9a-f]{12}")]
    private static partial Regex BridgeName();
}
