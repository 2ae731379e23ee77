namespace VirtualLan;

/// <summary>
/// The stable error identifiers of the module. Scripts and tests match on these through
/// FullyQualifiedErrorId, so an identifier, once published, is never renamed.
/// </summary>
public static class ErrorIds
{
    /// <summary>An interface or namespace name breaks the kernel's rules.</summary>
    public const string InvalidInterfaceName = "InvalidInterfaceName";

    /// <summary>A namespace name breaks the rules for names under /run/netns.</summary>
    public const string InvalidNamespaceName = "InvalidNamespaceName";

    /// <summary>An address is not an IPv4 CIDR.</summary>
    public const string InvalidCidr = "InvalidCidr";

    /// <summary>An IPv6 address was given where only IPv4 is managed.</summary>
    public const string IPv6NotSupported = "IPv6NotSupported";

    /// <summary>A host address is the network or broadcast address of its subnet, or the prefix leaves no room for hosts.</summary>
    public const string InvalidHostAddress = "InvalidHostAddress";

    /// <summary>An MTU is outside what the kernel accepts for a bridge.</summary>
    public const string InvalidMtu = "InvalidMtu";

    /// <summary>The process is not root and lacks CAP_NET_ADMIN.</summary>
    public const string InsufficientPrivilege = "InsufficientPrivilege";

    /// <summary>A program the module runs is not installed.</summary>
    public const string ToolNotInstalled = "ToolNotInstalled";

    /// <summary>A link exists under the requested name but is not a bridge.</summary>
    public const string NameInUseByOtherLink = "NameInUseByOtherLink";

    /// <summary>A bridge of that name exists with other settings.</summary>
    public const string BridgeConflict = "BridgeConflict";

    /// <summary>No bridge of that name exists.</summary>
    public const string BridgeNotFound = "BridgeNotFound";

    /// <summary>An external command failed; the plan was rolled back.</summary>
    public const string CommandFailed = "CommandFailed";

    /// <summary>An external command failed and the rollback did not complete.</summary>
    public const string RollbackIncomplete = "RollbackIncomplete";

    /// <summary>The operation was stopped by the user and rolled back.</summary>
    public const string OperationStopped = "OperationStopped";

    /// <summary>The sandbox namespace does not exist.</summary>
    public const string SandboxNotFound = "SandboxNotFound";

    /// <summary>No sandbox is active in this session.</summary>
    public const string NotInSandbox = "NotInSandbox";

    /// <summary>A sandbox is already active in this session.</summary>
    public const string AlreadyInSandbox = "AlreadyInSandbox";

    /// <summary>Processes still run inside the sandbox.</summary>
    public const string SandboxBusy = "SandboxBusy";

    /// <summary>The namespace named as a sandbox was not made by VirtualLan.</summary>
    public const string NotASandbox = "NotASandbox";

    /// <summary>An address is already held by another link.</summary>
    public const string AddressInUse = "AddressInUse";

    /// <summary>A bridge still carries a router, host NAT or appliances.</summary>
    public const string BridgeInUse = "BridgeInUse";

    /// <summary>A bridge exists but VirtualLan did not make it.</summary>
    public const string BridgeNotManaged = "BridgeNotManaged";

    /// <summary>An address without a prefix is not a dotted-quad IPv4 address.</summary>
    public const string InvalidAddress = "InvalidAddress";

    /// <summary>The uplink link does not exist in the host namespace.</summary>
    public const string UplinkNotFound = "UplinkNotFound";

    /// <summary>The link named as uplink cannot be one (loopback, a bridge, a bridge port, or the LAN's own link).</summary>
    public const string UplinkInvalid = "UplinkInvalid";

    /// <summary>The uplink has no IPv4 address to keep and neither -Dhcp nor -UplinkAddress was given.</summary>
    public const string UplinkHasNoAddress = "UplinkHasNoAddress";

    /// <summary>An address that must lie in the LAN's subnet does not.</summary>
    public const string AddressOutsideSubnet = "AddressOutsideSubnet";

    /// <summary>The host link's subnet overlaps the LAN or the uplink.</summary>
    public const string SubnetOverlap = "SubnetOverlap";

    /// <summary>No DHCP client (dhclient, udhcpc, dhcpcd) is installed.</summary>
    public const string DhcpClientNotFound = "DhcpClientNotFound";

    /// <summary>A router of that name, or for that bridge, exists with other settings.</summary>
    public const string RouterConflict = "RouterConflict";

    /// <summary>No router of that name exists.</summary>
    public const string RouterNotFound = "RouterNotFound";

    /// <summary>Get-VlanIptablesTrace was given more than one of -Router, -Namespace and -Lan.</summary>
    public const string TraceScopeConflict = "TraceScopeConflict";

    /// <summary>The Drops mode could not use the kernel's tracing (tracefs, the skb:kfree_skb event).</summary>
    public const string TracingUnavailable = "TracingUnavailable";

    /// <summary>The uplink could not be given back to the host; the message says how to recover.</summary>
    public const string UplinkNotRestored = "UplinkNotRestored";

    /// <summary>No container of that name or id exists.</summary>
    public const string ContainerNotFound = "ContainerNotFound";

    /// <summary>The container exists but is not running.</summary>
    public const string ContainerNotRunning = "ContainerNotRunning";

    /// <summary>No Docker network of that name or id exists.</summary>
    public const string DockerNetworkNotFound = "DockerNetworkNotFound";

    /// <summary>The Docker network is not a bridge network.</summary>
    public const string DockerNetworkNotBridge = "DockerNetworkNotBridge";

    /// <summary>The namespace to plug in does not exist.</summary>
    public const string NamespaceNotFound = "NamespaceNotFound";

    /// <summary>The link to plug in does not exist.</summary>
    public const string InterfaceNotFound = "InterfaceNotFound";

    /// <summary>The link cannot be plugged in (it is lo, a bridge, or already a port).</summary>
    public const string InterfaceInvalid = "InterfaceInvalid";

    /// <summary>An address is already used on the LAN.</summary>
    public const string AddressNotFree = "AddressNotFree";

    /// <summary>One -Address was given for several appliances.</summary>
    public const string AddressForMany = "AddressForMany";

    /// <summary>The address pool of a kind of appliance is used up.</summary>
    public const string PoolExhausted = "PoolExhausted";

    /// <summary>No appliance of that name exists.</summary>
    public const string ApplianceNotFound = "ApplianceNotFound";

    /// <summary>The appliance has no network namespace of its own to run a command in (a tap, an adapter, a Docker network).</summary>
    public const string ApplianceNotANamespace = "ApplianceNotANamespace";

    /// <summary>The command given to run inside an appliance is not one native command line (a script block with pipes, statements or no command).</summary>
    public const string ApplianceCommandInvalid = "ApplianceCommandInvalid";

    /// <summary>A command run inside an appliance exited with a non-zero code.</summary>
    public const string ApplianceCommandFailed = "ApplianceCommandFailed";

    /// <summary>The traffic script block of a trace failed (an exception, or a native command's non-zero exit code).</summary>
    public const string TrafficFailed = "TrafficFailed";

    /// <summary>An appliance of that name is connected with other settings.</summary>
    public const string ApplianceConflict = "ApplianceConflict";

    /// <summary>A container, network or user name has characters Docker and Linux do not allow.</summary>
    public const string InvalidName = "InvalidName";

    /// <summary>A LAN would get two ways out: a router namespace and host NAT.</summary>
    public const string GatewayConflict = "GatewayConflict";

    /// <summary>Host NAT is not on for that bridge.</summary>
    public const string HostNatNotFound = "HostNatNotFound";

    /// <summary>A port or port range is not valid.</summary>
    public const string InvalidPort = "InvalidPort";

    /// <summary>The external port is already forwarded.</summary>
    public const string PortForwardExists = "PortForwardExists";

    /// <summary>No such port forward.</summary>
    public const string PortForwardNotFound = "PortForwardNotFound";

    /// <summary>Another VirtualLan process held the host lock too long.</summary>
    public const string HostBusy = "HostBusy";

    /// <summary>The host lock's folder or file is a link, another user's, or writable by others.</summary>
    public const string HostLockUnsafe = "HostLockUnsafe";

    /// <summary>What VirtualLan must record on a link (its old alias, its addresses) does not fit in the 255 bytes of an interface alias.</summary>
    public const string RecordTooLong = "RecordTooLong";

    /// <summary>The namespace (or the container's namespace) given is one VirtualLan made for another purpose: a router's or a sandbox.</summary>
    public const string NamespaceInvalid = "NamespaceInvalid";

    /// <summary>A namespace named like the sandbox's is not part of it (not connected, no VirtualLan record), so Exit-VlanSandbox does not delete it.</summary>
    public const string ForeignNamespace = "ForeignNamespace";

    /// <summary>An object from the pipeline is of a kind the cmdlet cannot take (a router piped to Remove-VlanBridge), or names nothing the cmdlet could act on.</summary>
    public const string PipelineInputMismatch = "PipelineInputMismatch";

    /// <summary>Connect-VlanAppliance was asked to connect an appliance that is connected already, with other settings (change them with Set-VlanAppliance).</summary>
    public const string ApplianceConnected = "ApplianceConnected";

    /// <summary>Set-VlanAppliance was asked to change what the kind of appliance does not let the module change (a Docker network's addresses are Docker's).</summary>
    public const string ApplianceNotSettable = "ApplianceNotSettable";

    /// <summary>Set-VlanBridge was asked to move a LAN that is in use (a router, appliances, host NAT) to another subnet.</summary>
    public const string SubnetInUse = "SubnetInUse";

    /// <summary>A namespace a plan deletes could not be held open while the plan runs, so its deletion could not be undone; nothing was changed.</summary>
    public const string NamespaceNotHeld = "NamespaceNotHeld";

    /// <summary>VIRTUALLAN_BACKEND names no backend (it takes netlink or ip).</summary>
    public const string BackendUnknown = "BackendUnknown";

    /// <summary>Export-VlanDiagram could not draw the diagram: Graphviz's dot failed, or the file could not be written.</summary>
    public const string DiagramRenderFailed = "DiagramRenderFailed";

    /// <summary>Export-VlanDiagram was asked for an image (SVG, PNG) without -Path: images go to a file, not the pipeline.</summary>
    public const string DiagramNeedsPath = "DiagramNeedsPath";

    /// <summary>A configuration document is not JSON (Sync-, Test-VlanConfiguration); the error names the line and JSON path.</summary>
    public const string ConfigurationNotJson = "ConfigurationNotJson";

    /// <summary>A configuration document breaks its JSON Schema (a missing field, an unknown kind or field, a malformed address); the error names the JSON path.</summary>
    public const string ConfigurationSchemaViolation = "ConfigurationSchemaViolation";

    /// <summary>A configuration document is well formed but cannot be built (an address outside its LAN, two appliances with one address, a bridge nobody declared); the error names the JSON path.</summary>
    public const string ConfigurationInvalid = "ConfigurationInvalid";

    /// <summary>A configuration document, or the module, could not be read from or written to the path given.</summary>
    public const string ConfigurationPathInvalid = "ConfigurationPathInvalid";

    /// <summary>The systemd units of Register-VlanConfiguration cannot hold the path given (a character systemd or the command line would read otherwise), or their folder is unusable.</summary>
    public const string UnitPathInvalid = "UnitPathInvalid";

    /// <summary>A DHCP range is not a range of IPv4 addresses, lies outside the LAN, or overlaps another range or the LAN's own addresses.</summary>
    public const string DhcpRangeInvalid = "DhcpRangeInvalid";

    /// <summary>A DHCP setting (domain, search domain, lease time) is not valid.</summary>
    public const string InvalidDhcpSetting = "InvalidDhcpSetting";

    /// <summary>DHCP is not on for the LAN.</summary>
    public const string DhcpNotEnabled = "DhcpNotEnabled";

    /// <summary>DHCP is already on for the LAN with other settings.</summary>
    public const string DhcpConflict = "DhcpConflict";

    /// <summary>dnsmasq could not take the DNS or DHCP port: another server holds it in that namespace.</summary>
    public const string DhcpPortInUse = "DhcpPortInUse";

    /// <summary>dnsmasq did not start; its own message is quoted.</summary>
    public const string DhcpServerFailed = "DhcpServerFailed";

    /// <summary>A tunnel peer is not a unicast IPv4 address, or is unreachable from the underlay.</summary>
    public const string TunnelPeerInvalid = "TunnelPeerInvalid";

    /// <summary>A VXLAN network identifier is outside 1–16777215.</summary>
    public const string TunnelVniInvalid = "TunnelVniInvalid";

    /// <summary>The tunnel's UDP port is held by another program, or is outside 1–65535.</summary>
    public const string TunnelPortInUse = "TunnelPortInUse";

    /// <summary>A tunnel with that VNI (to that peer) is already there.</summary>
    public const string TunnelExists = "TunnelExists";

    /// <summary>No tunnel on that bridge.</summary>
    public const string TunnelNotFound = "TunnelNotFound";

    /// <summary>The underlay's MTU leaves no room for the VXLAN overhead.</summary>
    public const string TunnelMtuTooSmall = "TunnelMtuTooSmall";

    /// <summary>The local underlay address of a tunnel is not on a link of the underlay.</summary>
    public const string TunnelLocalInvalid = "TunnelLocalInvalid";
}
