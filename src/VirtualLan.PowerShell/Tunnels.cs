using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>Makes the tunnel planner of the session's host for the tunnel cmdlets.</summary>
internal static class Tunnels
{
    /// <summary>The planner, reading appliances live (their inside interfaces take the tunnel's MTU).</summary>
    /// <returns>The service.</returns>
    public static TunnelService Service()
    {
        var docker = new Docker(VlanCmdlet.Runtime.Runner);
        var appliances = new ApplianceService(VlanCmdlet.LanHost, docker);
        return new TunnelService(HostReaders.For(VlanCmdlet.LanHost, docker), state => appliances.List(state, live: true));
    }
}
