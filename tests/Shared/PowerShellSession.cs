using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Security;
using VirtualLan.Commands;
using VirtualLan.Execution;

namespace VirtualLan.Tests;

/// <summary>
/// A real PowerShell engine in the test process, with the module's cmdlets, a host that records
/// what -WhatIf prints, and optionally its own command runner.
/// </summary>
internal sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    private PowerShellSession(Runspace runspace, RecordingHost host)
    {
        _runspace = runspace;
        Host = host;
    }

    public RecordingHost Host { get; }

    public Guid RunspaceId => _runspace.InstanceId;

    /// <summary>Gets the runspace, for tests that drive a pipeline themselves (to stop it, say).</summary>
    public Runspace Runspace => _runspace;

    /// <summary>Opens a session with every cmdlet of the module registered, as InitialSessionState entries.</summary>
    public static PowerShellSession Open(VlanSystem? system = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        foreach (var type in CmdletTypes())
        {
            var attribute = type.GetCustomAttribute<CmdletAttribute>()!;
            iss.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
        }

        return OpenWith(iss, system);
    }

    /// <summary>Opens a session that imports the built module from its manifest, as a user would.</summary>
    public static PowerShellSession OpenWithManifest()
    {
        var session = OpenWith(InitialSessionState.CreateDefault2(), null);
        session.Invoke("Import-Module -Name $args[0] -ErrorAction Stop", ManifestPath);
        return session;
    }

    public static string ManifestPath => Path.Combine(AppContext.BaseDirectory, "VirtualLan.psd1");

    public static IReadOnlyList<Type> CmdletTypes() =>
        typeof(NewVlanBridgeCommand).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

    public Collection<PSObject> Invoke(string script, params object[] arguments)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var argument in arguments)
        {
            ps.AddArgument(argument);
        }

        var output = ps.Invoke();
        Errors = ps.Streams.Error.ToArray();
        Verbose = ps.Streams.Verbose.Select(v => v.Message).ToArray();
        Warnings = ps.Streams.Warning.Select(v => v.Message).ToArray();
        Progress = ps.Streams.Progress.ToArray();
        return output;
    }

    /// <summary>
    /// Runs a script that must fail, and returns its ErrorRecord: the exception's when the failure
    /// stopped the script, else the one record in the error stream (a cmdlet's terminating error
    /// ends only its statement, so a script goes on and the record lands there).
    /// </summary>
    public ErrorRecord InvokeFailing(string script, params object[] arguments)
    {
        try
        {
            Invoke(script + " -ErrorAction Stop", arguments);
        }
        catch (RuntimeException e)
        {
            return e.ErrorRecord;
        }

        return Errors.Count == 1 ? Errors[0] : throw new InvalidOperationException($"'{script}' wrote {Errors.Count} errors, not one.");
    }

    public IReadOnlyList<ErrorRecord> Errors { get; private set; } = Array.Empty<ErrorRecord>();

    public IReadOnlyList<string> Verbose { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<string> Warnings { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<ProgressRecord> Progress { get; private set; } = Array.Empty<ProgressRecord>();

    public void Dispose()
    {
        ModuleSession.UseSystem(_runspace.InstanceId, null);
        _runspace.Dispose();
    }

    private static PowerShellSession OpenWith(InitialSessionState iss, VlanSystem? system)
    {
        var host = new RecordingHost();
        var runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        if (system is not null)
        {
            ModuleSession.UseSystem(runspace.InstanceId, system);
        }

        return new PowerShellSession(runspace, host);
    }
}

/// <summary>A PowerShell host that keeps every line written to it (where -WhatIf writes) and answers no prompt.</summary>
internal sealed class RecordingHost : PSHost
{
    private readonly RecordingUserInterface _ui = new();

    public IReadOnlyList<string> Lines => _ui.Lines;

    /// <summary>Gets the confirmation prompts shown; each was answered "No".</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts;

    public void Clear() => _ui.Lines.Clear();

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override string Name => "VirtualLanTestHost";

    public override PSHostUserInterface UI => _ui;

    public override Version Version => new(1, 0);

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed class RecordingUserInterface : PSHostUserInterface
    {
        public List<string> Lines { get; } = new();

        public List<string> Prompts { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("Tests answer no prompts: pass -Confirm:$false.");

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(message);
            var no = choices.ToList().FindIndex(c => c.Label.Replace("&", string.Empty, StringComparison.Ordinal) == "No");
            return no >= 0 ? no : throw new NotSupportedException("No 'No' choice in the prompt: " + message);
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException();

        public override string ReadLine() => throw new NotSupportedException();

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override void Write(string value) => Lines.Add(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);

        public override void WriteLine(string value) => Lines.Add(value);

        public override void WriteDebugLine(string message) => Lines.Add("DEBUG: " + message);

        public override void WriteErrorLine(string value) => Lines.Add("ERROR: " + value);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => Lines.Add("VERBOSE: " + message);

        public override void WriteWarningLine(string message) => Lines.Add("WARNING: " + message);
    }
}
