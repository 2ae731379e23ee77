using System.Globalization;
using System.Net;
using System.Text.Json;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tracing;

/// <summary>
/// Fills in what the lines of <c>xtables-monitor --trace</c> do not say (nf_tables trace events
/// carry no physdev attributes and the packet as it was before POSTROUTING's NAT): the bridge ports
/// of a bridged frame, from the bridge's forwarding table (the port each MAC was learned on, the
/// lookup the bridge itself made), and the source a MASQUERADE or SNAT gave the packet, from the
/// connection's reply direction in conntrack, else from the address of the interface it left by.
/// </summary>
public sealed class HopDetails
{
    private readonly ICommandRunner _runner;
    private readonly NetNamespace _namespace;
    private readonly IReadOnlyDictionary<string, LinkState> _links;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _forwarding = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="HopDetails"/> class.</summary>
    /// <param name="runner">Runs the read commands (bridge fdb, conntrack).</param>
    /// <param name="namespaceName">The namespace traced.</param>
    /// <param name="links">Its links.</param>
    public HopDetails(ICommandRunner runner, NetNamespace namespaceName, IEnumerable<LinkState> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        _namespace = namespaceName;
        _links = links.GroupBy(l => l.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>Returns the entry with its bridge ports and its source NAT's address filled in, where the kernel knows them.</summary>
    /// <param name="entry">The entry, as the trace follower made it.</param>
    /// <returns>The entry completed (the same one when there is nothing to add).</returns>
    public TraceEntry Complete(TraceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (destinationMac, sourceMac) = Macs(entry.Mac);
        var physIn = entry.PhysIn;
        var physOut = entry.PhysOut;
        if (physIn is null && entry.In is { } inBridge && IsBridge(inBridge) && sourceMac is not null)
        {
            physIn = Port(inBridge, sourceMac);
        }

        // Only a frame bridged through (in and out the same bridge) keeps the next hop's MAC; a routed one carries the bridge's own.
        if (physOut is null && entry.Out is { } outBridge && outBridge == entry.In && IsBridge(outBridge) && destinationMac is not null)
        {
            physOut = Port(outBridge, destinationMac);
        }

        var (natAddress, natPort) = entry.SourceNatRule is not null && entry.SourceNatAddress is null ? SourceNat(entry) : (entry.SourceNatAddress, entry.SourceNatPort);
        return physIn == entry.PhysIn && physOut == entry.PhysOut && Equals(natAddress, entry.SourceNatAddress) && natPort == entry.SourceNatPort
            ? entry
            : entry with { PhysIn = physIn, PhysOut = physOut, SourceNatAddress = natAddress, SourceNatPort = natPort };
    }

    /// <summary>Splits a link-layer header as the trace prints it (destination, source, type; octets joined by colons).</summary>
    /// <param name="mac">The header, or null.</param>
    /// <returns>The destination and source MAC addresses, lower case, or nulls.</returns>
    public static (string? Destination, string? Source) Macs(string? mac)
    {
        // xtables-monitor prints each octet without its leading zero (6 for 06).
        var octets = (mac ?? string.Empty).Split(':').Take(12)
            .Select(o => o.Length is 1 or 2 && byte.TryParse(o, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b) ? b.ToString("x2", CultureInfo.InvariantCulture) : null)
            .ToArray();
        return octets.Length == 12 && octets.All(o => o is not null)
            ? (string.Join(':', octets[..6]), string.Join(':', octets[6..]))
            : (null, null);
    }

    /// <summary>Parses <c>bridge -j fdb show br BRIDGE</c>: the port each MAC was learned on (or set on), the bridge's own entries left out.</summary>
    /// <param name="json">The output.</param>
    /// <param name="bridge">The bridge.</param>
    /// <returns>The ports, by MAC address in lower case.</returns>
    public static IReadOnlyDictionary<string, string> ParseForwarding(string json, string bridge)
    {
        var ports = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        foreach (var item in document.RootElement.EnumerateArray())
        {
            // A port's "self" entries are its own device's filter, not what the bridge learned; they name no master.
            if (item.TryGetProperty("master", out var master) && master.GetString() == bridge
                && item.TryGetProperty("mac", out var mac) && item.TryGetProperty("ifname", out var port) && port.GetString() is { } name && name != bridge)
            {
                ports.TryAdd(mac.GetString()!.ToLowerInvariant(), name);
            }
        }

        return ports;
    }

    /// <summary>Reads the reply direction's destination from <c>conntrack -L</c>: the address and port a source NAT gave the connection.</summary>
    /// <param name="text">The output (its first flow is read).</param>
    /// <returns>The address and port, or nulls.</returns>
    public static (IPAddress? Address, int? Port) ReplyDestination(string text)
    {
        var words = (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

        // The first dst= and dport= are the original direction's; the second the reply's.
        var dst = words.Where(w => w.StartsWith("dst=", StringComparison.Ordinal)).Skip(1).FirstOrDefault();
        var dport = words.Where(w => w.StartsWith("dport=", StringComparison.Ordinal)).Skip(1).FirstOrDefault();
        return (
            dst is not null && IPAddress.TryParse(dst[4..], out var address) ? address : null,
            dport is not null && int.TryParse(dport[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null);
    }

    private bool IsBridge(string name) => _links.TryGetValue(name, out var link) && link.IsBridge;

    private string? Port(string bridge, string mac)
    {
        // Read once, and again when a MAC is not there yet (learned since).
        if (!_forwarding.TryGetValue(bridge, out var ports) || !ports.ContainsKey(mac))
        {
            var result = Read(_namespace.Exec("bridge", ["-j", "fdb", "show", "br", bridge]));
            ports = result is null ? new Dictionary<string, string>() : ParseForwarding(result, bridge);
            _forwarding[bridge] = ports;
        }

        return ports.GetValueOrDefault(mac);
    }

    private (IPAddress? Address, int? Port) SourceNat(TraceEntry entry)
    {
        if (entry.Source is { } source && entry.Destination is { } destination && entry.Protocol is { } protocol)
        {
            var arguments = new List<string> { "-L", "-p", protocol.ToLowerInvariant(), "-s", source.ToString(), "-d", destination.ToString() };
            if (entry.SourcePort is int sourcePort && entry.DestinationPort is int destinationPort)
            {
                arguments.AddRange(["--sport", sourcePort.ToString(CultureInfo.InvariantCulture), "--dport", destinationPort.ToString(CultureInfo.InvariantCulture)]);
            }

            if (Read(_namespace.Exec("conntrack", arguments)) is { } flows && ReplyDestination(flows) is ({ } address, var port))
            {
                return (address, port);
            }
        }

        // No flow (gone, or conntrack missing): MASQUERADE takes an address of the interface the packet left by.
        var addresses = entry.Out is { } outName && _links.TryGetValue(outName, out var link) ? link.Addresses : [];
        if (addresses.Count == 0)
        {
            return (null, null);
        }

        return (addresses.FirstOrDefault(a => entry.Destination is { } d && a.Contains(d), addresses[0]).Address, null);
    }

    private string? Read(CommandLine command)
    {
        try
        {
            var result = _runner.Run(command, null, CancellationToken.None);
            return result.Succeeded ? result.StandardOutput : null;
        }
        catch (VlanException)
        {
            // A missing tool: the detail stays unknown.
            return null;
        }
    }
}
