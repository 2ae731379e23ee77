using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VirtualLan.Execution;

namespace VirtualLan.Bench;

/// <summary>
/// (a) and (n) The module: one script in one runspace that imported the module from its manifest,
/// on the ip backend (a) or the netlink backend (n). The session's command runner is wrapped to
/// count the processes the module starts.
/// </summary>
internal sealed class CmdletWay : Way
{
    /// <summary>
    /// The build, as a user would write it: the bridge piped into the router, then every appliance
    /// given to one Connect-VlanAppliance and piped into one Add-VlanPortForward, whose external port
    /// is computed per appliance by a script block. Each of the two applies its whole input as one plan.
    /// </summary>
    public const string BuildScript = """
        param([int] $N, [string] $Uplink)
        $ErrorActionPreference = 'Stop'
        $null = New-VlanBridge | Add-VlanRouterNamespace -Uplink $Uplink -Confirm:$false
        $names = [string[]] (1..$N).ForEach({ "a$_" })
        $null = Connect-VlanAppliance -Namespace $names -Create -Confirm:$false |
            Add-VlanPortForward -ExternalPort { 10000 + [int] $_.Name.Substring(1) } -Confirm:$false
        """;

    /// <summary>The teardown: the bridge with everything on it, then the sandbox with what is left in it.</summary>
    public const string TeardownScript = """
        $ErrorActionPreference = 'Stop'
        Get-VlanBridge | Remove-VlanBridge -Recurse -Confirm:$false
        Exit-VlanSandbox -Force -Confirm:$false
        """;

    /// <summary>Reads the whole LAN back: every appliance, as a user lists them.</summary>
    public const string ReadScript = "@(Get-VlanAppliance).Count";

    /// <summary>How many times the read is timed after each build (the median is kept).</summary>
    private const int Reads = 3;

    private readonly string _manifest;
    private readonly bool _netlink;

    public CmdletWay(string manifest, bool netlink)
    {
        _manifest = manifest;
        _netlink = netlink;
    }

    public override string Key => _netlink ? "n" : "a";

    public override string Title => _netlink ? "cmdlets, netlink backend" : "cmdlets, ip backend (one script, one runspace)";

    /// <summary>Gets the time each fresh runspace took to import the module (the assembly loaded once per process).</summary>
    public List<TimeSpan> WarmImports { get; } = new();


    public override RunResult Run(int n)
    {
        var setup = new Shell();
        var runner = new CountingRunner(new ProcessRunner(new ToolLocator()));
        var system = NewSystem(runner);
        var sandbox = World.NewSandboxName();
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        try
        {
            var clock = Stopwatch.StartNew();
            Invoke(runspace, "Import-Module -Name $args[0] -ErrorAction Stop", _manifest);
            WarmImports.Add(clock.Elapsed);
            ModuleSession.UseSystem(runspace.InstanceId, system);

            Invoke(runspace, "$null = Enter-VlanSandbox -Name $args[0]", sandbox);
            World.Build(setup, sandbox);

            runner.Sandbox = sandbox;
            runner.Reset();
            clock.Restart();
            Invoke(runspace, BuildScript, n, Topology.Uplink);
            var buildTime = clock.Elapsed;
            var buildStats = runner.Snapshot();
            MustPing(setup, sandbox, n);

            // Get-VlanAppliance over the whole LAN, timed a few times (the first read of a session is
            // not special: every call reads the kernel afresh).
            var readTimes = new List<TimeSpan>();
            for (var i = 0; i < Reads; i++)
            {
                clock.Restart();
                var count = Invoke(runspace, ReadScript);
                readTimes.Add(clock.Elapsed);
                if (count.Count != 1 || (int)count[0].BaseObject != n)
                {
                    throw new BenchException($"({Key}) N={n}: Get-VlanAppliance listed {(count.Count == 1 ? count[0] : "nothing")} appliances, not {n}: the run is invalid.");
                }
            }

            runner.Reset();
            clock.Restart();
            Invoke(runspace, TeardownScript);
            var teardownTime = clock.Elapsed;
            var teardownStats = runner.Snapshot();
            MustBeGone(setup, sandbox, n);

            return new RunResult(buildTime, teardownTime, buildStats.Processes, teardownStats.Processes, buildStats, teardownStats, readTimes.Order().ElementAt(Reads / 2));
        }
        finally
        {
            ModuleSession.UseSystem(runspace.InstanceId, null);
            World.Remove(setup, sandbox);
        }
    }

    /// <summary>The session's system around the counting runner, on this way's backend.</summary>
    private VlanSystem NewSystem(ICommandRunner runner) =>
        new(runner, () => File.ReadAllText("/proc/self/status"), batch: true, backend: _netlink ? VlanBackend.Netlink : VlanBackend.Ip);

    /// <summary>Runs a script; any error, terminating or not, makes the run invalid.</summary>
    private static Collection<PSObject> Invoke(Runspace runspace, string script, params object[] arguments)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        foreach (var argument in arguments)
        {
            ps.AddArgument(argument);
        }

        try
        {
            var output = ps.Invoke();
            if (ps.Streams.Error.Count > 0)
            {
                throw new BenchException($"'{FirstLine(script)}' wrote an error: {ps.Streams.Error[0]} ({ps.Streams.Error[0].FullyQualifiedErrorId})");
            }

            return output;
        }
        catch (RuntimeException e)
        {
            throw new BenchException($"'{FirstLine(script)}' failed: {e.ErrorRecord} ({e.ErrorRecord.FullyQualifiedErrorId})", e);
        }
    }

    private static string FirstLine(string script) =>
        script.Split('\n').Select(l => l.Trim()).First(l => l.Length > 0 && !l.StartsWith("param", StringComparison.Ordinal) && !l.StartsWith("$ErrorActionPreference", StringComparison.Ordinal));
}
