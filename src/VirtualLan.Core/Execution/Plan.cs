namespace VirtualLan.Execution;

/// <summary>An ordered list of steps that together make one change a cmdlet was asked for.</summary>
public sealed class Plan
{
    /// <summary>Initializes a new instance of the <see cref="Plan"/> class.</summary>
    /// <param name="title">What the plan does, for confirmation prompts.</param>
    /// <param name="scope">What it acts on, for confirmation prompts and errors.</param>
    /// <param name="steps">The steps in the order they run.</param>
    /// <param name="recovery">What to tell the user to do by hand if the plan fails and cannot be undone, or null.</param>
    public Plan(string title, string scope, IEnumerable<Step> steps, string? recovery = null)
    {
        Title = title;
        Scope = scope;
        Steps = steps.ToArray();
        Recovery = recovery;
    }

    /// <summary>Gets what to do by hand if the plan fails and cannot be undone, or null.</summary>
    public string? Recovery { get; }

    /// <summary>Gets what the plan does.</summary>
    public string Title { get; }

    /// <summary>Gets what it acts on.</summary>
    public string Scope { get; }

    /// <summary>Gets the steps.</summary>
    public IReadOnlyList<Step> Steps { get; }

    /// <summary>
    /// Gets what the user should know before the plan runs (such as containers that lose their
    /// default route); written as warnings when the plan is confirmed or previewed with -WhatIf.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>Gets the processes the plan ends (Exit-VlanSandbox kills them last), which the caller may wait for.</summary>
    public IReadOnlyList<VirtualLan.Linux.ProcessIdentity> Stopping { get; init; } = Array.Empty<VirtualLan.Linux.ProcessIdentity>();

    /// <summary>The same plan without some of its steps (those an earlier plan of a staged run puts in place).</summary>
    /// <param name="leave">Tells which steps to leave out.</param>
    /// <returns>The plan; this one when no step is left out.</returns>
    public Plan Without(Func<Step, bool> leave)
    {
        ArgumentNullException.ThrowIfNull(leave);
        return Steps.Any(leave)
            ? new Plan(Title, Scope, Steps.Where(s => !leave(s)), Recovery) { Warnings = Warnings, Stopping = Stopping }
            : this;
    }
}

/// <summary>What applying a plan did.</summary>
/// <param name="Applied">The steps that ran.</param>
/// <param name="Skipped">The steps skipped because their change was already in place.</param>
/// <param name="ProcessesStarted">How many processes the apply started.</param>
/// <param name="Warnings">The tolerated failures, as texts for the user.</param>
public sealed record ExecutionReport(IReadOnlyList<Step> Applied, IReadOnlyList<Step> Skipped, int ProcessesStarted, IReadOnlyList<string> Warnings);
