using System.Management.Automation;

namespace VirtualLan.Tests;

/// <summary>Asks a session's PowerShell engine for completions, as a user's Tab does: through TabExpansion2.</summary>
internal static class Completion
{
    /// <summary>Completes a command line at its end and returns what PowerShell offers.</summary>
    public static IReadOnlyList<CompletionResult> Complete(this PowerShellSession session, string line)
    {
        var output = session.Invoke("TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length", line);
        var completion = (CommandCompletion)Assert.Single(output).BaseObject;
        return completion.CompletionMatches.ToArray();
    }

    /// <summary>Completes a command line and returns the completion texts only.</summary>
    public static IReadOnlyList<string> CompleteTexts(this PowerShellSession session, string line) =>
        session.Complete(line).Select(c => c.CompletionText).ToArray();
}
