using VirtualLan.Linux;

namespace VirtualLan.Execution;

/// <summary>How a step reaches the kernel, which decides what it can be batched with.</summary>
public enum StepChannel
{
    /// <summary>An <c>ip</c> command; consecutive ones in the same namespace can go to one <c>ip -batch</c>.</summary>
    Link,

    /// <summary>An iptables rule change; consecutive ones in the same namespace and table can go to one <c>iptables-restore --noflush</c>.</summary>
    Firewall,

    /// <summary>An ip6tables rule change; consecutive ones in the same namespace and table can go to one <c>ip6tables-restore --noflush</c>.</summary>
    Firewall6,

    /// <summary>Any other program; always run on its own.</summary>
    Program,
}

/// <summary>
/// One change a plan makes: the command that makes it, the command that undoes it, and how to
/// tell from the kernel's state that it is already in place.
/// </summary>
public sealed class Step
{
    private readonly Lazy<(IReadOnlyList<CommandLine> Commands, string? Loses)> _undo;

    private Step(
        string description,
        StepChannel channel,
        NetNamespace namespaceName,
        string? table,
        IReadOnlyList<string> arguments,
        CommandLine command,
        Lazy<(IReadOnlyList<CommandLine> Commands, string? Loses)> undo,
        Func<KernelState, bool>? isDone)
    {
        Description = description;
        Channel = channel;
        Namespace = namespaceName;
        Table = table;
        Arguments = arguments;
        Command = command;
        _undo = undo;
        IsDone = isDone;
    }


    /// <summary>Gets what the step does, in words.</summary>
    public string Description { get; }

    /// <summary>Gets how the step reaches the kernel.</summary>
    public StepChannel Channel { get; }

    /// <summary>Gets the namespace the step acts in.</summary>
    public NetNamespace Namespace { get; }

    /// <summary>Gets the iptables table of a firewall step.</summary>
    public string? Table { get; }

    /// <summary>Gets the channel-level arguments: after <c>ip</c>, after <c>iptables -t TABLE</c>, or after the program.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Gets the command that makes the change on its own.</summary>
    public CommandLine Command { get; }

    /// <summary>Gets the commands that reverse it, in order; empty when the step needs no undo.</summary>
    public IReadOnlyList<CommandLine> Undo => _undo.Value.Commands;

    /// <summary>
    /// Gets a value indicating whether the undo is still to be worked out from the kernel's state
    /// (<see cref="WithUndo(Func{ValueTuple{IReadOnlyList{CommandLine}, string}})"/>). The executor works it out
    /// just before the step runs, while the state is as it was.
    /// </summary>
    public bool UndoPending => !_undo.IsValueCreated;

    /// <summary>Gets the first undo command, or null when there is none.</summary>
    public CommandLine? UndoCommand => Undo.Count > 0 ? Undo[0] : null;

    /// <summary>Gets the test that tells the change is already in place; null means always run.</summary>
    public Func<KernelState, bool>? IsDone { get; }

    /// <summary>Creates an <c>ip</c> step.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="arguments">The arguments after <c>ip</c>.</param>
    /// <param name="undo">The arguments after <c>ip</c> that reverse it, or null.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step Link(string description, NetNamespace namespaceName, string[] arguments, string[]? undo, Func<KernelState, bool>? isDone) =>
        new(
            description,
            StepChannel.Link,
            namespaceName,
            null,
            arguments,
            NetworkHost.IpIn(namespaceName, arguments),
            Fixed(undo is null ? Array.Empty<CommandLine>() : new[] { NetworkHost.IpIn(namespaceName, undo) }),
            isDone);

    /// <summary>Creates an iptables step.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="table">The table: filter, nat, mangle or raw.</param>
    /// <param name="arguments">The rule change, such as <c>-A CHAIN …</c>.</param>
    /// <param name="undo">The rule change that reverses it, or null.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step Firewall(string description, NetNamespace namespaceName, string table, string[] arguments, string[]? undo, Func<KernelState, bool>? isDone) =>
        Rules(StepChannel.Firewall, "iptables", description, namespaceName, table, arguments, undo, isDone);

    /// <summary>Creates an ip6tables step.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="namespaceName">The namespace (null: the process's own).</param>
    /// <param name="table">The table: filter, mangle or raw.</param>
    /// <param name="arguments">The rule change, such as <c>-A CHAIN …</c>.</param>
    /// <param name="undo">The rule change that reverses it, or null.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step Firewall6(string description, NetNamespace namespaceName, string table, string[] arguments, string[]? undo, Func<KernelState, bool>? isDone) =>
        Rules(StepChannel.Firewall6, "ip6tables", description, namespaceName, table, arguments, undo, isDone);

    /// <summary>Creates a step that runs a program.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="command">The command.</param>
    /// <param name="undo">The command that reverses it, or null.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step Program(string description, CommandLine command, CommandLine? undo, Func<KernelState, bool>? isDone) =>
        ProgramWithUndo(description, command, undo is null ? Array.Empty<CommandLine>() : new[] { undo }, isDone);

    /// <summary>Creates a step that runs a program and takes several commands to reverse.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="command">The command.</param>
    /// <param name="undo">The commands that reverse it, in the order they run.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step ProgramWithUndo(string description, CommandLine command, IReadOnlyList<CommandLine> undo, Func<KernelState, bool>? isDone)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(undo);
        return new(description, StepChannel.Program, null, null, command.Arguments, command, Fixed(undo), isDone);
    }

    /// <summary>
    /// Gets what to tell the user when the step fails, if its failure is tolerated: the plan goes
    /// on and the failure is reported as a warning. Null for a step whose failure fails the plan.
    /// </summary>
    public string? WhenFailing { get; private init; }

    /// <summary>
    /// Gets the typed operation the step was made from (an <c>IpOperation</c> or <c>RuleOperation</c>),
    /// or null for a step written as a command line. A backend that does not run command lines (netlink)
    /// runs the operation; -WhatIf and -Verbose show <see cref="Command"/> either way.
    /// </summary>
    public object? Operation { get; private init; }

    /// <summary>Returns a copy of this step that carries the typed operation it was made from.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>The step.</returns>
    public Step Carrying(object operation) =>
        new(Description, Channel, Namespace, Table, Arguments, Command, _undo, IsDone) { WhenFailing = WhenFailing, Operation = operation, StandardInput = StandardInput };

    /// <summary>Returns a copy of this step whose failure is tolerated and reported with the given text.</summary>
    /// <param name="warning">What to tell the user when it fails.</param>
    /// <returns>The step.</returns>
    public Step Tolerating(string warning) =>
        new(Description, Channel, Namespace, Table, Arguments, Command, _undo, IsDone) { WhenFailing = warning, Operation = Operation, StandardInput = StandardInput };

    /// <summary>
    /// Gets what the undo cannot give back, when undoing the step cannot make things exactly as they
    /// were (a process stopped, a file's content); null when the undo is exact. A rollback that undoes
    /// such a step says so in its error.
    /// </summary>
    public string? UndoLoses => _undo.Value.Loses;

    /// <summary>
    /// Returns a copy of this step with other undo commands: teardown steps take several to put back
    /// what they remove (a veth: both ends with their addresses, aliases, master, state and routes).
    /// </summary>
    /// <param name="undo">The commands that reverse the step, in the order they run.</param>
    /// <param name="loses">What the undo cannot give back, or null when it is exact.</param>
    /// <returns>The step.</returns>
    public Step WithUndo(IReadOnlyList<CommandLine> undo, string? loses = null)
    {
        ArgumentNullException.ThrowIfNull(undo);
        return new(Description, Channel, Namespace, Table, Arguments, Command, Fixed(undo, loses), IsDone) { WhenFailing = WhenFailing, Operation = Operation, StandardInput = StandardInput };
    }

    /// <summary>
    /// Returns a copy of this step whose undo is worked out only when it may be needed: putting back
    /// what a deletion removes can take reads of the state (the inside of an appliance) that cost a
    /// process each, and a deletion that is the plan's last, atomic, operation never needs them.
    /// </summary>
    /// <param name="undo">Works out the commands that reverse the step, from the state before it runs, and what they cannot give back (null when exact).</param>
    /// <returns>The step.</returns>
    public Step WithUndo(Func<(IReadOnlyList<CommandLine> Commands, string? Loses)> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        return new(Description, Channel, Namespace, Table, Arguments, Command, new Lazy<(IReadOnlyList<CommandLine> Commands, string? Loses)>(undo), IsDone) { WhenFailing = WhenFailing, Operation = Operation, StandardInput = StandardInput };
    }

    /// <summary>
    /// Gets the text a program step reads on its standard input (a file's content written with
    /// <c>install … /dev/stdin PATH</c>), or null when it reads none.
    /// </summary>
    public string? StandardInput { get; private init; }

    /// <summary>Gets the command as -WhatIf and -Verbose show it: with the text it reads, as a here-document.</summary>
    public string Shown => StandardInput is null ? Command.ToString() : $"{Command} <<'EOF'{Environment.NewLine}{StandardInput.TrimEnd('\n')}{Environment.NewLine}EOF";

    /// <summary>Creates a step that writes a file, root-only (0600), with the given content; its undo deletes it.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="path">The file.</param>
    /// <param name="content">Its content.</param>
    /// <param name="isDone">Tells that it is already in place.</param>
    /// <returns>The step.</returns>
    public static Step WriteFile(string description, string path, string content, Func<KernelState, bool>? isDone)
    {
        var command = new CommandLine("install", "-m", "0600", "/dev/stdin", path);
        return new(description, StepChannel.Program, null, null, command.Arguments, command, Fixed(new[] { new CommandLine("rm", "-f", "--", path) }), isDone) { StandardInput = content };
    }

    /// <inheritdoc />
    public override string ToString() => Command.ToString();

    private static Step Rules(StepChannel channel, string program, string description, NetNamespace namespaceName, string table, string[] arguments, string[]? undo, Func<KernelState, bool>? isDone) =>
        new(
            description,
            channel,
            namespaceName,
            table,
            arguments,
            NetworkHost.ExecIn(namespaceName, program, new[] { "-w", "-t", table }.Concat(arguments)),
            Fixed(undo is null ? Array.Empty<CommandLine>() : new[] { NetworkHost.ExecIn(namespaceName, program, new[] { "-w", "-t", table }.Concat(undo)) }),
            isDone);

    private static Lazy<(IReadOnlyList<CommandLine> Commands, string? Loses)> Fixed(IReadOnlyList<CommandLine> undo, string? loses = null) => new((undo, loses));
}
