using System.Diagnostics;
using Xunit.Abstractions;

namespace VirtualLan.Tests.Integration;

/// <summary>The QEMU guest fixture on its own: a guest on a tap in a bridge answers ping and TCP.</summary>
[Collection(KernelCollection.Name)]
public class QemuVmTests
{
    private readonly ITestOutputHelper _output;

    public QemuVmTests(ITestOutputHelper output) => _output = output;

    [KernelFact]
    public void GuestOnABridgedTapAnswersPingAndTcp()
    {
        var ns = "vlt-" + Guid.NewGuid().ToString("N")[..8];
        Kernel.Must("ip", "netns", "add", ns);
        try
        {
            Kernel.Must("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
            Kernel.Must("ip", "-n", ns, "addr", "add", "10.0.0.1/24", "dev", "br0");
            Kernel.Must("ip", "-n", ns, "link", "set", "br0", "up");
            Kernel.Must("ip", "-n", ns, "tuntap", "add", "dev", "qemutap0", "mode", "tap");
            Kernel.Must("ip", "-n", ns, "link", "set", "qemutap0", "master", "br0");
            Kernel.Must("ip", "-n", ns, "link", "set", "qemutap0", "up");

            using var vm = new QemuVm(ns, "qemutap0", "52:54:00:12:34:56", "10.0.0.2/24", "10.0.0.1");
            _output.WriteLine($"Kernel {QemuVm.KernelImage}, initramfs {QemuVm.Initramfs}, boot {vm.BootTime.TotalSeconds:0.0} s");

            Assert.True(Kernel.Ping(ns, "10.0.0.2"), "The guest did not answer ping.\n" + vm.Console);

            var message = "vlan-echo-" + Guid.NewGuid().ToString("N");
            Assert.Equal(message, EchoOverTcp(ns, "10.0.0.2", QemuVm.EchoPort, message));

            var (code, whoAmI, _) = Kernel.Run("ip", "netns", "exec", ns, Kernel.Busybox, "timeout", "10", Kernel.Busybox, "nc", "10.0.0.2", QemuVm.WhoAmIPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal((0, "10.0.0.2"), (code, whoAmI.Trim()));

            var peer = Kernel.Must("ip", "netns", "exec", ns, Kernel.Busybox, "timeout", "10", Kernel.Busybox, "wget", "-q", "-O", "-", $"http://10.0.0.2:{QemuVm.PeerHttpPort}/cgi-bin/peer");
            Assert.Equal("10.0.0.1", peer.Trim());
        }
        finally
        {
            Kernel.Run("ip", "netns", "delete", ns);
        }
    }

    /// <summary>
    /// Sends one line to a TCP echo server from inside a namespace and returns the first line back.
    /// The line is read before stdin is closed because busybox nc does not half-close on stdin EOF.
    /// </summary>
    private static string? EchoOverTcp(string ns, string address, int port, string line)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "netns", "exec", ns, Kernel.Busybox, "timeout", "10", Kernel.Busybox, "nc", address, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var nc = Process.Start(start)!;
        try
        {
            nc.StandardInput.WriteLine(line);
            nc.StandardInput.Flush();
            var reply = nc.StandardOutput.ReadLineAsync();
            return reply.Wait(TimeSpan.FromSeconds(10)) ? reply.Result : null;
        }
        finally
        {
            if (!nc.HasExited)
            {
                nc.Kill(entireProcessTree: true);
            }

            nc.WaitForExit();
        }
    }
}
