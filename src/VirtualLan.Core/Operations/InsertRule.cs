using System.Globalization;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// Inserts a rule at the top of a chain, or at a position: <c>-I CHAIN [N] SPEC…</c>, for chains
/// where being first is what counts (another program's chain, or a jump that must come before
/// another program's); undone by deleting exactly that rule.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The chain.</param>
/// <param name="Spec">The matches and target, as iptables takes them.</param>
/// <param name="Position">The 1-based position, or null for iptables' default (the top) without saying it.</param>
public sealed record InsertRule(NetNamespace Namespace, string Table, string Chain, IReadOnlyList<string> Spec, int? Position = null) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments =>
        ["-I", Chain, .. Position is { } position ? [position.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(), .. Spec];

    /// <inheritdoc />
    public override IReadOnlyList<string> UndoArguments => ["-D", Chain, .. Spec];

    /// <summary>Gets the rule as iptables-save prints it, for the "already done" test.</summary>
    public string Line => RestoreInput.Line(["-A", Chain, .. Spec]);

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Rules(state).HasRule(Table, Line);

    /// <inheritdoc />
    protected override string Describe() => $"Insert the rule {Line}";
}
