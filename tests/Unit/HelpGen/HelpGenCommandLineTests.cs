using System.Xml.Linq;
using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Drives the HelpGen command line in-process through <see cref="global::VirtualLan.HelpGen.Program.Run"/>.
/// </summary>
public sealed class HelpGenCommandLineTests
{
    /// <summary>A good folder gives exit code 0 and the file, creating missing output folders.</summary>
    [Fact]
    public void WritesHelpFileAndCreatesFolder()
    {
        using var source = new TempFolder();
        source.Write(HelpSamples.FullPagePath, HelpSamples.FullPage);
        source.Write("Get-VlanBridge.md", HelpSamples.MinimalPage);
        string output = Path.Combine(source.Path, "out", "en-US", "VirtualLan.PowerShell.dll-Help.xml");

        (int exitCode, _, string stderr) = Run("--assembly", Assembly, "--source", source.Path, "--output", output);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, stderr);
        XDocument document = XDocument.Load(output);
        Assert.Equal(2, document.Root!.Elements().Count());
    }

    /// <summary>Pages are taken in ordinal file name order, not culture order, and about_ topics are skipped.</summary>
    [Fact]
    public void PagesAreTakenInOrdinalOrder()
    {
        using var source = new TempFolder();
        source.Write("Get-alpha.md", HelpSamples.MinimalPage.Replace("Get-VlanBridge", "Get-alpha", StringComparison.Ordinal));
        source.Write("Get-Zeta.md", HelpSamples.MinimalPage.Replace("Get-VlanBridge", "Get-Zeta", StringComparison.Ordinal));
        source.Write("about_VirtualLan.md", "# about_VirtualLan\n\nNot a cmdlet page.\n");
        source.Write("notes.txt", "ignored");

        IReadOnlyList<string> pages = HelpPages.Find(source.Path);

        string[] names = ["Get-Zeta.md", "Get-alpha.md"];
        Assert.Equal(names, pages.Select(Path.GetFileName));
    }

    /// <summary>Two runs over the same pages write identical bytes.</summary>
    [Fact]
    public void RunsAreDeterministic()
    {
        using var source = new TempFolder();
        source.Write(HelpSamples.FullPagePath, HelpSamples.FullPage);
        source.Write("Get-VlanBridge.md", HelpSamples.MinimalPage);
        string first = Path.Combine(source.Path, "a", "help.xml");
        string second = Path.Combine(source.Path, "b", "help.xml");

        Assert.Equal(0, Run("--assembly", Assembly, "--source", source.Path, "--output", first).ExitCode);
        Assert.Equal(0, Run("--assembly", Assembly, "--source", source.Path, "--output", second).ExitCode);

        byte[] bytes = File.ReadAllBytes(first);
        Assert.Equal(bytes, File.ReadAllBytes(second));
        Assert.Equal((byte)'<', bytes[0]);
    }

    /// <summary>Every malformed page is reported as file:line: message, the exit code is 1 and nothing is written.</summary>
    [Fact]
    public void MalformedPagesFailWithLocations()
    {
        using var source = new TempFolder();
        string good = source.Write("Get-VlanBridge.md", HelpSamples.MinimalPage);
        string badPosition = source.Write(
            HelpSamples.FullPagePath,
            HelpSamples.ReplaceOnce(HelpSamples.FullPage, "The MTU.", "Position: 2\n\nThe MTU."));
        string badName = source.Write("Remove-VlanBridge.md", HelpSamples.MinimalPage);
        string output = Path.Combine(source.Path, "out", "help.xml");

        (int exitCode, _, string stderr) = Run("--assembly", Assembly, "--source", source.Path, "--output", output);

        Assert.Equal(1, exitCode);
        Assert.False(File.Exists(output));
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        int positionLine = HelpSamples.LineOf(HelpSamples.FullPage, "The MTU.");
        Assert.StartsWith($"{badPosition}:{positionLine}: 'Position:' of -Mtu comes from the cmdlet's attributes", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{badName}:1: the title '# Get-VlanBridge' must equal", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(good, stderr, StringComparison.Ordinal);
    }

    /// <summary>A folder without pages is an error, since it almost certainly means a wrong path.</summary>
    [Fact]
    public void EmptyFolderFails()
    {
        using var source = new TempFolder();

        (int exitCode, _, string stderr) = Run("--assembly", Assembly, "--source", source.Path, "--output", Path.Combine(source.Path, "x.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("no Verb-Noun.md help pages found", stderr, StringComparison.Ordinal);
    }

    /// <summary>Bad command lines give exit code 2 and the usage text.</summary>
    /// <param name="args">The arguments, separated by spaces.</param>
    [Theory]
    [InlineData("")]
    [InlineData("--source")]
    [InlineData("--output x.xml")]
    [InlineData("--source . --output x.xml --assembly a.dll --verbose")]
    [InlineData("--source /nonexistent/helpgen/folder --output x.xml --assembly /nonexistent.dll")]
    [InlineData("--source . --output x.xml")]
    [InlineData("--source . --output x.xml --assembly /nonexistent/helpgen.dll")]
    public void BadArgumentsFail(string args)
    {
        (int exitCode, _, string stderr) = Run(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, exitCode);
        Assert.NotEqual(string.Empty, stderr);
    }

    /// <summary>A cmdlet of the assembly without a page fails the build, and so does a page without a cmdlet.</summary>
    [Fact]
    public void CmdletWithoutPageAndPageWithoutCmdletFail()
    {
        using var source = new TempFolder();
        source.Write(HelpSamples.FullPagePath, HelpSamples.FullPage);
        string stray = source.Write("Get-VlanNothing.md", HelpSamples.MinimalPage.Replace("Get-VlanBridge", "Get-VlanNothing", StringComparison.Ordinal));

        (int exitCode, _, string stderr) = Run("--assembly", Assembly, "--source", source.Path, "--output", Path.Combine(source.Path, "x.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains($"{stray}:1: the module has no cmdlet Get-VlanNothing", stderr, StringComparison.Ordinal);
        Assert.Contains($"{typeof(SampleGetBridgeCommand).FullName}: error: the cmdlet Get-VlanBridge has no help page", stderr, StringComparison.Ordinal);
    }

    private static string Assembly => typeof(SampleNewBridgeCommand).Assembly.Location;

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = global::VirtualLan.HelpGen.Program.Run(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
