using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VirtualLan.Execution;

namespace VirtualLan.Tests;

/// <summary>
/// Points VirtualLan's host lock at a folder of this test run (inherited by the processes it
/// starts, such as RunbookHost), so that test runs side by side neither share the machine's lock in
/// /run/virtuallan nor leave that folder behind. The folder goes when the run ends.
/// </summary>
internal static class TestLockFolder
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: every test must see the folder before any cmdlet runs.")]
    internal static void PointTheLockAtThisRun()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(HostLock.FolderVariable)))
        {
            return;
        }

        var folder = Path.Combine(Path.GetTempPath(), "virtuallan-test-lock-" + Environment.ProcessId);
        Environment.SetEnvironmentVariable(HostLock.FolderVariable, folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        };
    }
}
