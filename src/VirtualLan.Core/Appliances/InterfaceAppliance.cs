using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>
/// An existing link, such as a VirtualBox host-only adapter (vboxnet0): its host addresses are taken
/// off and it is plugged into the bridge; its alias, addresses and state are recorded to be given back.
/// </summary>
internal sealed class InterfaceAppliance : IApplianceKind
{
    private readonly NetworkHost _host;

    /// <summary>Initializes a new instance of the <see cref="InterfaceAppliance"/> class.</summary>
    /// <param name="host">The namespace that plays the host.</param>
    public InterfaceAppliance(NetworkHost host)
    {
        _host = host;
    }

    /// <inheritdoc />
    public ApplianceKind Kind => ApplianceKind.Interface;

    /// <inheritdoc />
    public bool ReservesAddress(ApplianceRequest request) => true;

    /// <inheritdoc />
    public Appliance PlanConnect(Connection connection, List<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        var request = connection.Request;
        var h = _host.Namespace;
        var name = request.Name;
        var link = connection.State.Links(h).Link(name) ?? throw new VlanException(ErrorIds.InterfaceNotFound, VlanErrorKind.ObjectNotFound, name, $"There is no link named '{name}' in {_host.DisplayName}. Start the VirtualBox host-only network (vboxnet0) first, or run 'ip link' to see the links.");
        var recorded = connection.Recorded;
        string? reason = name == "lo" ? "it is the loopback link"
            : link.IsBridge ? "it is a bridge (join it with -DockerNetwork, or plug its ports in one by one)"
            : link.Master is { } m && m != request.Bridge ? $"it is already plugged into '{m}'"
            : AliasRecord.KindOf(link.Alias) == UplinkRecord.RecordKind ? "it is a router's uplink"
            : recorded is null ? OwnObjects.WhyLink(link, connection.Routers)
            : null;
        if (reason is not null)
        {
            throw new VlanException(ErrorIds.InterfaceInvalid, VlanErrorKind.InvalidArgument, name, $"'{name}' cannot be plugged into the LAN: {reason}.");
        }

        var record = new ApplianceRecord
        {
            Address = connection.Address,
            Bridge = request.Bridge,
            Gateway = connection.Gateway,
            Kind = request.Kind,
            Name = name,
            OldAddresses = recorded?.OldAddresses ?? link.Addresses,
            OldAlias = recorded?.OldAlias ?? link.Alias ?? string.Empty,
            OldUp = recorded?.OldUp ?? link.IsUp,
        }.Write();
        steps.Add(new SetAlias(h, name, record, link.Alias ?? string.Empty).ToStep($"Record {name}'s old settings"));

        // VirtualBox puts its address back when a VM starts or stops; running Connect-VlanAppliance
        // again flushes it again, since this step is only skipped while the link has no address.
        var flush = new FlushAddresses(h, name);
        steps.Add(flush.AsProgram($"Take the host's address off {name}", link.Addresses.Select(a => new AddAddress(h, name, a).Command).ToArray(), flush.IsDone));
        steps.Add(new PlugLink(h, name, request.Bridge, Unplug: true).ToStep($"Plug {name} into {request.Bridge}"));
        return new Appliance
        {
            Name = name, Kind = request.Kind, Bridge = request.Bridge, HostInterface = name, Cidr = connection.Address, Gateway = connection.Gateway,
            MacAddress = link.MacAddress, Sandbox = _host.Sandbox,
        };
    }

    /// <inheritdoc />
    public IEnumerable<Step> PlanDisconnect(LinkState port, ApplianceRecord record, KernelState state, IReadOnlyCollection<string> leaving, bool keepNamespace)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(record);
        var h = _host.Namespace;
        var name = record.Name;
        yield return new SetNoMaster(h, name, port.Master ?? record.Bridge).Testing($"Unplug {name}", null);
        foreach (var address in record.OldAddresses ?? Array.Empty<Ipv4Cidr>())
        {
            yield return new AddAddress(h, name, address).ToStep($"Give {name} back {address}");
        }

        yield return new SetAlias(h, name, record.OldAlias ?? string.Empty, port.Alias ?? string.Empty).Testing($"Restore the alias of {name}", null);
        if (record.OldUp == false)
        {
            var down = new SetLinkState(h, name, Up: false);
            yield return port.IsUp ? down.ToStep($"Bring {name} down again") : down.WithoutUndo($"Bring {name} down again");
        }
    }

    /// <inheritdoc />
    public (IReadOnlyList<Step> Steps, string? Notice) PlanSet(LinkState port, ApplianceRecord record, ApplianceRecord changed, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(changed);
        var h = _host.Namespace;

        // The host's side is a bridge port with no address; the address is the one the machine
        // behind the link (a VirtualBox VM) uses, which it configures itself.
        return (
            [new SetAlias(h, port.Name, changed.Write(), port.Alias ?? string.Empty).ToStep($"Record the new settings of {port.Name}")],
            $"The machine behind {port.Name} configures its own network: give it the address {changed.Address} and the gateway {changed.Gateway}.");
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
            Interface = record.Interface,
            Cidr = record.Address,
            Gateway = record.Gateway,
            MacAddress = port.MacAddress,
            DockerBridge = record.DockerBridge,
            Sandbox = _host.Sandbox,
        };
    }
}
