using System.Globalization;

namespace VirtualLan.Linux;

/// <summary>Tells whether this process may change network namespaces, links and firewalls.</summary>
public static class Privileges
{
    private const int CapNetAdmin = 12;
    private const int CapSysAdmin = 21;

    /// <summary>
    /// Reads the effective capability mask from the text of /proc/self/status and tells whether it
    /// holds CAP_NET_ADMIN (links, addresses, firewall) and CAP_SYS_ADMIN (entering and making namespaces).
    /// </summary>
    /// <param name="procStatus">The text of /proc/self/status.</param>
    /// <returns>The capabilities that are missing, by name; empty when none is.</returns>
    public static IReadOnlyList<string> Missing(string procStatus)
    {
        ArgumentNullException.ThrowIfNull(procStatus);
        var line = procStatus.Split('\n').FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        ulong mask = 0;
        if (line is not null)
        {
            ulong.TryParse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mask);
        }

        var missing = new List<string>();
        if ((mask & (1UL << CapNetAdmin)) == 0)
        {
            missing.Add("CAP_NET_ADMIN");
        }

        if ((mask & (1UL << CapSysAdmin)) == 0)
        {
            missing.Add("CAP_SYS_ADMIN");
        }

        return missing;
    }

    /// <summary>Throws when the process lacks the capabilities to change the network.</summary>
    /// <param name="procStatus">The text of /proc/self/status.</param>
    /// <param name="action">What the user asked for, for the message.</param>
    /// <exception cref="VlanException">A capability is missing.</exception>
    public static void Demand(string procStatus, string action)
    {
        var missing = Missing(procStatus);
        if (missing.Count > 0)
        {
            throw new VlanException(
                ErrorIds.InsufficientPrivilege,
                VlanErrorKind.PermissionDenied,
                action,
                $"{action} needs root (or {string.Join(" and ", missing)}), which this process lacks. Run pwsh as root, for example with 'sudo pwsh', or use -WhatIf to see the commands without running them.");
        }
    }
}
