using System.Net;

namespace VirtualLan.Appliances;

/// <summary>
/// Chooses addresses for appliances: seed 000's pools inside the LAN (Docker 172.24.1.x, QEMU
/// 172.24.2.x, VirtualBox 172.24.3.x, namespaces 172.24.4.x on 172.24.0.0/16), taking the first
/// address that nothing on the LAN uses.
/// </summary>
public static class AddressPool
{
    /// <summary>
    /// Returns the pool of a kind: the /24 at .K.0 of the LAN (K = 1 Docker, 2 QEMU, 3 VirtualBox,
    /// 4 namespaces) when the LAN is large enough (/21 or larger), else the whole LAN.
    /// </summary>
    /// <param name="lan">The LAN (the bridge's address with prefix).</param>
    /// <param name="kind">The kind of appliance.</param>
    /// <returns>The first and last address of the pool, as host numbers inside the LAN.</returns>
    public static (uint First, uint Last) Range(Ipv4Cidr lan, ApplianceKind kind)
    {
        var block = kind switch
        {
            ApplianceKind.Container or ApplianceKind.DockerNetwork => 1u,
            ApplianceKind.Tap => 2u,
            ApplianceKind.Interface => 3u,
            _ => 4u,
        };
        if (lan.PrefixLength <= 21)
        {
            return ((block * 256) + 2, (block * 256) + 254);
        }

        var size = lan.PrefixLength >= 31 ? 0u : (1u << (32 - lan.PrefixLength)) - 2;
        return (1, size);
    }

    /// <summary>How many hosts a LAN's pools are split between when a tunnel stretches it.</summary>
    public const int HostSlices = 4;

    /// <summary>Narrows a pool's range to one host's quarter of it.</summary>
    /// <param name="range">The pool's range (host numbers).</param>
    /// <param name="hostIndex">The host's index (0–3), or null for the whole range.</param>
    /// <returns>The host's part.</returns>
    public static (uint First, uint Last) Slice((uint First, uint Last) range, int? hostIndex)
    {
        if (hostIndex is not { } index || range.Last < range.First + 3)
        {
            return range;
        }

        var quarter = (range.Last - range.First + 1) / HostSlices;
        var first = range.First + (quarter * (uint)index);
        return (first, index == HostSlices - 1 ? range.Last : first + quarter - 1);
    }

    /// <summary>Returns the first free address of a kind's pool.</summary>
    /// <param name="lan">The LAN.</param>
    /// <param name="kind">The kind of appliance.</param>
    /// <param name="used">The addresses in use on the LAN.</param>
    /// <param name="hostIndex">
    /// This host's index (0–3) in a LAN stretched across hosts by a tunnel, or null for a LAN on one host:
    /// each host hands out its own quarter of the pool, so no two hosts pick the same address.
    /// </param>
    /// <returns>The address with the LAN's prefix.</returns>
    /// <exception cref="VlanException">The pool is full.</exception>
    public static Ipv4Cidr Next(Ipv4Cidr lan, ApplianceKind kind, ISet<IPAddress> used, int? hostIndex = null)
    {
        ArgumentNullException.ThrowIfNull(used);
        var (first, last) = Slice(Range(lan, kind), hostIndex);
        for (var host = first; host <= last; host++)
        {
            var candidate = lan.Host(host);
            if (!used.Contains(candidate.Address) && !candidate.IsBroadcastAddress && !candidate.IsNetworkAddress)
            {
                return candidate;
            }
        }

        throw new VlanException(
            ErrorIds.PoolExhausted,
            VlanErrorKind.InvalidOperation,
            kind.ToString(),
            $"Every address of the {kind} pool of {lan.Network} ({lan.Host(first).Address} to {lan.Host(last).Address}) is in use. Give one with -Address, or disconnect appliances you no longer need.");
    }
}
