using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan;

/// <summary>
/// What the module remembers per PowerShell session: the sandbox entered, if any. Everything
/// else is read from the kernel on every call, so a new session sees what an earlier one built.
/// </summary>
internal static class ModuleSession
{
    /// <summary>The environment variable that puts every session of a process in a sandbox until it enters another.</summary>
    public const string SandboxVariable = "VIRTUALLAN_SANDBOX";

    private static readonly ConcurrentDictionary<Guid, string> Sandboxes = new();
    private static readonly ConcurrentDictionary<Guid, VlanSystem> Systems = new();
    private static readonly object Gate = new();
    private static VlanSystem? _default;

    /// <summary>
    /// Gets the system the cmdlets of the current session run on. The process's default is made on
    /// first use and kept once made; a failure (VIRTUALLAN_BACKEND naming no backend) is not kept,
    /// so the next command, after the variable is fixed, makes it.
    /// </summary>
    /// <exception cref="VlanRecordException">The default system cannot be made; it carries the ErrorRecord.</exception>
    public static VlanSystem System => Systems.TryGetValue(SessionId, out var system) ? system : Default();

    /// <summary>Gets the namespace that plays the host for the current session.</summary>
    public static NetworkHost Host
    {
        get
        {
            var sandbox = CurrentSandbox;
            return sandbox is null ? NetworkHost.Machine : NetworkHost.InSandbox(sandbox);
        }
    }

    /// <summary>Gets the sandbox of the current session: the one entered, else the one named by VIRTUALLAN_SANDBOX.</summary>
    public static string? CurrentSandbox
    {
        get
        {
            if (Sandboxes.TryGetValue(SessionId, out var name))
            {
                return name.Length == 0 ? null : name;
            }

            var inherited = Environment.GetEnvironmentVariable(SandboxVariable);
            return string.IsNullOrEmpty(inherited) ? null : inherited;
        }
    }

    private static VlanSystem Default() => Volatile.Read(ref _default) ?? MakeDefault();

    private static VlanSystem MakeDefault()
    {
        lock (Gate)
        {
            try
            {
                return _default ??= CrashHook.Arm(VlanSystem.CreateDefault());
            }
            catch (VlanException e)
            {
                throw new VlanRecordException(e);
            }
        }
    }

    private static Guid SessionId => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    /// <summary>
    /// Makes one session run on another system: tests give a runspace a runner that counts
    /// commands or makes a chosen one fail, without touching other sessions.
    /// </summary>
    /// <param name="runspaceId">The runspace's InstanceId.</param>
    /// <param name="system">The system, or null to return to the default.</param>
    public static void UseSystem(Guid runspaceId, VlanSystem? system)
    {
        if (system is null)
        {
            Systems.TryRemove(runspaceId, out _);
        }
        else
        {
            Systems[runspaceId] = system;
        }
    }

    /// <summary>Makes a sandbox the host of the current session.</summary>
    /// <param name="name">The sandbox name.</param>
    public static void Enter(string name) => Sandboxes[SessionId] = name;

    /// <summary>Returns the current session to the machine's own namespace.</summary>
    /// <remarks>An empty entry, rather than none, keeps VIRTUALLAN_SANDBOX from applying again after an explicit exit.</remarks>
    public static void Exit() => Sandboxes[SessionId] = string.Empty;
}
