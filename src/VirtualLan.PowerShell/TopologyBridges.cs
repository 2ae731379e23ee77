using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan;

/// <summary>The bridges whose LANs Get-VlanTopology and Export-VlanDiagram read: those named, and those the piped objects mean.</summary>
internal static class TopologyBridges
{
    /// <summary>Gathers the bridges asked for.</summary>
    /// <param name="piped">The objects from the pipeline.</param>
    /// <param name="named">The bridges given with -Bridge, or null.</param>
    /// <param name="state">The kernel's state, to find a forward's router.</param>
    /// <param name="cmdlet">The cmdlet, for the error.</param>
    /// <returns>The bridges; empty for every bridge VirtualLan made.</returns>
    public static IReadOnlyCollection<string> Of(IEnumerable<object> piped, IEnumerable<string>? named, KernelState state, string cmdlet)
    {
        var routers = new RouterReader(VlanCmdlet.LanHost);
        return piped.Select(p => PipedInput.BridgeOf(p, router => routers.Read(router, state).Bridge, cmdlet))
            .Concat(named ?? Array.Empty<string>())
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }
}
