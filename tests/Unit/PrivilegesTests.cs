using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

public class PrivilegesTests
{
    public const string Root = "Name:\tpwsh\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n";
    public const string Nobody = "Name:\tpwsh\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n";

    [Fact]
    public void Root_has_everything() => Assert.Empty(Privileges.Missing(Root));

    [Fact]
    public void An_unprivileged_process_lacks_both_capabilities() =>
        Assert.Equal(new[] { "CAP_NET_ADMIN", "CAP_SYS_ADMIN" }, Privileges.Missing(Nobody));

    [Fact]
    public void Net_admin_alone_is_not_enough_to_enter_namespaces() =>
        Assert.Equal(new[] { "CAP_SYS_ADMIN" }, Privileges.Missing("CapEff:\t0000000000001000\n"));

    [Fact]
    public void Demand_names_what_to_do()
    {
        var error = Assert.Throws<VlanException>(() => Privileges.Demand(Nobody, "New-VlanBridge"));
        Assert.Equal(ErrorIds.InsufficientPrivilege, error.ErrorId);
        Assert.Equal(VlanErrorKind.PermissionDenied, error.Kind);
        Assert.Contains("sudo pwsh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void This_process_lacks_nothing_exactly_when_it_is_root() =>
        Assert.Equal(Environment.IsPrivilegedProcess, Privileges.Missing(File.ReadAllText("/proc/self/status")).Count == 0);
}
