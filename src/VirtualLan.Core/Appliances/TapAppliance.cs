using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// A tap for a QEMU VM: made by the module (owned by -TapOwner) or QEMU's own, plugged into the
/// bridge. The guest's address and MAC live in the record, since the guest configures itself.
/// </summary>
internal sealed class TapAppliance : IApplianceKind
{
    private readonly NetworkHost _host;

    /// <summary>Initializes a new instance of the <see cref="TapAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public TapAppliance(NetworkHost host)
    {
        _host = host;
    }

    /// <inheritdoc />
    public ApplianceKind Kind => ApplianceKind.Tap;

    /// <inheritdoc />
    public bool ReservesAddress(ApplianceRequest request) => true;

    /// <inheritdoc />
    public Appliance PlanConnect(Connection connection, List<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        var request = connection.Request;
        var h = _host.Namespace;
        var tap = request.Name;
        var link = connection.State.Links(h).Link(tap);
        var recorded = connection.Recorded;
        if (link is not null && recorded is null && link.Kind != "tun")
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, tap, $"'{tap}' exists and is a {link.Kind ?? "device"}, not a tap. Give the tap QEMU uses, or a new name for a tap to create.");
        }

        if (link?.Master is { } master && master != request.Bridge && recorded is null)
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, tap, $"'{tap}' is already plugged into '{master}'. Unplug it first ('ip link set dev {tap} nomaster').");
        }

        var created = recorded?.Created == true || link is null;
        var mac = recorded?.MacAddress ?? ApplianceNaming.GuestMac(request.Bridge + "/" + tap);
        if (link is null)
        {
            var create = new CreateTap(h, tap, request.TapOwner);
            steps.Add(create.AsProgram($"Create the tap {tap}", [create.Undo.Command], create.IsDone));
        }

        var record = new ApplianceRecord
        {
            Address = connection.Address,
            Bridge = request.Bridge,
            Created = created,
            Gateway = connection.Gateway,
            Kind = request.Kind,
            MacAddress = mac,
            Name = tap,
            OldAlias = recorded?.OldAlias ?? link?.Alias ?? string.Empty,

            // A tap found down (QEMU not started yet) is brought up by plugging it in, and down again on Disconnect.
            OldUp = created ? null : recorded is not null ? recorded.OldUp : link?.IsUp,
        }.Write();
        steps.Add(new SetAlias(h, tap, record, created ? null : link?.Alias ?? string.Empty).ToStep($"Record the guest's address on {tap}"));
        steps.Add(new PlugLink(h, tap, request.Bridge, Unplug: !created).ToStep($"Plug {tap} into {request.Bridge}"));
        return new Appliance
        {
            Name = tap, Kind = request.Kind, Bridge = request.Bridge, HostInterface = tap, Interface = "eth0", Cidr = connection.Address, Gateway = connection.Gateway,
            MacAddress = mac, QemuArguments = ApplianceNaming.QemuArguments(tap, mac), Sandbox = _host.Sandbox,
        };
    }

    /// <inheritdoc />
    public IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        var h = _host.Namespace;
        var name = record.Name;

        // A tap QEMU still holds stays until QEMU closes it, unplugged; the VM keeps running.
        yield return new SetNoMaster(h, name, port.Master ?? record.Bridge).Testing($"Unplug the tap {name}", s => s.Links(h).Link(name)?.Master is null);
        if (record.Created == true)
        {
            // The alias stays on a tap that cannot be deleted yet, so running this again finds it.
            yield return new DeleteTap(h, name).AsProgram($"Delete the tap {name} made for the VM", [], null)
                .WithUndo(Restore.Tap(state, h, port, master: false))
                .Tolerating($"The tap {name} is still open by QEMU, so it was unplugged but not deleted; run Disconnect-VlanAppliance {name} again after QEMU exits to delete it");
        }
        else
        {
            yield return new SetAlias(h, name, record.OldAlias ?? string.Empty, port.Alias ?? string.Empty).Testing($"Restore the alias of {name}", null);
            if (record.OldUp == false)
            {
                var down = new SetLinkState(h, name, Up: false);
                yield return port.IsUp ? down.ToStep($"Bring {name} down again") : down.WithoutUndo($"Bring {name} down again");
            }
        }
    }

    /// <inheritdoc />
    public (IReadOnlyList<Step> Steps, string? Notice) PlanSet(LinkState port, ApplianceRecord record, ApplianceRecord changed, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(changed);
        var h = _host.Namespace;

        // The guest configures itself: what the module keeps is the record, which forwards and the
        // address pool read.
        return (
            [new SetAlias(h, port.Name, changed.Write(), port.Alias ?? string.Empty).ToStep($"Record the guest's new settings on {port.Name}")],
            $"The VM on {port.Name} configures its own network: give the guest (MAC {changed.MacAddress}) the address {changed.Address} and the gateway {changed.Gateway}.");
    }

    /// <inheritdoc />
    public Appliance Describe(LinkState port, ApplianceRecord record, KernelState state, bool readLive)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        return new Appliance
        {
            Name = record.Name,
            Kind = Kind,
            Bridge = record.Bridge,
            HostInterface = port.Name,
            Interface = "eth0",
            Cidr = record.Address,
            Gateway = record.Gateway,
            MacAddress = record.MacAddress,
            DockerBridge = record.DockerBridge,
            QemuArguments = ApplianceNaming.QemuArguments(port.Name, record.MacAddress!),
            Sandbox = _host.Sandbox,
        };
    }
}
