using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// The page and the cmdlet cannot say different things: the build fails, pointing at the page,
/// when either has a parameter the other lacks or the outputs differ.
/// </summary>
public sealed class HelpDriftTests
{
    /// <summary>A parameter described on the page that the cmdlet does not have is an error at its heading.</summary>
    [Fact]
    public void DocumentedParameterTheCmdletLacksFails()
    {
        string page = HelpSamples.ReplaceOnce(HelpSamples.FullPage, "### -WhatIf", "### -Bogus\nGone.\n\n### -WhatIf");

        HelpFormatException error = Assert.Throws<HelpFormatException>(() => HelpSamples.Help(HelpSamples.FullPagePath, page));

        Assert.Equal(HelpSamples.LineOf(page, "### -Bogus"), error.Line);
        Assert.Equal(
            $"-Bogus is documented, but New-VlanBridge ({typeof(SampleNewBridgeCommand).FullName}) has no such parameter; remove the '### -Bogus' entry or add the parameter",
            error.Reason);
    }

    /// <summary>A parameter of the cmdlet without a description is an error at the Parameters heading.</summary>
    [Fact]
    public void UndescribedParameterFails()
    {
        string page = HelpSamples.ReplaceOnce(HelpSamples.FullPage, "### -Kind\nThe kind of port.\n\n", string.Empty);

        HelpFormatException error = Assert.Throws<HelpFormatException>(() => HelpSamples.Help(HelpSamples.FullPagePath, page));

        Assert.Equal(HelpSamples.LineOf(page, "## Parameters"), error.Line);
        Assert.Equal(
            $"the parameter -Kind of New-VlanBridge ({typeof(SampleNewBridgeCommand).FullName}) has no description; add a '### -Kind' entry under '## Parameters'",
            error.Reason);
    }

    /// <summary>WhatIf and Confirm need a description on a ShouldProcess cmdlet, and are refused on another.</summary>
    [Fact]
    public void WhatIfFollowsShouldProcess()
    {
        string withoutWhatIf = HelpSamples.ReplaceOnce(HelpSamples.FullPage, "### -WhatIf\nShows the commands.\n\n", string.Empty);
        string withWhatIf = HelpSamples.ReplaceOnce(HelpSamples.MinimalPage, "## Examples", "### -WhatIf\nShows.\n\n## Examples");

        Assert.Contains("-WhatIf of New-VlanBridge", Assert.Throws<HelpFormatException>(() => HelpSamples.Help(HelpSamples.FullPagePath, withoutWhatIf)).Reason, StringComparison.Ordinal);
        Assert.StartsWith("-WhatIf is documented, but Get-VlanBridge", Assert.Throws<HelpFormatException>(() => HelpSamples.Help("Get-VlanBridge.md", withWhatIf)).Reason, StringComparison.Ordinal);
    }

    /// <summary>The Outputs headings must be the cmdlet's [OutputType] types.</summary>
    [Fact]
    public void OutputsOtherThanOutputTypeFail()
    {
        string page = HelpSamples.ReplaceOnce(HelpSamples.MinimalPage, "### VirtualLan.Bridge\nA bridge.", "### VirtualLan.Router\nA router.");

        HelpFormatException error = Assert.Throws<HelpFormatException>(() => HelpSamples.Help("Get-VlanBridge.md", page));

        Assert.Equal(HelpSamples.LineOf(page, "## Outputs"), error.Line);
        Assert.Contains("lists VirtualLan.Router, but Get-VlanBridge's [OutputType] says VirtualLan.Bridge", error.Reason, StringComparison.Ordinal);
    }
}
