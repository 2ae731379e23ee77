using System.Management.Automation;
using VirtualLan.Configuration;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>
/// Writes the live LAN as one configuration document: every bridge, router, host NAT, appliance and
/// port forward the module owns, as a user would declare them, in a stable order.
/// </summary>
[Cmdlet(VerbsData.Export, "VlanConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportVlanConfigurationCommand : VlanCmdlet
{
    /// <summary>Gets or sets the file to write; without it the document is written to the pipeline as one string.</summary>
    [Parameter(Position = 0)]
    public string? Path { get; set; }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        Guard(
            () =>
            {
                var state = Runtime.ReadState();
                var text = LanDocumentJson.Write(new LanDocumentReader(LanHost, HostReaders.For(LanHost, new Docker(Runtime.Runner))).Read(state));
                if (Path is null)
                {
                    WriteObject(text);
                    return;
                }

                var full = ConfigurationFile.Resolve(this, Path);
                if (ShouldProcess(full, "Write the LAN's configuration"))
                {
                    try
                    {
                        File.WriteAllText(full, text);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new VlanException(ErrorIds.ConfigurationPathInvalid, VlanErrorKind.InvalidArgument, Path, $"The configuration cannot be written to '{full}': {e.Message}", e);
                    }
                }
            },
            terminating: true);
    }
}
