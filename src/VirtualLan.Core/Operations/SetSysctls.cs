using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// Sets kernel settings of one namespace in one command: <c>sysctl -qw KEY=VALUE …</c>, run inside it.
/// Not an <c>ip</c> change, so its step runs as a program of its own.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Settings">The keys and values, in order.</param>
/// <param name="Previous">The values the undo sets back, or null for no undo.</param>
public sealed record SetSysctls(NetNamespace Namespace, IReadOnlyList<(string Key, string Value)> Settings, IReadOnlyList<(string Key, string Value)>? Previous = null)
{
    /// <summary>Gets the command that makes the change.</summary>
    public CommandLine Command => Namespace.Exec("sysctl", ["-qw", .. Settings.Select(x => $"{x.Key}={x.Value}")]);

    /// <summary>Gets the operation that reverses this one, or null.</summary>
    public SetSysctls? Undo => Previous is null ? null : new SetSysctls(Namespace, Previous);

    /// <summary>Tells whether every setting already has its value.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>True when it is in place.</returns>
    public bool IsDone(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Settings.Count == 1
            ? state.Sysctl(Namespace, Settings[0].Key) == Settings[0].Value
            : state.Sysctls(Namespace, Settings.Select(x => x.Key).ToArray())?.SequenceEqual(Settings.Select(x => x.Value)) == true;
    }

    /// <summary>Makes the plan step of this operation.</summary>
    /// <param name="description">What it does.</param>
    /// <returns>The step, carrying the operation.</returns>
    public Step ToStep(string description) => Step.Program(description, Command, Undo?.Command, IsDone).Carrying(this);
}
