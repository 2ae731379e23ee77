using System.Management.Automation;
using VirtualLan.Diagrams;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Commands;

/// <summary>
/// Draws the LAN: Mermaid or DOT text to the pipeline or a file, or an SVG or PNG image rendered
/// by Graphviz's dot into a file. It draws a topology from the pipeline (Get-VlanTopology) or
/// reads the LAN itself.
/// </summary>
[Cmdlet(VerbsData.Export, "VlanDiagram", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class ExportVlanDiagramCommand : VlanCmdlet
{
    private readonly List<Topology> _topologies = new();
    private readonly List<object> _piped = new();

    /// <summary>Gets or sets the file to write; without it Mermaid and DOT text goes to the pipeline.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Gets or sets the format: Mermaid, Dot, Svg or Png. By default the one the extension of -Path names (.mmd/.md, .dot/.gv, .svg, .png), else Mermaid.</summary>
    [Parameter]
    public DiagramFormat? Format { get; set; }

    /// <summary>Gets or sets the bridges whose LANs to draw; every bridge VirtualLan made by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.BridgeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Bridge { get; set; }

    /// <summary>Gets or sets an object from the pipeline: a topology to draw, or a bridge, router, appliance, host NAT, port forward or bridge name (its LAN, read now).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Gets or sets a value indicating whether the file written is returned.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Gets or sets a configuration document (Export-VlanConfiguration) to draw instead of the live LAN: a LAN not built yet.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigurationPath { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        switch (PipedInput.Of(InputObject))
        {
            case Topology topology: _topologies.Add(topology); break;
            case { } piped: _piped.Add(piped); break;
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var format = Format ?? (Path is null ? null : Diagram.FormatOf(Path)) ?? DiagramFormat.Mermaid;
        Guard(
            () =>
            {
                if (Path is null && !Diagram.IsText(format))
                {
                    throw new VlanException(ErrorIds.DiagramNeedsPath, VlanErrorKind.InvalidArgument, format, $"A {format} diagram is an image, written to a file: give -Path, such as -Path lan.{format.ToString().ToLowerInvariant()}. Mermaid and DOT text go to the pipeline without it.");
                }

                var topology = ConfigurationPath is not null
                    ? Configuration.DocumentTopology.From(ConfigurationFile.Read(this, ConfigurationPath).Document, LanHost, Bridge)
                    : _topologies.Count > 0 && _piped.Count == 0 && Bridge is null ? Topology.Join(_topologies) : Read();
                if (Path is null)
                {
                    WriteObject(Diagram.Text(topology, format));
                    return;
                }

                var path = GetUnresolvedProviderPathFromPSPath(Path);
                if (ShouldProcess(path, $"Write the {format} diagram of {string.Join(", ", topology.Bridges.DefaultIfEmpty(topology.Host))}"))
                {
                    Diagram.Write(topology, format, path, Runtime.Runner, StopToken);
                    if (PassThru)
                    {
                        WriteObject(new FileInfo(path));
                    }
                }
            },
            terminating: true);
    }

    private Topology Read()
    {
        var state = Runtime.ReadState();
        var read = TopologyReader.For(LanHost, new Docker(Runtime.Runner)).Read(state, TopologyBridges.Of(_piped, Bridge, state, "Export-VlanDiagram"));
        return Topology.Join(_topologies.Append(read).ToArray());
    }
}
