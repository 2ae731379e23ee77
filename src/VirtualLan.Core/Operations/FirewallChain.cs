using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// A chain the module owns, as CNI's portmap models one: its table and name, the rules that jump
/// to it from built-in chains (its entry), and its own rules. <see cref="Setup"/> gives the
/// operations that put it in place (each skipped when already there), <see cref="Teardown"/> those
/// that remove exactly what it holds.
/// </summary>
/// <param name="Namespace">Where.</param>
/// <param name="Table">The table.</param>
/// <param name="Name">The chain.</param>
/// <param name="Entry">The rules that jump to it, each as the built-in chain and the spec of the jump.</param>
/// <param name="Rules">Its rules' specs, in order.</param>
public sealed record FirewallChain(NetNamespace Namespace, string Table, string Name, IReadOnlyList<(string Chain, IReadOnlyList<string> Spec)> Entry, IReadOnlyList<IReadOnlyList<string>> Rules)
{
    /// <summary>The operations that put the chain in place: create it, fill it, then the jumps to it.</summary>
    /// <returns>The operations, in order.</returns>
    public IReadOnlyList<RuleOperation> Setup() =>
    [
        new CreateChain(Namespace, Table, Name),
        .. Rules.Select(r => new AppendRule(Namespace, Table, Name, r)),
        .. Entry.Select(e => new AppendRule(Namespace, Table, e.Chain, e.Spec)),
    ];

    /// <summary>The operations that remove the chain: the jumps to it first, then its rules, then the chain.</summary>
    /// <param name="state">The kernel's state, for which of its parts are there.</param>
    /// <returns>The operations, in order; none for parts already gone.</returns>
    public IReadOnlyList<RuleOperation> Teardown(KernelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var all = new List<RuleOperation>();
        all.AddRange(Entry.Select(e => new DeleteRule(Namespace, Table, e.Chain, e.Spec)));
        all.AddRange(Rules.Reverse().Select(r => new DeleteRule(Namespace, Table, Name, r)));
        all.Add(new DeleteChain(Namespace, Table, Name));
        return all.Where(o => !o.IsDone(state)).ToArray();
    }
}
