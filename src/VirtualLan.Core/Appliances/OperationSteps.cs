using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Operations;

namespace VirtualLan.Appliances;

/// <summary>
/// Steps of operations whose undo or "already done" test the appliance planner knows better than
/// the operation alone: no undo where deleting the appliance's link undoes it anyway, a test that
/// accepts what the kind accepts (a container's own default route), a rule put back at its position.
/// The step still carries the operation.
/// </summary>
internal static class OperationSteps
{
    /// <summary>The step of an ip operation with the given undo and test.</summary>
    public static Step Shaped(this IpOperation operation, string description, IReadOnlyList<string>? undo, Func<KernelState, bool>? isDone) =>
        Step.Link(description, operation.Namespace, operation.Arguments.ToArray(), undo?.ToArray(), isDone).Carrying(operation);

    /// <summary>The step of an ip operation with no undo of its own.</summary>
    public static Step WithoutUndo(this IpOperation operation, string description) =>
        operation.Shaped(description, null, operation.IsDone);

    /// <summary>The step of an ip operation with its own undo and the given test.</summary>
    public static Step Testing(this IpOperation operation, string description, Func<KernelState, bool>? isDone) =>
        operation.Shaped(description, operation.Undo?.Arguments, isDone);

    /// <summary>The step of an ip operation that runs as a command of its own, not in a batch.</summary>
    public static Step AsProgram(this IpOperation operation, string description, IReadOnlyList<CommandLine> undo, Func<KernelState, bool>? isDone) =>
        Step.ProgramWithUndo(description, operation.Command, undo, isDone).Carrying(operation);

    /// <summary>The step of a rule operation with the given undo and test.</summary>
    public static Step Shaped(this RuleOperation operation, string description, IReadOnlyList<string>? undo, Func<KernelState, bool>? isDone) =>
        Step.Firewall(description, operation.Namespace, operation.Table, operation.Arguments.ToArray(), undo?.ToArray(), isDone).Carrying(operation);
}
