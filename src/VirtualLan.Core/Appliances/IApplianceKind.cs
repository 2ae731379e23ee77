using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// One kind of appliance: how it is plugged in, unplugged and read back, and the record it keeps on
/// its bridge port. <see cref="ApplianceKinds"/> registers one of each; the service dispatches to it.
/// </summary>
internal interface IApplianceKind
{
    /// <summary>Gets the kind this class plans.</summary>
    ApplianceKind Kind { get; }

    /// <summary>Tells whether the address chosen for the request is taken on the LAN (a re-addressed Docker network takes its containers' instead).</summary>
    /// <param name="request">The request.</param>
    /// <returns>True when it is taken.</returns>
    bool ReservesAddress(ApplianceRequest request);

    /// <summary>Plans plugging the appliance in, after the bridge's firewall steps.</summary>
    /// <param name="connection">What the service worked out: the request, the address, the gateway, the state.</param>
    /// <param name="steps">The plan's steps, added to.</param>
    /// <returns>The appliance as it will be.</returns>
    Appliance PlanConnect(Connection connection, List<Step> steps);

    /// <summary>Plans unplugging the appliance, undoing exactly what its record says was done.</summary>
    /// <param name="port">Its bridge port.</param>
    /// <param name="record">The record on the port.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="leaving">The appliances disconnected with it (one pipeline).</param>
    /// <param name="keepNamespace">True to keep a namespace the module made for it (-Create); the kinds that make none ignore it.</param>
    /// <returns>The steps.</returns>
    IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace);

    /// <summary>
    /// Plans changing a connected appliance's address and gateway (Set-VlanAppliance): what is inside
    /// it, where the module configures that, and its record. Refused with
    /// <see cref="ErrorIds.ApplianceNotSettable"/> where the kind cannot change them.
    /// </summary>
    /// <param name="port">Its bridge port.</param>
    /// <param name="record">The record on the port: the settings as they are.</param>
    /// <param name="changed">The record as it is to be: the new address and gateway.</param>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The steps, and what the user must do besides (a VM configures its own address), or null.</returns>
    (IReadOnlyList<Step> Steps, string? Notice) PlanSet(LinkState port, ApplianceRecord record, ApplianceRecord changed, KernelState state);

    /// <summary>Reads the appliance back from its port and record.</summary>
    /// <param name="port">Its bridge port.</param>
    /// <param name="record">The record on the port.</param>
    /// <param name="state">The kernel's state.</param>
    /// <param name="readLive">True to read its address inside its namespace; false to take it from the record.</param>
    /// <returns>The appliance.</returns>
    Appliance Describe(LinkState port, ApplianceRecord record, KernelState state, bool readLive);
}
