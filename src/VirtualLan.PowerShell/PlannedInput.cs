using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan;

/// <summary>One input of a cmdlet, planned: its plan, and what to write once the plan is in place.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Result">
/// Makes the object to write from the state after the apply (which reads the kernel again when
/// asked), or returns the object planned; null when the cmdlet writes nothing.
/// </param>
internal sealed record PlannedInput(Plan Plan, Func<KernelState, object?>? Result = null);
