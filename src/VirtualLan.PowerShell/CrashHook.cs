using System.Globalization;
using VirtualLan.Execution;

namespace VirtualLan;

/// <summary>
/// The crash tests' hook: with <c>VIRTUALLAN_TEST_KILL_AFTER=N</c> the process kills itself with
/// SIGKILL right after the Nth command its plans ran, so a test can stop a runbook after every step
/// without racing it. It can never cut off a real host: it is honoured only while the session works
/// in a sandbox SANDBOX, and only when the file <c>/run/virtuallan-test-kill.SANDBOX</c> exists (a
/// regular file; /run is writable by root alone), which the test makes and deletes.
/// </summary>
internal static class CrashHook
{
    /// <summary>The environment variable that names after how many commands to die.</summary>
    public const string Variable = "VIRTUALLAN_TEST_KILL_AFTER";

    private static int _commands;

    /// <summary>The file that must exist for the hook to fire in a sandbox.</summary>
    /// <param name="sandbox">The sandbox.</param>
    /// <returns>The path.</returns>
    public static string ArmingFile(string sandbox) => $"/run/virtuallan-test-kill.{sandbox}";

    /// <summary>Installs the hook on a system's executor when the variable is set.</summary>
    /// <param name="system">The system.</param>
    /// <returns>The same system.</returns>
    public static VlanSystem Arm(VlanSystem system)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var after) && after > 0)
        {
            system.Executor.AfterCommand = () =>
            {
                if (Interlocked.Increment(ref _commands) == after && IsArmed(ModuleSession.CurrentSandbox))
                {
                    // Process.Kill sends SIGKILL on Linux: no finally block, no cleanup, as in a real crash.
                    using var self = System.Diagnostics.Process.GetCurrentProcess();
                    self.Kill();
                }
            };
        }

        return system;
    }

    private static bool IsArmed(string? sandbox)
    {
        if (sandbox is null)
        {
            return false;
        }

        var file = new FileInfo(ArmingFile(sandbox));
        return file.Exists && file.LinkTarget is null;
    }
}
