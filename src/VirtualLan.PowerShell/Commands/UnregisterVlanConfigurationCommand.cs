using System.Management.Automation;
using VirtualLan.Configuration;
using VirtualLan.Execution;

namespace VirtualLan.Commands;

/// <summary>Removes the systemd units Register-VlanConfiguration installed; the LAN itself stays as it is.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "VlanConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class UnregisterVlanConfigurationCommand : VlanCmdlet
{
    /// <summary>Gets or sets the folder the units are in; systemd's is /etc/systemd/system.</summary>
    [Parameter]
    public string UnitDirectory { get; set; } = SystemdUnits.DefaultDirectory;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Unregister-VlanConfiguration");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var folder = ConfigurationFile.Resolve(this, UnitDirectory);
            var removed = false;
            foreach (var (unit, wantedBy) in SystemdUnits.Units)
            {
                var file = System.IO.Path.Combine(folder, unit);
                var link = System.IO.Path.Combine(folder, wantedBy + ".wants", unit);
                var found = new[] { link, file }.Where(f => File.Exists(f) || new FileInfo(f).LinkTarget is not null).ToArray();
                if (found.Length == 0 || !ShouldProcess(string.Join(", ", found), "Remove the systemd unit"))
                {
                    continue;
                }

                RegisterVlanConfigurationCommand.Write(() =>
                {
                    foreach (var path in found)
                    {
                        File.Delete(path);
                    }

                    var wants = System.IO.Path.GetDirectoryName(link)!;
                    if (Directory.Exists(wants) && !Directory.EnumerateFileSystemEntries(wants).Any())
                    {
                        Directory.Delete(wants);
                    }
                });
                removed = true;
            }

            if (removed)
            {
                Reload(this, folder);
            }
        });
    }

    /// <summary>Makes systemd read its units again, when the units went to its own folder and systemd runs.</summary>
    /// <param name="cmdlet">The cmdlet, for -WhatIf and verbose output.</param>
    /// <param name="folder">The folder the units went to.</param>
    internal static void Reload(VlanCmdlet cmdlet, string folder)
    {
        if (folder.TrimEnd('/') != SystemdUnits.DefaultDirectory || !Directory.Exists("/run/systemd/system"))
        {
            return;
        }

        var reload = new CommandLine("systemctl", "daemon-reload");
        if (!cmdlet.ShouldProcess(reload.ToString(), "Run"))
        {
            return;
        }

        cmdlet.WriteVerbose(reload.ToString());
        var result = Runtime.Runner.Run(reload, null, CancellationToken.None);
        if (!result.Succeeded)
        {
            cmdlet.WriteWarning($"'{reload}' failed ({result.StandardError.Trim()}); run it by hand so systemd sees the change.");
        }
    }
}
