using System.Text;
using VirtualLan.Execution;

namespace VirtualLan.Diagrams;

/// <summary>The forms a diagram of a topology takes.</summary>
public enum DiagramFormat
{
    /// <summary>A Mermaid flowchart: text for Markdown.</summary>
    Mermaid,

    /// <summary>Graphviz's DOT language: text.</summary>
    Dot,

    /// <summary>An SVG drawing rendered by Graphviz's dot.</summary>
    Svg,

    /// <summary>A PNG image rendered by Graphviz's dot.</summary>
    Png,
}

/// <summary>Draws a topology in a format, as text or into a file; the images are rendered by Graphviz's dot.</summary>
public static class Diagram
{
    /// <summary>The program that renders DOT into images (Debian package graphviz).</summary>
    public const string Dot = "dot";

    /// <summary>Gets a value indicating whether a format is text (Mermaid, DOT) rather than an image.</summary>
    /// <param name="format">The format.</param>
    /// <returns>True for text.</returns>
    public static bool IsText(DiagramFormat format) => format is DiagramFormat.Mermaid or DiagramFormat.Dot;

    /// <summary>The format a file's extension names: .mmd/.md Mermaid, .dot/.gv DOT, .svg, .png; null for any other.</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The format, or null.</returns>
    public static DiagramFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mmd" or ".mermaid" or ".md" => DiagramFormat.Mermaid,
        ".dot" or ".gv" => DiagramFormat.Dot,
        ".svg" => DiagramFormat.Svg,
        ".png" => DiagramFormat.Png,
        _ => null,
    };

    /// <summary>Draws a topology as text.</summary>
    /// <param name="topology">The topology.</param>
    /// <param name="format">Mermaid or Dot.</param>
    /// <returns>The text.</returns>
    public static string Text(Topology topology, DiagramFormat format) => format switch
    {
        DiagramFormat.Mermaid => MermaidDiagram.Render(topology),
        DiagramFormat.Dot => DotDiagram.Render(topology),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Only Mermaid and DOT are text."),
    };

    /// <summary>
    /// Writes a topology's diagram into a file. It is written next to the file under a temporary
    /// name and moved over it only once complete, so a failure leaves no partial file and the old
    /// file, if any, as it was.
    /// </summary>
    /// <param name="topology">The topology.</param>
    /// <param name="format">The format.</param>
    /// <param name="path">The file's full path.</param>
    /// <param name="runner">Runs dot, for SVG and PNG.</param>
    /// <param name="cancellationToken">Stops the rendering.</param>
    /// <exception cref="VlanException">dot is not installed (ToolNotInstalled) or failed (DiagramRenderFailed).</exception>
    public static void Write(Topology topology, DiagramFormat format, string path, ICommandRunner runner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = Path.GetDirectoryName(path) ?? ".";
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            if (IsText(format))
            {
                File.WriteAllText(temporary, Text(topology, format), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
            else
            {
                var type = format.ToString().ToLowerInvariant();
                var result = runner.Run(new CommandLine(Dot, "-T" + type, "-o", temporary), DotDiagram.Render(topology), cancellationToken);
                if (!result.Succeeded || !File.Exists(temporary))
                {
                    throw new VlanException(
                        ErrorIds.DiagramRenderFailed,
                        VlanErrorKind.CommandFailed,
                        path,
                        $"Graphviz's dot could not render the {type.ToUpperInvariant()} (exit code {result.ExitCode}): {result.StandardError.Trim()} Export the DOT text with -Format Dot to see what it was given.");
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VlanException(ErrorIds.DiagramRenderFailed, VlanErrorKind.InvalidOperation, path, $"The diagram could not be written to '{path}': {e.Message}", e);
        }
        finally
        {
            // File.Delete throws when the folder is missing, which would hide the error above.
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
