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
            // Lines of text (Invoke-VlanAppliance's output), Test-VlanConfiguration -Quiet's bool and
            // Register-VlanConfiguration's files are PowerShell's own to show.
            .Where(t => t is not null && t != typeof(void) && t != typeof(string) && t != typeof(bool) && t != typeof(FileInfo))
            .Select(t => t!.FullName!)
            .ToHashSet();
        Assert.NotEmpty(outputTypes);
        Assert.Subset(viewed, outputTypes);
    }
    [Fact]
    public void Every_table_column_is_a_property_of_its_type_so_Select_Object_finds_it()
    {
        var formats = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "VirtualLan.Format.ps1xml"));
        var assembly = typeof(Bridge).Assembly;
        foreach (var view in formats.Descendants("View").Where(v => v.Element("TableControl") is not null))
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = assembly.GetType(typeName) ?? throw new InvalidOperationException($"The view {typeName} is for no type of the core.");
            var headers = view.Descendants("TableColumnHeader").Select(h => h.Element("Label")!.Value).ToArray();
            var items = view.Descendants("TableColumnItem").ToArray();
            Assert.Equal(headers.Length, items.Length);
            for (var i = 0; i < headers.Length; i++)
            {
                Assert.True(type.GetProperty(headers[i]) is not null, $"The column {headers[i]} of {typeName} is no property of it.");
                var property = items[i].Element("PropertyName")?.Value;
                Assert.True(property is null || property == headers[i], $"The column {headers[i]} of {typeName} shows the property {property}.");
            }
        }
    }

    [Fact]
    public void Every_address_property_is_an_IPAddress_and_every_Cidr_or_Subnet_property_a_CIDR()
    {
        // The rule about_VirtualLan states: ...Address is an address (no prefix), ...Cidr and Subnet carry the prefix.
        var types = new[] { typeof(Bridge), typeof(Router), typeof(Appliance), typeof(PortForward), typeof(HostNat) };
        var properties = types.SelectMany(t => t.GetProperties()).ToArray();
        Assert.All(
            properties.Where(p => p.Name.EndsWith("Address", StringComparison.Ordinal) && p.Name != "MacAddress"),
            p => Assert.True(p.PropertyType == typeof(System.Net.IPAddress), $"{p.DeclaringType!.Name}.{p.Name} is a {p.PropertyType.Name}, not an IPAddress."));
        Assert.All(
            properties.Where(p => p.Name.EndsWith("Cidr", StringComparison.Ordinal) || p.Name == "Subnet"),
            p => Assert.True(Nullable.GetUnderlyingType(p.PropertyType) == typeof(Ipv4Cidr) || p.PropertyType == typeof(Ipv4Cidr), $"{p.DeclaringType!.Name}.{p.Name} is a {p.PropertyType.Name}, not an Ipv4Cidr."));
        Assert.All(
            properties.Where(p => Nullable.GetUnderlyingType(p.PropertyType) == typeof(Ipv4Cidr) || p.PropertyType == typeof(Ipv4Cidr)),
            p => Assert.True(p.Name.EndsWith("Cidr", StringComparison.Ordinal) || p.Name == "Subnet", $"{p.DeclaringType!.Name}.{p.Name} holds a prefix but its name does not say so."));
    }

    [Fact]
    public void An_appliance_gives_its_address_for_a_login_and_its_CIDR_with_the_prefix()
    {
        using var session = PowerShellSession.OpenWithManifest();
        var vm = new Appliance { Name = "vm", Kind = ApplianceKind.Tap, Bridge = "virtualnet0", HostInterface = "qemutap0", Cidr = Ipv4Cidr.Parse("172.24.2.2/16") };
        var text = session.Invoke("param($vm) \"root@$($vm.Address)\"; \"$($vm.Cidr)\"; $vm.Cidr.Address.ToString(); $vm.Cidr.PrefixLength; $vm.PrefixLength", vm)
            .Select(o => o.BaseObject.ToString()).ToArray();
        Assert.Equal(new[] { "root@172.24.2.2", "172.24.2.2/16", "172.24.2.2", "16", "16" }, text);
        Assert.Empty(session.Errors);
    }
    [Fact]
    public void Get_Help_about_VirtualLan_finds_the_topic_after_Import_Module()
    {
        using var session = PowerShellSession.OpenWithManifest();
        var text = string.Join("\n", session.Invoke("Get-Help about_VirtualLan").Select(o => o.BaseObject.ToString()));
        Assert.Empty(session.Errors);
        Assert.Contains("THE SANDBOX", text, StringComparison.Ordinal);
        Assert.Contains("RECOVERING BY HAND", text, StringComparison.Ordinal);
        Assert.Contains("172.24.2.2-254", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(PowerShellSession.ManifestPath)!, "en-US", "about_VirtualLan.help.txt")));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Get_Help_Online_has_the_project_page_to_go_to_and_every_page_points_to_about_VirtualLan(string cmdlet)
    {
        using var session = PowerShellSession.OpenWithManifest();
        var links = session.Invoke("(Get-Help -Name $args[0] -Full).relatedLinks.navigationLink | ForEach-Object { \"$($_.linkText)|$($_.uri)\" }", cmdlet)
            .Select(o => o.BaseObject.ToString()!).ToArray();
        Assert.Empty(session.Errors);

        // Get-Help -Online opens the first related link with an address.
        Assert.Equal("https://github.com/VirtualLan/VirtualLan", links.Select(l => l.Split('|')[1]).First(u => u.Length > 0));
        Assert.Contains("about_VirtualLan|", links);
    }
}
