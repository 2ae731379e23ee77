using System.Buffers.Binary;
using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Netlink;

/// <summary>
/// The backend that makes link, address, route and namespace changes over rtnetlink instead of
/// starting <c>ip</c>: one socket per group of steps, opened inside the group's namespace by the
/// opener thread (<see cref="NamespaceOpener"/>) and closed after it, every request acknowledged
/// before the next goes. Namespaces are made and deleted as <c>ip netns</c> does
/// (<see cref="NetnsFiles"/>), taps with the tun device's ioctls as <c>ip tuntap</c> does. A group
/// stops at the first request the kernel refuses; the outcome names that step's <c>ip</c> command
/// and what <c>ip</c> would have printed, and the executor undoes the steps before it exactly as
/// with the command-line backend. Steps that carry no operation this backend knows, firewall
/// transactions and other programs go to <see cref="CommandLineBackend"/>.
/// </summary>
public sealed class NetlinkBackend : IKernelBackend
{
    /// <summary>ip's exit code when the kernel refused a request.</summary>
    private const int KernelRefused = 2;

    /// <summary>ip's exit code for a failure before anything was sent (no such device, no such namespace).</summary>
    private const int NotSent = 1;

    private readonly CommandLineBackend _lines;
    private readonly IDirectStepObserver? _observer;

    /// <summary>Initializes a new instance of the <see cref="NetlinkBackend"/> class.</summary>
    /// <param name="runner">Runs the steps this backend hands to the command line; when it is an <see cref="IDirectStepObserver"/>, it is told of every step made over netlink.</param>
    public NetlinkBackend(ICommandRunner runner)
    {
        _lines = new CommandLineBackend(runner);
        _observer = runner as IDirectStepObserver;
    }

    /// <summary>
    /// Tells whether a step is made here without a process: a step carrying an operation this
    /// backend knows whose command is that operation's — a link step, or a program step such as a
    /// router's namespace, an uplink's move or a tap's deletion — or a sysctl step (written through
    /// /proc/sys inside the namespace).
    /// </summary>
    /// <param name="step">The step.</param>
    /// <returns>True when it goes over netlink.</returns>
    public static bool Handles(Step step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.StandardInput is null && step.Operation switch
        {
            IpOperation operation when Known(operation) => step.Channel switch
            {
                StepChannel.Link => operation.Namespace == step.Namespace && operation.Arguments.SequenceEqual(step.Arguments, StringComparer.Ordinal),
                StepChannel.Program => step.Command.ToString() == operation.Command.ToString(),
                _ => false,
            },
            SetSysctls sysctls => step.Channel == StepChannel.Program && step.Command.ToString() == sysctls.Command.ToString(),
            _ => false,
        };
    }

    /// <inheritdoc />
    public bool CanBatch(Step first, Step next)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(next);
        var handled = Handles(first);
        return handled == Handles(next) && (handled || _lines.CanBatch(first, next));
    }

    /// <inheritdoc />
    public bool StartsProcess(Step first) => !Handles(first);

    /// <inheritdoc />
    public BatchOutcome Run(IReadOnlyList<Step> group, KernelState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count == 0 || !Handles(group[0]))
        {
            return _lines.Run(group, state);
        }

        return RunOver(group);
    }

    private BatchOutcome RunOver(IReadOnlyList<Step> group)
    {
        using var requests = new Requests(group[0].Operation is IpOperation first ? first.Namespace : ((SetSysctls)group[0].Operation!).Namespace);
        for (var i = 0; i < group.Count; i++)
        {
            var run = 0;
            while (i + run < group.Count && group[i + run].Operation is DeleteLink)
            {
                run++;
            }

            Failure? failure;
            try
            {
                for (var k = i; k < i + Math.Max(run, 1); k++)
                {
                    if (_observer?.BeforeDirect(group[k]) is { } refusal)
                    {
                        return new BatchOutcome(group[k].Command, i, KernelRefused, refusal.TrimEnd('\n') + "\n");
                    }
                }

                if (run >= 2)
                {
                    failure = requests.DeleteTogether(group.Skip(i).Take(run).Select(s => ((DeleteLink)s.Operation!).Name).ToArray());
                    if (failure is null)
                    {
                        i += run - 1;
                        continue;
                    }

                    // None of the run was deleted (a group deletion is all or nothing); the groups were put back.
                    return new BatchOutcome(group[i + failure.Value.Index].Command, i, failure.Value.ExitCode, failure.Value.Text + "\n");
                }

                failure = group[i].Operation is SetSysctls sysctls
                    ? ProcSys.Write(sysctls.Namespace, sysctls.Settings) is { } text ? new Failure(0, 255, text) : null
                    : requests.Apply((IpOperation)group[i].Operation!);
            }
            catch (Exception e) when (e is NetlinkException or FormatException)
            {
                // Nothing was sent: a namespace that cannot be entered, a MAC that does not parse.
                failure = new Failure(0, NotSent, e.Message);
            }

            if (failure is { } f)
            {
                return new BatchOutcome(group[i].Command, i, f.ExitCode, f.Text + "\n");
            }
        }

        return BatchOutcome.Success;
    }

    /// <summary>The operations made over netlink; every <see cref="IpOperation"/> the planners make today.</summary>
    private static bool Known(IpOperation operation) => operation is CreateBridge or CreateVeth or CreateVxlan or CreateTap or DeleteTap or DeleteLink
        or SetMaster or SetNoMaster or SetLinkState or SetMtu or SetAlias or MoveLink or PlugLink
        or AddNamespace or DeleteNamespace or AddAddress or DeleteAddress or FlushAddresses
        or AddRoute or DeleteRoute or ReplaceRoute;

    /// <summary>A refused request: which one of a run (0 for a single step), ip's exit code and what ip would print.</summary>
    private readonly record struct Failure(int Index, int ExitCode, string Text);

    /// <summary>The requests of one group, on one socket in its namespace (opened when first needed).</summary>
    private sealed class Requests : IDisposable
    {
        private readonly NetNamespace _at;
        private NetlinkSocket? _socket;
        private bool _madeShared;

        public Requests(NetNamespace at)
        {
            _at = at;
        }

        private NetlinkSocket Socket => _socket ??= NamespaceOpener.Open(_at);

        public void Dispose() => _socket?.Dispose();

        public Failure? Apply(IpOperation operation) => operation switch
        {
            AddNamespace add => Files(() =>
            {
                // /run/netns is made a shared mount point once per group, not once per namespace: each
                // time walks every namespace mounted under it.
                NetnsFiles.Add(add.Name, _madeShared);
                _madeShared = true;
            }),
            DeleteNamespace delete => Files(() => NetnsFiles.Delete(delete.Name)),
            CreateBridge bridge => Send(NewLink(bridge.Name, bridge.MacAddress, bridge.Mtu).BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "bridge", terminated: false).EndNested()),
            CreateVeth veth => CreateVeth(veth),
            CreateVxlan vxlan => CreateVxlan(vxlan),
            CreateTap tap => Tap(tap.Name, create: true, tap.Owner),
            DeleteTap tap => Tap(tap.Name, create: false, null),
            DeleteLink delete => Send(NetlinkMessage.Link(Rtnl.DelLink, 0, 0).Text(Rtnl.IflaIfname, delete.Name)),
            SetMaster master => WithIndex(master.Master, index => Send(SetLink(master.Link).U32(Rtnl.IflaMaster, (uint)index))),
            SetNoMaster unplug => Send(SetLink(unplug.Link).U32(Rtnl.IflaMaster, 0)),
            PlugLink plug => WithIndex(plug.Bridge, index => Send(SetLink(plug.Link, Rtnl.IffUp, Rtnl.IffUp).U32(Rtnl.IflaMaster, (uint)index))),
            SetLinkState state => Send(SetLink(state.Link, state.Up ? Rtnl.IffUp : 0, Rtnl.IffUp)),
            SetMtu mtu => Send(SetLink(mtu.Link).U32(Rtnl.IflaMtu, (uint)mtu.Mtu)),
            SetAlias alias => Send(SetLink(alias.Link).Text(Rtnl.IflaIfalias, alias.Alias, terminated: false)),
            MoveLink move => WithNamespace(move.ToReference, (attribute, value) => Send(SetLink(move.Link).U32(attribute, value))),
            AddAddress add => WithIndex(add.Link, index => Send(Address(Rtnl.NewAddr, Rtnl.FlagCreate | Rtnl.FlagExcl, add.Address, index))),
            DeleteAddress delete => WithIndex(delete.Link, index => Send(Address(Rtnl.DelAddr, 0, delete.Address, index))),
            FlushAddresses flush => WithIndex(flush.Link, Flush),
            AddRoute route => Route(Rtnl.NewRoute, Rtnl.FlagCreate | Rtnl.FlagExcl, route.Destination, route.Via, route.Device, route.OnLink),
            ReplaceRoute route => Route(Rtnl.NewRoute, Rtnl.FlagCreate | Rtnl.FlagReplace, route.Destination, route.Via, route.Device, false),
            DeleteRoute route => Route(Rtnl.DelRoute, 0, route.Destination, route.Via, route.Device, false),
            _ => throw new InvalidOperationException($"The netlink backend cannot make '{operation}'."),
        };

        /// <summary>
        /// Deletes links in one kernel operation, as the command-line backend's link group does: each
        /// is put in a group no link of the namespace is in, and the group is deleted. When anything
        /// fails, the links already moved go back to the group each had, and none counts as deleted.
        /// </summary>
        public Failure? DeleteTogether(IReadOnlyList<string> names)
        {
            // One dump gives the groups in use and each link's own, to put back if anything fails.
            var used = new HashSet<uint>();
            var groups = new Dictionary<string, uint>(StringComparer.Ordinal);
            foreach (var link in Socket.Dump(KernelReplies.LinkDump()))
            {
                var attributes = link.Attributes(Rtnl.IfInfoSize).ToArray();
                var group = attributes.Find(Rtnl.IflaGroup)?.U32 ?? 0;
                used.Add(group);
                if (attributes.Find(Rtnl.IflaIfname) is { } name)
                {
                    groups[name.Text] = group;
                }
            }

            var number = 0x564Cu;
            while (used.Contains(number))
            {
                number++;
            }

            var moved = new List<(string Name, uint Group)>();
            Failure? failure = null;
            for (var i = 0; i < names.Count && failure is null; i++)
            {
                if (!groups.TryGetValue(names[i], out var old))
                {
                    // Not in the dump: asked by name, the kernel says why (No such device), as ip would.
                    var (reply, ack) = Socket.Get(LinkByName(names[i]));
                    if (reply is null)
                    {
                        failure = new Failure(i, KernelRefused, Refused(ack));
                        break;
                    }

                    old = reply.Value.Attributes(Rtnl.IfInfoSize).Find(Rtnl.IflaGroup)?.U32 ?? 0;
                }

                failure = Send(SetLink(names[i]).U32(Rtnl.IflaGroup, number)) is { } f ? f with { Index = i } : null;
                if (failure is null)
                {
                    moved.Add((names[i], old));
                }
            }

            if (failure is null)
            {
                failure = Send(NetlinkMessage.Link(Rtnl.DelLink, 0, 0).U32(Rtnl.IflaGroup, number)) is { } f ? f with { Index = names.Count - 1 } : null;
            }

            if (failure is not null)
            {
                foreach (var (name, old) in moved)
                {
                    _ = Send(SetLink(name).U32(Rtnl.IflaGroup, old));
                }
            }

            return failure;
        }

        private static Failure? Files(Action change)
        {
            try
            {
                change();
                return null;
            }
            catch (NetlinkException e)
            {
                return new Failure(0, NotSent, e.Message);
            }
        }

        private static NetlinkMessage NewLink(string name, string? mac, int? mtu)
        {
            var message = NetlinkMessage.Link(Rtnl.NewLink, Rtnl.FlagCreate | Rtnl.FlagExcl, 0);
            LinkAttributes(message, name, mac, mtu);
            return message;
        }

        private static void LinkAttributes(NetlinkMessage message, string name, string? mac, int? mtu)
        {
            message.Text(Rtnl.IflaIfname, name);
            if (mac is not null)
            {
                message.Bytes(Rtnl.IflaAddress, System.Net.NetworkInformation.PhysicalAddress.Parse(mac).GetAddressBytes());
            }

            if (mtu is { } m)
            {
                message.U32(Rtnl.IflaMtu, (uint)m);
            }
        }

        private static NetlinkMessage LinkByName(string name) => NetlinkMessage.Link(Rtnl.GetLink, 0, 0).Text(Rtnl.IflaIfname, name);

        private static NetlinkMessage SetLink(string name, uint flags = 0, uint change = 0) =>
            NetlinkMessage.Link(Rtnl.NewLink, 0, 0, flags, change).Text(Rtnl.IflaIfname, name);

        private Failure? CreateVeth(CreateVeth veth)
        {
            var message = NewLink(veth.Name, veth.MacAddress, veth.Mtu);
            message.BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "veth", terminated: false).BeginNested(Rtnl.IflaInfoData).BeginNested(Rtnl.VethInfoPeer);
            message.IfInfo(Rtnl.AfUnspec, 0, 0, 0);
            LinkAttributes(message, veth.Peer, veth.PeerMacAddress, veth.Mtu);
            if (veth.PeerNamespace is null)
            {
                return Send(message.EndNested().EndNested().EndNested());
            }

            return WithNamespace(veth.PeerNamespace, (attribute, value) => Send(message.U32(attribute, value).EndNested().EndNested().EndNested()));
        }

        private Failure? CreateVxlan(CreateVxlan vxlan) => WithIndex(vxlan.Underlay, underlay =>
        {
            var message = NewLink(vxlan.Name, vxlan.MacAddress, vxlan.Mtu);
            message.BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "vxlan", terminated: false).BeginNested(Rtnl.IflaInfoData)
                .U32(Rtnl.IflaVxlanId, (uint)vxlan.Vni)
                .Bytes(Rtnl.IflaVxlanLocal, vxlan.Local.GetAddressBytes())
                .U32(Rtnl.IflaVxlanLink, (uint)underlay)
                .Be16(Rtnl.IflaVxlanPort, (ushort)vxlan.Port)
                .U8(Rtnl.IflaVxlanLearning, 1)
                .EndNested().EndNested();
            return Send(message);
        });

        /// <summary>Makes or deletes a persistent tap as <c>ip tuntap</c> does, with the tun device opened inside the namespace.</summary>
        private Failure? Tap(string name, bool create, string? owner)
        {
            uint? uid = null;
            if (owner is not null)
            {
                uid = TunDevice.UserId(owner);
                if (uid is null)
                {
                    return new Failure(0, 255, $"Error: argument \"{owner}\" is wrong: invalid user");
                }
            }

            string? failure = null;
            NamespaceOpener.Run(_at, () => failure = TunDevice.Persist(name, create, uid));
            return failure is null ? null : new Failure(0, NotSent, failure);
        }

        /// <summary>Looks a link's ifindex up by name and goes on with it; a missing link fails as ip does.</summary>
        private Failure? WithIndex(string link, Func<int, Failure?> then)
        {
            var (reply, _) = Socket.Get(LinkByName(link));
            return reply is { } r
                ? then(KernelReplies.LinkIdentity(r).Index)
                : new Failure(0, NotSent, $"Cannot find device \"{link}\"");
        }

        /// <summary>
        /// Names a namespace for a request as ip does for <c>netns X</c>: the file of a named namespace
        /// (or a path) by its descriptor, else a number as a PID.
        /// </summary>
        private static Failure? WithNamespace(string reference, Func<ushort, uint, Failure?> then)
        {
            var path = reference.Contains('/', StringComparison.Ordinal) ? reference : NetnsFiles.PathOf(reference);
            var fd = Native.Open(path, Native.OReadOnly | Native.OCloexec, 0);
            if (fd >= 0)
            {
                try
                {
                    return then(Rtnl.IflaNetNsFd, (uint)fd);
                }
                finally
                {
                    _ = Native.Close(fd);
                }
            }

            return uint.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? then(Rtnl.IflaNetNsPid, pid)
                : new Failure(0, 255, $"Error: argument \"{reference}\" is wrong: Invalid \"netns\" value");
        }

        private static NetlinkMessage Address(ushort type, ushort flags, Ipv4Cidr address, int index)
        {
            var bytes = address.Address.GetAddressBytes();
            var scope = type == Rtnl.NewAddr && bytes[0] == 127 ? Rtnl.RtScopeHost : Rtnl.RtScopeUniverse;
            return new NetlinkMessage(type, flags).IfAddr(Rtnl.AfInet, (byte)address.PrefixLength, 0, scope, index)
                .Bytes(Rtnl.IfaLocal, bytes)
                .Bytes(Rtnl.IfaAddress, bytes);
        }

        /// <summary>Deletes every IPv4 address of a link, as <c>ip -4 addr flush</c>: dumps, deletes each, until none is left.</summary>
        private Failure? Flush(int index)
        {
            for (var round = 0; round < 10; round++)
            {
                var addresses = Socket.Dump(KernelReplies.AddressDump())
                    .Where(a => BinaryPrimitives.ReadInt32LittleEndian(a.Payload.Span[4..]) == index)
                    .ToArray();
                if (addresses.Length == 0)
                {
                    return null;
                }

                foreach (var address in addresses)
                {
                    var message = new NetlinkMessage(Rtnl.DelAddr).Fixed(address.Payload.Span[..Rtnl.IfAddrSize]);
                    foreach (var attribute in address.Attributes(Rtnl.IfAddrSize))
                    {
                        if (attribute.Type is Rtnl.IfaAddress or Rtnl.IfaLocal)
                        {
                            message.Bytes(attribute.Type, attribute.Value.Span);
                        }
                    }

                    // A secondary address goes with its primary (EADDRNOTAVAIL): the next dump tells.
                    var ack = Socket.Request(message);
                    if (!ack.Succeeded && ack.Error != -99)
                    {
                        return new Failure(0, KernelRefused, Refused(ack));
                    }
                }
            }

            return new Failure(0, KernelRefused, "*** Flush remains incomplete after 10 rounds. ***");
        }

        private Failure? Route(ushort type, ushort flags, string destination, System.Net.IPAddress? via, string? device, bool onLink)
        {
            byte length = 0;
            byte[]? prefix = null;
            if (destination != "default")
            {
                var slash = destination.IndexOf('/', StringComparison.Ordinal);
                var address = System.Net.IPAddress.Parse(slash < 0 ? destination : destination[..slash]);
                length = slash < 0 ? (byte)32 : byte.Parse(destination[(slash + 1)..], CultureInfo.InvariantCulture);
                prefix = address.GetAddressBytes();
            }

            Failure? Build(int? index)
            {
                var add = type == Rtnl.NewRoute;
                var message = new NetlinkMessage(type, flags).RtMsg(
                    Rtnl.AfInet,
                    length,
                    Rtnl.RtTableMain,
                    add ? Rtnl.RtprotBoot : (byte)0,
                    add ? (via is null ? Rtnl.RtScopeLink : Rtnl.RtScopeUniverse) : Rtnl.RtScopeNowhere,
                    add ? Rtnl.RtnUnicast : (byte)0,
                    onLink ? Rtnl.RtnhFOnlink : 0);
                if (prefix is not null)
                {
                    message.Bytes(Rtnl.RtaDst, prefix);
                }

                if (via is not null)
                {
                    message.Bytes(Rtnl.RtaGateway, via.GetAddressBytes());
                }

                if (index is { } i)
                {
                    message.U32(Rtnl.RtaOif, (uint)i);
                }

                return Send(message);
            }

            return device is null ? Build(null) : WithIndex(device, i => Build(i));
        }

        private Failure? Send(NetlinkMessage message)
        {
            var ack = Socket.Request(message);
            return ack.Succeeded ? null : new Failure(0, KernelRefused, Refused(ack));
        }

        /// <summary>What ip prints for a refused request: the kernel's own message when it gave one, else the errno's text.</summary>
        private static string Refused(NetlinkAck ack) =>
            ack.Message is { } text
                ? "Error: " + text.TrimEnd('.') + "."
                : "RTNETLINK answers: " + Native.Describe(-ack.Error);
    }
}
