using System.Net;
using VirtualLan.Records;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// The appliance records as the code before the typed records wrote them (captured from its plans,
/// tests/Unit/Fixtures/appliance-plans.golden.txt): read by the typed records and written back to the byte.
/// </summary>
public class ApplianceRecordTests
{
    public static TheoryData<string> Written() => new()
    {
        "virtuallan:appliance addr=172.24.4.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.1 if=eth0 kind=Namespace name=c1 ns=c1",
        "virtuallan:appliance addr=172.24.4.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.1 if=eth0 kind=Namespace name=c1 ns=lab.c1",
        "virtuallan:appliance addr=172.24.9.9%2F16 bridge=virtualnet0 created=0 gw=172.24.0.254 if=lan0 kind=Namespace name=c2 ns=c2",
        "virtuallan:appliance addr=172.24.1.2%2F16 bridge=virtualnet0 cid=6fca6f82a8ce created=0 gw=172.24.0.1 if=eth0 kind=Container name=dockernet_tester",
        "virtuallan:appliance addr=172.24.2.2%2F16 bridge=virtualnet0 created=1 gw=172.24.0.1 kind=Tap mac=52%3A54%3A00%3Ade%3Aaf%3A7a name=qemutap0 oalias=",
        "virtuallan:appliance addr=172.24.2.2%2F16 bridge=virtualnet0 created=0 gw=172.24.0.1 kind=Tap mac=52%3A54%3A00%3Acc%3A33%3Aba name=qemutap1 oalias=QEMU%27s%20tap",
        "virtuallan:appliance addr=172.24.3.2%2F16 bridge=virtualnet0 gw=172.24.0.1 kind=Interface name=vboxnet0 oaddrs=192.168.56.1%2F24%2C192.168.57.1%2F24 oalias=host-only oup=0",
        "virtuallan:appliance addr=172.24.3.2%2F16 bridge=virtualnet0 gw=172.24.0.1 kind=Interface name=vboxnet0 oaddrs= oalias= oup=1",
        "virtuallan:appliance bridge=virtualnet0 caddrs= daddrs=172.18.0.1%2F16 dbr=br-881b070752a9 gw=172.24.0.1 kind=DockerNetwork name=docker_custom peer=vl-p881b070752a",
        "virtuallan:appliance bridge=virtualnet0 caddrs=172.24.1.2%2C172.24.1.3 daddrs=172.18.0.1%2F16 dbr=br-881b070752a9 gw=172.24.0.1 kind=DockerNetwork name=docker_custom peer=vl-p881b070752a",
        AppliancePlansTests.Records.Container,
        AppliancePlansTests.Records.TapCreated,
        AppliancePlansTests.Records.TapFound,
        AppliancePlansTests.Records.Interface,
        AppliancePlansTests.Records.DockerNetwork,
    };

    [Theory]
    [MemberData(nameof(Written))]
    public void A_record_written_by_the_version_of_today_is_read_and_written_back_to_the_byte(string alias)
    {
        var record = ApplianceRecord.Parse(alias);
        Assert.NotNull(record);
        Assert.Equal(alias, record.Write());
    }

    [Fact]
    public void The_typed_values_are_the_ones_the_text_holds()
    {
        var tap = ApplianceRecord.Parse("virtuallan:appliance addr=172.24.2.2%2F16 bridge=virtualnet0 created=0 gw=172.24.0.1 kind=Tap mac=52%3A54%3A00%3Acc%3A33%3Aba name=qemutap1 oalias=QEMU%27s%20tap")!;
        Assert.Equal((ApplianceKind.Tap, "qemutap1", "virtualnet0", "172.24.2.2/16", "172.24.0.1"), (tap.Kind, tap.Name, tap.Bridge, tap.Address.ToString(), tap.Gateway!.ToString()));
        Assert.Equal(("52:54:00:cc:33:ba", "QEMU's tap", false), (tap.MacAddress, tap.OldAlias, tap.Created));
        var adapter = ApplianceRecord.Parse("virtuallan:appliance addr=172.24.3.2%2F16 bridge=virtualnet0 gw=172.24.0.1 kind=Interface name=vboxnet0 oaddrs=192.168.56.1%2F24%2C192.168.57.1%2F24 oalias=host-only oup=0")!;
        Assert.Equal(["192.168.56.1/24", "192.168.57.1/24"], adapter.OldAddresses!.Select(a => a.ToString()));
        Assert.False(adapter.OldUp);
        Assert.Null(adapter.Created);
        var network = ApplianceRecord.Parse("virtuallan:appliance bridge=virtualnet0 caddrs=172.24.1.2%2C172.24.1.3 daddrs=172.18.0.1%2F16 dbr=br-881b070752a9 gw=172.24.0.1 kind=DockerNetwork name=docker_custom peer=vl-p881b070752a")!;
        Assert.Equal([IPAddress.Parse("172.24.1.2"), IPAddress.Parse("172.24.1.3")], network.ContainerAddresses!);
        Assert.Equal(("br-881b070752a9", "vl-p881b070752a", (Ipv4Cidr?)null), (network.DockerBridge, network.Peer, network.Address));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("virtuallan:bridge")]
    [InlineData("virtuallan:appliancex kind=Tap name=t bridge=b")]
    [InlineData("virtuallan:appliance kind=Nothing name=t bridge=b")]
    [InlineData("virtuallan:appliance kind=Tap bridge=b")]
    [InlineData("someone else's alias")]
    public void What_is_not_an_appliance_record_is_not_read_as_one(string? alias) => Assert.Null(ApplianceRecord.Parse(alias));

    [Theory]
    [InlineData("virtuallan:readdressed network=docker_custom new=172.24.1.2%2F16 ogw=172.18.0.1 old=172.18.0.2%2F16")]
    [InlineData("virtuallan:readdressed network=docker_custom new=172.24.1.2%2F16 ogw= old=172.18.0.2%2F16")]
    public void A_readdressed_containers_record_is_read_and_written_back_to_the_byte(string alias) =>
        Assert.Equal(alias, ReaddressedRecord.Parse(alias)!.Write());
}
