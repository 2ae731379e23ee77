using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;

namespace VirtualLan.Tests.Unit;

/// <summary>The built module as a user loads it: manifest, exports, help and views.</summary>
public class ModuleTests
{
    private static readonly string[] CmdletNames = PowerShellSession.CmdletTypes()
        .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
        .Select(a => $"{a.VerbName}-{a.NounName}")
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var name in CmdletNames)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_of_the_assembly()
    {
        using var session = PowerShellSession.OpenWithManifest();
        var exported = session.Invoke("(Get-Module VirtualLan).ExportedCmdlets.Keys")
            .Select(o => o.BaseObject.ToString()!)
            .Order(StringComparer.Ordinal);
        Assert.Equal(CmdletNames, exported);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb()
    {
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (string)f.GetValue(null)!)
            .ToHashSet();
        Assert.All(CmdletNames, name => Assert.Contains(name.Split('-')[0], approved));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Get_Help_Full_shows_synopsis_every_parameter_and_two_examples(string cmdlet)
    {
        using var session = PowerShellSession.OpenWithManifest();
        var help = Assert.Single(session.Invoke("Get-Help -Name $args[0] -Full", cmdlet));
        Assert.Equal(cmdlet, help.Properties["Name"].Value);
        var synopsis = help.Properties["Synopsis"].Value?.ToString() ?? string.Empty;
        Assert.False(string.IsNullOrWhiteSpace(synopsis));
        Assert.DoesNotContain(cmdlet + " ", synopsis, StringComparison.Ordinal);

        var documented = session.Invoke("(Get-Help -Name $args[0] -Full).parameters.parameter | ForEach-Object { $_.name }", cmdlet)
            .Select(o => o.BaseObject.ToString()).ToHashSet();
        var declared = session.Invoke("(Get-Command -Name $args[0]).Parameters.Values | Where-Object { -not [System.Management.Automation.Cmdlet]::CommonParameters.Contains($_.Name) -and $_.Name -ne 'UseTransaction' } | ForEach-Object { $_.Name }", cmdlet)
            .Select(o => o.BaseObject.ToString()).ToHashSet();
        Assert.NotEmpty(declared);
        Assert.Equal(declared.Order(), documented.Order());

        var examples = session.Invoke("@((Get-Help -Name $args[0] -Full).examples.example).Count", cmdlet);
        Assert.True((int)examples[0].BaseObject >= 2, $"{cmdlet} has fewer than two examples.");
    }

    [Fact]
    public void Every_output_type_has_a_default_table_view()
    {
        var formats = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "VirtualLan.Format.ps1xml"));
        var viewed = formats.Descendants("View")
            .Where(v => v.Element("TableControl") is not null)
            .Select(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value)
            .ToHashSet();
        var outputTypes = PowerShellSession.CmdletTypes()
            .SelectMany(t => t.GetCustomAttributes<OutputTypeAttribute>())
            .SelectMany(a => a.Type)
            .Select(t => t.Type)
            // Lines of text (Invoke-VlanAppliance's output) are PowerShell's own to show.
            .Where(t => t is not null && t != typeof(void) && t != typeof(string))
            .Select(t => t!.FullName!)
            .ToHashSet();
        Assert.NotEmpty(outputTypes);
        Assert.Subset(viewed, outputTypes);
    }
}
