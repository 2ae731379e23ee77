using System.Runtime.CompilerServices;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// One change to an iptables table — a chain made or deleted, a rule appended or deleted — as a
/// value: the arguments after <c>iptables -t TABLE</c> (what -WhatIf shows; the
/// <c>iptables-restore</c> backend sends them as one transaction per namespace and table), its
/// undo, and its "already done" test against the rules read once.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table: filter, nat, mangle or raw.</param>
public abstract record RuleOperation(NetNamespace Namespace, string Table)
{
    /// <summary>Gets the arguments after <c>iptables -t TABLE</c>.</summary>
    public abstract IReadOnlyList<string> Arguments { get; }

    /// <summary>Gets a value indicating whether the change is to the IPv6 tables (<c>ip6tables</c>) rather than the IPv4 ones.</summary>
    public bool Ipv6 { get; init; }

    /// <summary>Gets the arguments that reverse the change, or null.</summary>
    public virtual IReadOnlyList<string>? UndoArguments => null;

    /// <summary>Tells whether the change is already in place; false when it cannot be told.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>True when it is in place.</returns>
    public virtual bool IsDone(KernelState state) => false;

    /// <summary>Makes the plan step of this operation.</summary>
    /// <param name="description">What it does, or null for "Add the rule …" and the like.</param>
    /// <returns>The step, carrying the operation.</returns>
    public Step ToStep(string? description = null) =>
        (Ipv6 ? Step.Firewall6(description ?? Describe(), Namespace, Table, Arguments.ToArray(), UndoArguments?.ToArray(), IsDone)
            : Step.Firewall(description ?? Describe(), Namespace, Table, Arguments.ToArray(), UndoArguments?.ToArray(), IsDone)).Carrying(this);

    /// <summary>Gets the rules of this operation's namespace, IPv4 or IPv6 as the operation is.</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>The rules as iptables-save or ip6tables-save prints them.</returns>
    protected FirewallState Rules(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Ipv6 ? state.Firewall6(Namespace) : state.Firewall(Namespace);
    }

    /// <summary>Says in words what the operation does.</summary>
    /// <returns>The description.</returns>
    protected abstract string Describe();
}

/// <summary>Appends a rule to a chain: <c>-A CHAIN SPEC…</c>; undone by deleting exactly that rule.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The chain.</param>
/// <param name="Spec">The matches and target, as iptables takes them.</param>
public sealed record AppendRule(NetNamespace Namespace, string Table, string Chain, IReadOnlyList<string> Spec) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-A", Chain, .. Spec];

    /// <inheritdoc />
    public override IReadOnlyList<string> UndoArguments => ["-D", Chain, .. Spec];

    /// <summary>Gets the rule as iptables-save prints it, for the "already done" test.</summary>
    /// <remarks>
    /// Worked out once per instance (a plan asks it of each of hundreds of rules more than once). The
    /// cache is keyed by the instance, not kept in a field, so record equality and <c>with</c> copies
    /// are not affected.
    /// </remarks>
    public string Line => Lines.GetValue(this, static rule => RestoreInput.Line(rule.Arguments.ToArray()));

    private static ConditionalWeakTable<AppendRule, string> Lines { get; } = new();

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Rules(state).HasRule(Table, Line);

    /// <inheritdoc />
    protected override string Describe() => $"Add the rule {Line}";
}

/// <summary>
/// Deletes a rule: <c>-D CHAIN SPEC…</c>; undone by inserting it back where it was (the position is
/// settled when the plan runs, see <see cref="RulePositions"/>).
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The chain.</param>
/// <param name="Spec">The matches and target of the rule.</param>
public sealed record DeleteRule(NetNamespace Namespace, string Table, string Chain, IReadOnlyList<string> Spec) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-D", Chain, .. Spec];

    /// <inheritdoc />
    public override IReadOnlyList<string> UndoArguments => ["-A", Chain, .. Spec];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => !Rules(state).HasRule(Table, RestoreInput.Line(UndoArguments.ToArray()));

    /// <inheritdoc />
    protected override string Describe() => $"Delete the rule {RestoreInput.Line(UndoArguments.ToArray())}";
}

/// <summary>Creates a user chain: <c>-N CHAIN</c>; undone by deleting it.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The chain.</param>
public sealed record CreateChain(NetNamespace Namespace, string Table, string Chain) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-N", Chain];

    /// <inheritdoc />
    public override IReadOnlyList<string> UndoArguments => ["-X", Chain];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Rules(state).HasChain(Table, Chain);

    /// <inheritdoc />
    protected override string Describe() => $"Create the chain {Chain}";
}

/// <summary>Deletes an empty user chain: <c>-X CHAIN</c>; undone by creating it again.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The chain.</param>
public sealed record DeleteChain(NetNamespace Namespace, string Table, string Chain) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-X", Chain];

    /// <inheritdoc />
    public override IReadOnlyList<string> UndoArguments => ["-N", Chain];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => !Rules(state).HasChain(Table, Chain);

    /// <inheritdoc />
    protected override string Describe() => $"Delete the chain {Chain}";
}

/// <summary>Sets a built-in chain's policy: <c>-P CHAIN ACCEPT|DROP</c>; undone by setting the previous one.</summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Chain">The built-in chain.</param>
/// <param name="Policy">ACCEPT or DROP.</param>
/// <param name="PreviousPolicy">The policy the undo sets back, or null for no undo.</param>
public sealed record SetPolicy(NetNamespace Namespace, string Table, string Chain, string Policy, string? PreviousPolicy = null) : RuleOperation(Namespace, Table)
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Arguments => ["-P", Chain, Policy];

    /// <inheritdoc />
    public override IReadOnlyList<string>? UndoArguments => PreviousPolicy is null ? null : ["-P", Chain, PreviousPolicy];

    /// <inheritdoc />
    public override bool IsDone(KernelState state) => Rules(state).Policy(Table, Chain) == Policy;

    /// <inheritdoc />
    protected override string Describe() => $"Set the policy of {Chain} to {Policy}";
}
