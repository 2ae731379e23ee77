using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Operations;

/// <summary>
/// One change made with <c>ip</c> — a link, an address, a route, a namespace — as a value: the
/// arguments that make it (what -WhatIf and -Verbose show, and what the <c>ip -batch</c> backend
/// runs), the operation that reverses it, and how to tell from the kernel's state that it is
/// already in place. Planners compose operations; they do not write argv.
/// </summary>
/// <param name="Namespace">The namespace the change is made in.</param>
public abstract record IpOperation(NetNamespace Namespace)
{
    /// <summary>Gets the arguments after <c>ip</c>.</summary>
    public abstract IReadOnlyList<string> Arguments { get; }

    /// <summary>Gets the operation that reverses this one, or null when it has none of its own.</summary>
    public virtual IpOperation? Undo => null;

    /// <summary>Tells whether the change is already in place; false when it cannot be told (then it always runs).</summary>
    /// <param name="state">The kernel's state.</param>
    /// <returns>True when it is in place.</returns>
    public virtual bool IsDone(KernelState state) => false;

    /// <summary>Gets the command that makes the change on its own.</summary>
    public CommandLine Command => Namespace.Ip(Arguments);

    /// <summary>Makes the plan step of this operation.</summary>
    /// <param name="description">What the step does, in words.</param>
    /// <returns>The step; it carries the operation for backends that run operations rather than command lines.</returns>
    public Step ToStep(string description)
    {
        var undo = Undo;
        var sameNamespace = undo is null || undo.Namespace == Namespace;
        var step = Step.Link(description, Namespace, Arguments.ToArray(), sameNamespace ? undo?.Arguments.ToArray() : null, IsDone).Carrying(this);
        return sameNamespace ? step : step.WithUndo(new[] { undo!.Command });
    }

    /// <inheritdoc />
    public sealed override string ToString() => Command.ToString();
}
