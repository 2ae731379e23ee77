using VirtualLan.Linux;
using VirtualLan.Netlink;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// The netlink foundation on a real kernel: a namespace made without <c>ip netns add</c> is one ip
/// sees and works in, a socket opened inside it reads and changes its links, and deleting it leaves
/// nothing behind.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class NetlinkFoundationTests
{
    [KernelFact]
    public void A_namespace_made_by_netlink_code_is_seen_and_used_by_ip_and_deleted_cleanly()
    {
        var name = "vlnl-" + Guid.NewGuid().ToString("N")[..8];
        NetnsFiles.Add(name);
        try
        {
            Assert.Contains(name, Kernel.Namespaces());
            Assert.Contains("lo:", Kernel.Must("ip", "-n", name, "link"), StringComparison.Ordinal);

            // Made again: the error ip prints, and the namespace is untouched.
            var again = Assert.Throws<NetlinkException>(() => NetnsFiles.Add(name));
            Assert.Equal($"Cannot create namespace file \"/run/netns/{name}\": File exists", again.Message);

            // A socket opened inside it sees its lo only, and a link made through it is seen by ip -n.
            using (var sockets = new NamespaceSockets())
            {
                var socket = sockets.For(NetNamespace.Named(name));
                var links = socket.Dump(Rtnl.GetLink, new byte[Rtnl.IfInfoSize]);
                Assert.Equal(["lo"], links.Select(l => l.Attributes(Rtnl.IfInfoSize).Find(Rtnl.IflaIfname)!.Value.Text));

                var made = socket.Request(NetlinkMessage.Link(Rtnl.NewLink, Rtnl.FlagCreate | Rtnl.FlagExcl, 0)
                    .Text(Rtnl.IflaIfname, "br7")
                    .BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "bridge", terminated: false).EndNested());
                Assert.True(made.Succeeded, $"{made.Error} {made.Message}");
                Assert.Contains("br7", Kernel.Must("ip", "-n", name, "link", "show", "br7"), StringComparison.Ordinal);

                var twice = socket.Request(NetlinkMessage.Link(Rtnl.NewLink, Rtnl.FlagCreate | Rtnl.FlagExcl, 0)
                    .Text(Rtnl.IflaIfname, "br7")
                    .BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "bridge", terminated: false).EndNested());
                Assert.Equal(-17, twice.Error);

                // The machine's own namespace has no such link: the socket stayed in the namespace.
                Assert.NotEqual(0, Kernel.Run("ip", "link", "show", "br7").ExitCode);
            }

            Assert.Throws<NetlinkException>(() => NamespaceSockets.OpenIn(NetNamespace.Named(name + "-missing")));
        }
        finally
        {
            NetnsFiles.Delete(name);
        }

        Assert.DoesNotContain(name, Kernel.Namespaces());
        Assert.False(File.Exists("/run/netns/" + name));
        Assert.DoesNotContain("/run/netns/" + name, File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
        var missing = Assert.Throws<NetlinkException>(() => NetnsFiles.Delete(name));
        Assert.Equal($"Cannot remove namespace file \"/run/netns/{name}\": No such file or directory", missing.Message);
    }
}
