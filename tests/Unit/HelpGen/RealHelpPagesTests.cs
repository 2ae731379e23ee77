using System.Xml.Linq;
using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Checks the module's real help pages, so that a broken page fails the unit tests and not
/// only the build step that runs HelpGen.
/// </summary>
public sealed class RealHelpPagesTests
{
    private static readonly string[] _helpFolderParts = ["src", "VirtualLan.PowerShell", "Help"];

    /// <summary>
    /// Every page in src/VirtualLan.PowerShell/Help parses and matches its cmdlet, and together
    /// they render to a MAML document with one command per page and a page per cmdlet. An empty folder fails the test instead of passing it.
    /// </summary>
    [Fact]
    public void EveryRealPageParses()
    {
        string folder = FindHelpFolder(AppContext.BaseDirectory);
        Assert.True(Directory.Exists(folder), $"The help folder {folder} does not exist.");
        IReadOnlyList<string> pages = HelpPages.Find(folder);
        Assert.True(pages.Count > 0, $"The help folder {folder} has no Verb-Noun.md pages.");

        var errors = new List<string>();
        IReadOnlyList<CmdletInfo> cmdlets = CmdletReader.Read(typeof(VirtualLan.Commands.NewVlanBridgeCommand).Assembly.Location, []);
        byte[]? maml = HelpPages.Convert(pages, cmdlets, errors);

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        Assert.NotNull(maml);
        using var stream = new MemoryStream(maml);
        XDocument document = XDocument.Load(stream);
        Assert.Equal(pages.Count, document.Root!.Elements().Count());
        Assert.Equal(cmdlets.Count, pages.Count);
    }

    /// <summary>The search finds the help folder from a build output folder deep inside the repository.</summary>
    [Fact]
    public void FindsHelpFolderFromNestedFolder()
    {
        using var root = new TempFolder();
        string help = Directory.CreateDirectory(Path.Combine([root.Path, .. _helpFolderParts])).FullName;
        string nested = Directory.CreateDirectory(Path.Combine(root.Path, "tests", "Unit", "bin", "Debug", "net10.0")).FullName;

        Assert.Equal(Path.GetFullPath(help), FindHelpFolder(nested));
    }

    /// <summary>
    /// Walks up from <paramref name="start"/> to the repository root, recognised by the help
    /// folder (the manifest is no marker: the build copies it into every output folder), and returns the help folder path.
    /// </summary>
    /// <param name="start">The folder to start from, usually the test's output folder.</param>
    /// <returns>The path of src/VirtualLan.PowerShell/Help under the root that was found.</returns>
    public static string FindHelpFolder(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            string help = Path.Combine([dir.FullName, .. _helpFolderParts]);
            if (Directory.Exists(help))
            {
                return help;
            }
        }

        Assert.Fail($"No folder above {start} contains src/VirtualLan.PowerShell/Help.");
        return string.Empty;
    }
}
