using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Tests.Unit;

/// <summary>One namespace value, one meaning: the own, a name, a path; each reached the one way that fits it.</summary>
public class NetNamespaceTests
{
    public static TheoryData<string?, string, string> Forms() => new()
    {
        { null, "ip link show", "iptables-save" },
        { "lab.c1", "ip -n lab.c1 link show", "ip netns exec lab.c1 iptables-save" },
        { "/proc/42/ns/net", "nsenter --net=/proc/42/ns/net ip link show", "nsenter --net=/proc/42/ns/net iptables-save" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Each_form_is_reached_by_the_command_that_fits_it(string? stored, string ip, string exec)
    {
        NetNamespace at = stored;
        Assert.Equal(ip, at.Ip(["link", "show"]).ToString());
        Assert.Equal(exec, at.Exec("iptables-save", []).ToString());
        Assert.Equal(stored, at.Text);
        Assert.Equal(stored is null, at.IsOwn);
        Assert.Equal(stored?.StartsWith('/') == true, at.IsPath);
        Assert.Equal(stored is null || stored.StartsWith('/') ? null : stored, at.Name);
    }

    [Fact]
    public void A_name_and_a_path_are_not_taken_for_each_other()
    {
        Assert.Throws<ArgumentException>(() => NetNamespace.Named("/proc/1/ns/net"));
        Assert.Throws<ArgumentException>(() => NetNamespace.AtPath("lab"));
        Assert.Equal(NetNamespace.Own, NetNamespace.From(null));
        Assert.NotEqual(NetNamespace.Named("lab"), NetNamespace.Own);
    }

    [Fact]
    public void The_state_reads_each_namespace_once_and_never_reads_one_that_is_gone()
    {
        var runner = new RecordingRunner(c => c.ToString() == "ip -json netns list" ? "[{\"name\":\"lab\"}]" : "[]");
        var state = new KernelState(runner);
        Assert.True(state.Exists(NetNamespace.Own));
        Assert.True(state.Exists("lab"));
        Assert.False(state.Exists("gone"));
        Assert.Empty(state.Links("lab").Links);
        Assert.Empty(state.Links(NetNamespace.Named("lab")).Links);
        Assert.False(state.Links("gone").Exists);
        Assert.Empty(state.Routes("gone"));
        Assert.Equal(new[] { "ip -json netns list", "ip -n lab -details -json addr show" }, runner.Commands);
    }

    private sealed class RecordingRunner(Func<CommandLine, string> output) : ICommandRunner
    {
        public List<string> Commands { get; } = new();

        public CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken)
        {
            Commands.Add(command.ToString());
            return new CommandResult(0, output(command), string.Empty);
        }
    }
}
