using System.Management.Automation;
using VirtualLan.Configuration;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>
/// Tells whether the live LAN matches a configuration document, with one drift object per
/// difference: what, expected, actual. Nothing is changed.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "VlanConfiguration")]
[OutputType(typeof(ConfigurationTestResult), typeof(bool))]
public sealed class TestVlanConfigurationCommand : VlanCmdlet
{
    /// <summary>Gets or sets the document.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether what the module owns and the document does not name counts as drift (what Sync-VlanConfiguration -Prune removes).</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    /// <summary>Gets or sets a value indicating whether only $true or $false is written.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var (full, document) = ConfigurationFile.Read(this, Path);
            var docker = new Docker(Runtime.Runner);
            var sync = new LanSync(LanHost, Runtime.Tools.Find, Runtime.Exists, docker);
            var state = Runtime.ReadState();
            var live = new LanDocumentReader(LanHost, HostReaders.For(LanHost, docker)).Read(state);
            var items = Enumerable.Range(0, LanSync.StageCount).SelectMany(stage => sync.PlanStage(stage, document, Prune, state)).ToArray();
            var result = new ConfigurationTestResult
            {
                Path = full,
                Drift = LanDrift.Compare(document, live, items, state, Prune),
                NotRunning = items.Where(i => i.Absent).Select(i => i.What).ToArray(),
            };
            WriteObject(Quiet ? result.InDesiredState : result);
        });
    }
}
