namespace VirtualLan.Execution;

/// <summary>
/// Plans applied one after another as one change, such as <c>Remove-VlanBridge -Recurse</c> (forwards,
/// host NAT, appliances, router, then the bridge): when a later plan fails, the steps the earlier
/// ones applied are undone too, last first, so the whole change is undone and not only its last part.
/// </summary>
public sealed class Transaction
{
    private readonly List<Step> _applied = new();

    /// <summary>Gets the steps applied so far by the plans of this transaction, in the order they ran.</summary>
    public IReadOnlyList<Step> Applied => _applied;

    internal void Add(IEnumerable<Step> steps) => _applied.AddRange(steps);
}
