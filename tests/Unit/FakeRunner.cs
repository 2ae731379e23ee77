using VirtualLan.Execution;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// A runner for tests without root: reads are answered from captured iproute2 output, changes are
/// recorded and succeed unless a rule says they fail.
/// </summary>
internal sealed class FakeRunner : ICommandRunner
{
    public FakeRunner(string linksJson = "[]", string namespacesJson = "")
    {
        LinksJson = linksJson;
        NamespacesJson = namespacesJson;
    }

    public string LinksJson { get; set; }

    public string NamespacesJson { get; set; }

    public string RoutesJson { get; set; } = "[]";

    public string IptablesSave { get; set; } = string.Empty;

    public string SysctlValue { get; set; } = "0";

    public Func<CommandLine, string?, CommandResult?> Fail { get; set; } = (_, _) => null;

    /// <summary>Gets or sets answers given before any other, such as the docker CLI's.</summary>
    public Func<CommandLine, CommandResult?> Respond { get; set; } = _ => null;

    public List<(CommandLine Command, string? Input)> Calls { get; } = new();

    public IReadOnlyList<string> Changes => Calls.Where(c => !RecordingRunner.IsRead(c.Command)).Select(c => c.Command.ToString()).ToArray();

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public CommandResult Run(CommandLine command, string? standardInput, CancellationToken cancellationToken)
    {
        Calls.Add((command, standardInput));
        if (Respond(command) is { } answer)
        {
            return answer;
        }
        if (command.Arguments.Contains("netns") && command.Arguments.Contains("list"))
        {
            return new CommandResult(0, NamespacesJson, string.Empty);
        }

        if (command.Arguments.Contains("-json") && command.Arguments.Contains("route"))
        {
            return new CommandResult(0, RoutesJson, string.Empty);
        }

        if (command.Arguments.Contains("-json"))
        {
            return new CommandResult(0, LinksJson, string.Empty);
        }

        if (command.Program == "iptables-save" || command.Arguments.Contains("iptables-save"))
        {
            return new CommandResult(0, IptablesSave, string.Empty);
        }

        if ((command.Program == "sysctl" || command.Arguments.Contains("sysctl")) && command.Arguments.Contains("-n"))
        {
            return new CommandResult(0, SysctlValue + "\n", string.Empty);
        }

        if (command.Arguments.Contains("pids"))
        {
            return new CommandResult(0, string.Empty, string.Empty);
        }

        return Fail(command, standardInput) ?? new CommandResult(0, string.Empty, string.Empty);
    }

    /// <summary>
    /// Runs a script that must fail and asserts its stable id, its category, and that no command
    /// changed anything: what every cmdlet's bad-input table checks.
    /// </summary>
    public static void AssertBadInput(PowerShellSession session, FakeRunner runner, string script, string id, System.Management.Automation.ErrorCategory category)
    {
        var error = session.InvokeFailing(script);
        Assert.StartsWith(id + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Empty(runner.Changes);
    }
}
