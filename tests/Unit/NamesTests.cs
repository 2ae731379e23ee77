using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

public class NamesTests
{
    [Theory]
    [InlineData("virtualnet0")]
    [InlineData("br0")]
    [InlineData("veth-dv-0")]
    [InlineData("router_veth0")]
    [InlineData("a.b")]
    [InlineData("abcdefghijklmno")]
    public void Valid_interface_names_pass(string name) => Assert.Equal(name, Names.Interface(name, "Name"));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("abcdefghijklmnop", "16 bytes")]
    [InlineData("ééééééééé", "18 bytes")]
    [InlineData("br/0", "'/'")]
    [InlineData("br:0", "':'")]
    [InlineData("br 0", "white space")]
    [InlineData("br\t0", "white space")]
    [InlineData("br;reboot", "';'")]
    [InlineData("$(reboot)", "'$'")]
    [InlineData("-br0", "starts with '-'")]
    [InlineData(".", "reserved")]
    [InlineData("..", "reserved")]
    [InlineData("br`x`", "'`'")]
    public void Invalid_interface_names_get_InvalidInterfaceName_with_the_reason(string name, string reason)
    {
        var error = Assert.Throws<VlanException>(() => Names.Interface(name, "Name"));
        Assert.Equal(ErrorIds.InvalidInterfaceName, error.ErrorId);
        Assert.Equal(VlanErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("-Name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interface_names_null_is_refused() =>
        Assert.Equal(ErrorIds.InvalidInterfaceName, Assert.Throws<VlanException>(() => Names.Interface(null, "Name")).ErrorId);

    [Theory]
    [InlineData("vlan-sandbox.router-with-a-long-name")]
    [InlineData("lab")]
    public void Namespace_names_may_be_longer_than_interface_names(string name) => Assert.Equal(name, Names.Namespace(name, "Name"));

    [Theory]
    [InlineData("lab/x")]
    [InlineData("-lab")]
    [InlineData("")]
    [InlineData("lab x")]
    public void Invalid_namespace_names_get_InvalidNamespaceName(string name) =>
        Assert.Equal(ErrorIds.InvalidNamespaceName, Assert.Throws<VlanException>(() => Names.Namespace(name, "Name")).ErrorId);
}
