using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Readers;
using VirtualLan.Records;

namespace VirtualLan.Tests.Unit;

public class DhcpServiceTests
{
    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        ["/etc/resolv.conf"] = "# systemd-resolved's stub is left out\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\nsearch example\n",
    };

    private static (DhcpService Service, KernelState State) Machine(bool installed = true) =>
        (new DhcpService(new HostReaders(NetworkHost.Machine), p => installed && p == "dnsmasq" ? "/usr/sbin/dnsmasq" : null, _ => false, p => Files.GetValueOrDefault(p)),
         new KernelState(new FakeRunner(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))));

    [Fact]
    public void Without_dnsmasq_the_error_names_its_Debian_package_before_anything_is_read()
    {
        var (service, state) = Machine(installed: false);
        var error = Assert.Throws<VlanException>(() => service.PlanEnable("virtualnet0", null, null, null, null, Array.Empty<Appliance>(), state));
        Assert.Equal(ErrorIds.ToolNotInstalled, error.ErrorId);
        Assert.Contains("apt-get install dnsmasq-base", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_configuration_binds_to_the_bridge_reads_nothing_else_and_hands_out_ranges_by_MAC_vendor()
    {
        var (service, state) = Machine();
        var appliance = new Appliance { Name = "c1", Kind = ApplianceKind.Namespace, Bridge = "virtualnet0", HostInterface = "c1-br", Cidr = Ipv4Cidr.Parse("172.24.4.2/16"), MacAddress = "52:54:00:01:02:03" };
        var plan = service.PlanEnable("virtualnet0", null, TimeSpan.FromMinutes(10), null, null, new[] { appliance }, state);
        var folder = Dnsmasq.Folder(null, "virtualnet0");
        var conf = plan.Steps.Single(s => s.Command.Arguments.Contains(Dnsmasq.ConfFile(folder))).StandardInput!;
        Assert.Contains("interface=virtualnet0\nbind-interfaces\nexcept-interface=lo\n", conf, StringComparison.Ordinal);
        Assert.Contains("no-resolv\nno-hosts\n", conf, StringComparison.Ordinal);
        Assert.Contains("server=192.0.2.53\n", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.53", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("server=::1", conf, StringComparison.Ordinal);
        Assert.Contains("dhcp-range=tag:qemu,172.24.2.128,172.24.2.254,255.255.0.0,600\n", conf, StringComparison.Ordinal);
        Assert.Contains("dhcp-range=tag:vbox,172.24.3.128,172.24.3.254,255.255.0.0,600\n", conf, StringComparison.Ordinal);
        Assert.Contains("dhcp-range=tag:!qemu,tag:!vbox,172.24.5.2,172.24.5.254,255.255.0.0,600\n", conf, StringComparison.Ordinal);
        Assert.Equal("virtualnet0", DhcpRecord.Parse(conf)!.Bridge);
        Assert.Equal("52:54:00:01:02:03,172.24.4.2,c1\n", plan.Steps.Single(s => s.Command.Arguments.Contains(Dnsmasq.DhcpHostsFile(folder))).StandardInput);
        Assert.Contains("172.24.4.2 c1.lan c1\n", plan.Steps.Single(s => s.Command.Arguments.Contains(Dnsmasq.HostsFile(folder))).StandardInput, StringComparison.Ordinal);

        // The last step starts dnsmasq with its own files only, and -WhatIf shows the configuration.
        Assert.Equal($"dnsmasq --conf-file={folder}/dnsmasq.conf --pid-file={folder}/dnsmasq.pid", plan.Steps[^1].Command.ToString());
        Assert.Contains("bind-interfaces", plan.Steps.Single(s => s.StandardInput == conf).Shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.9.0.2-10.9.0.20", "not inside the LAN")]
    [InlineData("172.24.2.200-172.24.3.10", "QEMU")]
    [InlineData("172.24.0.1-172.24.0.9", "the bridge")]
    [InlineData("172.24.5.9-172.24.5.2", "comes after")]
    [InlineData("172.24.5.9", "not a range")]
    public void A_range_outside_the_LAN_or_overlapping_another_is_refused(string range, string reason)
    {
        var (service, state) = Machine();
        var error = Assert.Throws<VlanException>(() => service.PlanEnable("virtualnet0", null, null, range, null, Array.Empty<Appliance>(), state));
        Assert.Equal(ErrorIds.DhcpRangeInvalid, error.ErrorId);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leases_are_read_from_dnsmasqs_file_and_never_allocated_again()
    {
        var leases = Dnsmasq.ParseLeases("1764567890 52:54:00:aa:bb:01 172.24.2.200 g1 01:52:54:00:aa:bb:01\n0 02:11:22:aa:bb:03 172.24.5.7 * *\n", "virtualnet0", null);
        Assert.Equal(2, leases.Count);
        Assert.Equal("g1", leases[0].HostName);
        Assert.Null(leases[1].HostName);
        Assert.Null(leases[1].Expires);
        var leased = Dnsmasq.Leased(null, "virtualnet0", p => p == Dnsmasq.LeaseFile(Dnsmasq.Folder(null, "virtualnet0")) ? "1764567890 02:11:22:aa:bb:03 172.24.4.2 g3 *\n" : null).ToHashSet();
        var next = Appliances.AddressPool.Next(Ipv4Cidr.Parse("172.24.0.1/16"), ApplianceKind.Namespace, leased);
        Assert.Equal("172.24.4.3/16", next.ToString());
    }
}
