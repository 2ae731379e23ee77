namespace VirtualLan;

/// <summary>A network namespace that stands in for the host, so a setup can be rehearsed safely.</summary>
public sealed class Sandbox
{
    /// <summary>Initializes a new instance of the <see cref="Sandbox"/> class.</summary>
    /// <param name="name">The namespace name.</param>
    /// <param name="isManaged">Whether VirtualLan made it (and so may delete it on exit).</param>
    /// <param name="namespaces">The namespaces made inside it (routers, appliances).</param>
    /// <param name="links">The links in it, besides lo.</param>
    public Sandbox(string name, bool isManaged, IReadOnlyList<string> namespaces, IReadOnlyList<string> links)
    {
        Name = name;
        IsManaged = isManaged;
        Namespaces = namespaces;
        Links = links;
    }

    /// <summary>Gets the namespace name under /run/netns.</summary>
    public string Name { get; }

    /// <summary>Gets a value indicating whether VirtualLan made it; Exit-VlanSandbox deletes only such sandboxes.</summary>
    public bool IsManaged { get; }

    /// <summary>Gets the namespaces made inside the sandbox, named after it (sandbox.name).</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>Gets the links in the sandbox, besides lo.</summary>
    public IReadOnlyList<string> Links { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
