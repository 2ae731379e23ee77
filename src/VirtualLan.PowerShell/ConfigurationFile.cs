using System.Management.Automation;
using VirtualLan.Configuration;

namespace VirtualLan;

/// <summary>Reads a configuration document a cmdlet was given by path, checked before anything runs.</summary>
internal static class ConfigurationFile
{
    /// <summary>Resolves a path as PowerShell does (relative to the current location).</summary>
    /// <param name="cmdlet">The cmdlet.</param>
    /// <param name="path">The path given.</param>
    /// <returns>The absolute file system path.</returns>
    public static string Resolve(PSCmdlet cmdlet, string path) => cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Reads and checks a document.</summary>
    /// <param name="cmdlet">The cmdlet.</param>
    /// <param name="path">The path given.</param>
    /// <returns>The absolute path and the document.</returns>
    /// <exception cref="VlanException">The file cannot be read, or the document is not valid (with its JSON path).</exception>
    public static (string Path, LanDocument Document) Read(PSCmdlet cmdlet, string path)
    {
        var full = Resolve(cmdlet, path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VlanException(ErrorIds.ConfigurationPathInvalid, e is FileNotFoundException or DirectoryNotFoundException ? VlanErrorKind.ObjectNotFound : VlanErrorKind.InvalidArgument, path, $"The configuration '{full}' cannot be read: {e.Message} Write one with Export-VlanConfiguration -Path.", e);
        }

        return (full, LanDocumentJson.Read(text, full));
    }
}
