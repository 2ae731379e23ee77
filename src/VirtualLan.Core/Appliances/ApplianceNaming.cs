using VirtualLan.Planning;

namespace VirtualLan.Appliances;

/// <summary>The names and MAC addresses the module gives appliances' links, derived so that rebuilding gives the same.</summary>
internal static class ApplianceNaming
{
    /// <summary>The host's end of an appliance's veth: <c>vl-NAME</c>, or a hash of a long name.</summary>
    public static string PortName(string name) =>
        name.Length <= 12 ? "vl-" + name : "vl-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..12].ToLowerInvariant();

    /// <summary>The MAC of a veth appliance's inside, from its bridge, kind and name.</summary>
    public static string ApplianceMac(ApplianceRequest request) => GuestMac(request.Bridge + "/" + request.Kind + "/" + request.Name);

    /// <summary>A QEMU-style MAC (52:54:00:…) derived from a key.</summary>
    public static string GuestMac(string key) => "52:54:00:" + string.Join(':', BridgeService.StableMac(key).Split(':').Skip(3));

    /// <summary>The QEMU arguments that put a VM's NIC on a tap.</summary>
    public static string QemuArguments(string tap, string mac) =>
        $"-netdev tap,id=vlan0,ifname={tap},script=no,downscript=no -device virtio-net-pci,netdev=vlan0,mac={mac}";
}
