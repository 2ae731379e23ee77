using System.Management.Automation;
using System.Management.Automation.Runspaces;

// Runs a runbook in a process of its own, as pwsh would, so that a test can kill it half-way:
//   RunbookHost SANDBOX SCRIPTFILE
// The module is imported from the manifest beside this program; the runbook runs in the sandbox.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: RunbookHost SANDBOX SCRIPTFILE");
    return 2;
}

var iss = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(iss);
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop; Enter-VlanSandbox -Name $args[1] | Out-Null; . $args[2]")
    .AddArgument(Path.Combine(AppContext.BaseDirectory, "VirtualLan.psd1"))
    .AddArgument(args[0])
    .AddArgument(args[1]);
ps.Invoke();
foreach (var error in ps.Streams.Error)
{
    Console.Error.WriteLine(error);
}

return ps.HadErrors ? 1 : 0;
