using VirtualLan.HelpGen;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Holds sample help pages and small helpers shared by the help generator tests.
/// </summary>
public static class HelpSamples
{
    /// <summary>The file name the full sample must be parsed under.</summary>
    public const string FullPagePath = "New-VlanBridge.md";

    /// <summary>
    /// The page of <see cref="SampleNewBridgeCommand"/>: every section, a default value, and
    /// the parameters in another order than the syntax shows them.
    /// </summary>
    public const string FullPage = """
        # New-VlanBridge

        ## Synopsis
        Creates a Linux bridge for a virtual LAN.

        ## Description
        The New-VlanBridge cmdlet creates a bridge
        and gives it an address.

        The bridge stays until it is removed.

        ## Parameters

        ### -Name
        Default: virtualnet0

        The name of the bridge.

        ### -Mtu
        The MTU.

        ### -Address
        The address & prefix length, as in <address>/<length>.

        ### -Force
        Replaces an existing bridge.

        Second paragraph about -Force.

        ### -Kind
        The kind of port.

        ### -WhatIf
        Shows the commands.

        ### -Confirm
        Asks first.

        ## Examples

        ### Example 1: Create the seed's LAN
        ```powershell
        PS> New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16
        # The comment line is code, not a heading.
        ```

        Creates the bridge.

        It prints nothing.

        ### Example 2: Replace a bridge
        ```powershell
        PS> New-VlanBridge -Force
        ```

        ## Inputs

        ### VirtualLan.Bridge
        A bridge whose Name is used.

        ## Outputs

        ### VirtualLan.Bridge
        The new bridge.

        ## Notes
        Needs CAP_NET_ADMIN.

        ## Related Links
        - about_VirtualLan
        - [Online help](https://example.org/New-VlanBridge)
        """;

    /// <summary>
    /// The page of <see cref="SampleGetBridgeCommand"/>, with only the required sections.
    /// </summary>
    public const string MinimalPage = """
        # Get-VlanBridge

        ## Synopsis
        Gets bridges.

        ## Description
        Lists the bridges.

        ## Parameters

        ### -Name
        Names to get.

        ## Examples

        ### Example 1: All
        ```powershell
        PS> Get-VlanBridge
        ```

        ### Example 2: One
        ```powershell
        PS> Get-VlanBridge -Name a
        ```

        Gets one bridge.

        ## Outputs

        ### VirtualLan.Bridge
        A bridge.
        """;

    private static readonly Lazy<IReadOnlyList<CmdletInfo>> _cmdlets =
        new(() => CmdletReader.Read(typeof(SampleNewBridgeCommand).Assembly.Location, []));

    /// <summary>Gets the sample cmdlets of this test assembly, read as HelpGen reads a module.</summary>
    public static IReadOnlyList<CmdletInfo> Cmdlets => _cmdlets.Value;

    /// <summary>Gets the sample cmdlet of a name.</summary>
    /// <param name="name">New-VlanBridge or Get-VlanBridge.</param>
    /// <returns>The cmdlet's metadata.</returns>
    public static CmdletInfo Cmdlet(string name) => Cmdlets.Single(c => c.Name == name);

    /// <summary>Parses a page and joins it to the sample cmdlet of its title.</summary>
    /// <param name="path">The page's file name, which is its cmdlet's name.</param>
    /// <param name="page">The page text.</param>
    /// <returns>The joined help.</returns>
    public static CommandHelp Help(string path, string page)
    {
        HelpPage parsed = MarkdownHelpParser.Parse(path, page);
        return CommandHelp.Combine(parsed, Cmdlet(parsed.Name));
    }

    /// <summary>
    /// Replaces exactly one occurrence of a text in a page, failing loudly when it is not there
    /// so that a test cannot silently check an unchanged page.
    /// </summary>
    /// <param name="page">The page text.</param>
    /// <param name="oldText">The text to replace; it must occur exactly once.</param>
    /// <param name="newText">The replacement.</param>
    /// <returns>The changed page.</returns>
    public static string ReplaceOnce(string page, string oldText, string newText)
    {
        int first = page.IndexOf(oldText, StringComparison.Ordinal);
        if (first < 0 || page.IndexOf(oldText, first + 1, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException($"'{oldText}' must occur exactly once in the page.", nameof(oldText));
        }

        return string.Concat(page.AsSpan(0, first), newText, page.AsSpan(first + oldText.Length));
    }

    /// <summary>
    /// Finds the one-based number of the line that contains a text, which keeps expected error
    /// locations correct when the sample pages are edited.
    /// </summary>
    /// <param name="page">The page text.</param>
    /// <param name="text">The text to look for.</param>
    /// <returns>The line number of the first line that contains the text.</returns>
    public static int LineOf(string page, string text)
    {
        string[] lines = page.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new ArgumentException($"'{text}' is not in the page.", nameof(text));
    }
}

/// <summary>
/// A folder under the system temporary folder that is deleted when disposed.
/// </summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>
    /// Initializes a new instance of the <see cref="TempFolder"/> class and creates the folder.
    /// </summary>
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "helpgen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>Gets the full path of the folder.</summary>
    public string Path { get; }

    /// <summary>
    /// Writes a file into the folder.
    /// </summary>
    /// <param name="name">The file name.</param>
    /// <param name="text">The file content, written as UTF-8.</param>
    /// <returns>The full path of the file.</returns>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Deletes the folder and everything in it.</summary>
    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
