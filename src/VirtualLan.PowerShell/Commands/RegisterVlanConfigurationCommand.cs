using System.Management.Automation;
using VirtualLan.Configuration;
using VirtualLan.Execution;

namespace VirtualLan.Commands;

/// <summary>
/// Installs the systemd units that sync the LAN to a document at boot, once the network is up,
/// and after every start of docker.service; -WhatIf shows the files.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "VlanConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class RegisterVlanConfigurationCommand : VlanCmdlet
{
    /// <summary>Gets or sets the document the units sync to.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets the folder the units go to; systemd's is /etc/systemd/system.</summary>
    [Parameter]
    public string UnitDirectory { get; set; } = SystemdUnits.DefaultDirectory;

    /// <inheritdoc />
    protected override void BeginProcessing() => DemandPrivilegesUnlessWhatIf("Register-VlanConfiguration");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var (full, _) = ConfigurationFile.Read(this, Path);
            var folder = ConfigurationFile.Resolve(this, UnitDirectory);
            var command = SystemdUnits.Command(PwshCommand(), ModuleManifest(), full);
            foreach (var (unit, wantedBy) in SystemdUnits.Units)
            {
                var file = System.IO.Path.Combine(folder, unit);
                var text = SystemdUnits.Unit(unit, command, full, LanHost.Sandbox);
                if (!ShouldProcess($"{file}:{Environment.NewLine}{text}", $"Write the systemd unit {file}?{Environment.NewLine}{text}", "Confirm"))
                {
                    continue;
                }

                Write(() =>
                {
                    Directory.CreateDirectory(folder);
                    File.WriteAllText(file, text);
                    var wants = System.IO.Path.Combine(folder, wantedBy + ".wants");
                    Directory.CreateDirectory(wants);
                    var link = System.IO.Path.Combine(wants, unit);
                    if (File.Exists(link) || new FileInfo(link).LinkTarget is not null)
                    {
                        File.Delete(link);
                    }

                    File.CreateSymbolicLink(link, file);
                });
                WriteObject(new FileInfo(file));
            }

            UnregisterVlanConfigurationCommand.Reload(this, folder);
        });
    }

    /// <summary>Runs a file system change and turns its failure into the module's error.</summary>
    /// <param name="change">The change.</param>
    internal static void Write(Action change)
    {
        try
        {
            change();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VlanException(ErrorIds.UnitPathInvalid, VlanErrorKind.InvalidOperation, null, $"The systemd units could not be written: {e.Message}", e);
        }
    }

    private string[] PwshCommand()
    {
        // pwsh as a .NET tool runs as dotnet with pwsh.dll in PSHOME; an installed pwsh is its own executable.
        var process = Environment.ProcessPath ?? string.Empty;
        var dll = System.IO.Path.Combine(SessionState.PSVariable.GetValue("PSHOME") as string ?? string.Empty, "pwsh.dll");
        return System.IO.Path.GetFileNameWithoutExtension(process) switch
        {
            "dotnet" when File.Exists(dll) => new[] { process, dll },
            "pwsh" => new[] { process },
            _ => throw new VlanException(ErrorIds.UnitPathInvalid, VlanErrorKind.InvalidOperation, process, $"Register-VlanConfiguration writes the pwsh that runs it into the units, and this process ({process}) is not pwsh. Run it from pwsh."),
        };
    }

    private static string ModuleManifest()
    {
        var folder = System.IO.Path.GetDirectoryName(typeof(RegisterVlanConfigurationCommand).Assembly.Location) ?? string.Empty;
        var manifest = System.IO.Path.Combine(folder, "VirtualLan.psd1");
        return File.Exists(manifest) ? manifest : typeof(RegisterVlanConfigurationCommand).Assembly.Location;
    }
}
