using System.Management.Automation;
using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Commands;

/// <summary>Reads the port forwards of the host's routers from their rules.</summary>
[Cmdlet(VerbsCommon.Get, "VlanPortForward")]
[OutputType(typeof(PortForward))]
public sealed class GetVlanPortForwardCommand : VlanCmdlet
{
    /// <summary>Gets or sets the external port or range to get: a forward whose ports include it.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.PortForwardCompleter))]
    public string? ExternalPort { get; set; }

    /// <summary>Gets or sets the router whose forwards to get.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.RouterCompleter))]
    public string? Router { get; set; }

    /// <summary>Gets or sets the protocol to get.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ForwardProtocol? Protocol { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a router, bridge or appliance whose forwards to get, or a forward to read again.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var (first, last) = ExternalPort is null ? (1, 65535) : PortForwardService.ParsePorts(ExternalPort, "ExternalPort");
            var state = Runtime.ReadState();
            var forwards = new PortForwardService(LanHost, new Docker(Runtime.Runner)).List(state);
            var routers = new Readers.RouterReader(LanHost).Routers(state);
            var piped = PipedInput.Of(InputObject);
            Func<PortForward, bool> wanted = piped switch
            {
                Router r => f => f.Router == r.Name,
                Bridge b => f => routers.Any(r => r.Name == f.Router && r.Bridge == b.Name),
                Appliance a => f => f.Appliance == a.Name || (a.Address is { } address && f.InternalAddress.Equals(address) && routers.Any(r => r.Name == f.Router && r.Bridge == a.Bridge)),
                PortForward p => f => f.Router == p.Router && f.Protocol == p.Protocol && f.ExternalPortFirst == p.ExternalPortFirst,
                null or PSCustomObject => f => Router is null || f.Router == Router,
                _ when PipedInput.IsModuleObject(piped) || piped is string or ValueType =>
                    throw PipedInput.Mismatch(piped, "Get-VlanPortForward", "routers, bridges, appliances and port forwards", "Give a router with -Router, or a port as the first argument."),
                _ => f => Router is null || f.Router == Router,
            };
            if (piped is null or PSCustomObject && Router is not null && routers.All(r => r.Name != Router))
            {
                throw new VlanException(ErrorIds.RouterNotFound, VlanErrorKind.ObjectNotFound, Router, $"There is no router named '{Router}' in {LanHost.DisplayName}. Run Get-VlanRouterNamespace to see them; to get a forwarded port, give it as the first argument or with -ExternalPort.");
            }

            var found = forwards.Where(f => wanted(f) && (Protocol is null || f.Protocol == Protocol) && f.ExternalPortFirst <= last && first <= f.ExternalPortLast).ToArray();
            if (found.Length == 0 && ExternalPort is not null && piped is null)
            {
                throw new VlanException(ErrorIds.PortForwardNotFound, VlanErrorKind.ObjectNotFound, ExternalPort, $"No {(Protocol is null ? string.Empty : Protocol.ToString()!.ToUpperInvariant() + " ")}port {ExternalPort} is forwarded{(Router is null ? string.Empty : $" by '{Router}'")} in {LanHost.DisplayName}. Run Get-VlanPortForward to see the forwards.");
            }

            WriteObject(found, enumerateCollection: true);
        });
    }
}
