namespace VirtualLan.Tests.Integration;

/// <summary>
/// Around the whole kernel suite: the machine's own namespace (links, addresses, routes, firewall)
/// and the list of namespaces are recorded before the first test and compared after the last.
/// Any difference fails the run, because the tests must build everything in namespaces they own.
/// </summary>
public sealed class MachineSnapshotFixture : IDisposable
{
    private readonly string? _before;

    public MachineSnapshotFixture()
    {
        if (Kernel.IsRoot)
        {
            _before = Take();
        }
    }

    public static string Take()
    {
        var links = Kernel.Must("ip", "-json", "link", "show");
        var addresses = Kernel.Must("ip", "-json", "addr", "show");
        var routes = Kernel.Must("ip", "-json", "route", "show", "table", "all");
        var (code, rules, _) = Kernel.Run("nft", "list", "ruleset");
        var namespaces = string.Join(',', Kernel.Namespaces().Order(StringComparer.Ordinal));
        return string.Join("\n---\n", links, addresses, routes, code == 0 ? rules : "(nft unavailable)", namespaces);
    }

    public void Dispose()
    {
        if (_before is null)
        {
            return;
        }

        var after = Take();
        if (after != _before)
        {
            // A failure in a collection fixture's Dispose fails the test run.
            throw new InvalidOperationException("The machine's own network namespace changed during the kernel tests.\nBefore:\n" + _before + "\nAfter:\n" + after);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection : ICollectionFixture<MachineSnapshotFixture>
{
    public const string Name = "Kernel";
}
