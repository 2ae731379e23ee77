using System.Management.Automation;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Get-Help on the built module, in an in-process runspace, shows what the generated help
/// file holds: for every cmdlet the synopsis, every parameter with the type, position, pipeline
/// binding and mandatory flag PowerShell itself reads from the cmdlet, one syntax line per
/// parameter set, and the examples.
/// </summary>
public sealed class GeneratedHelpTests
{
    /// <summary>Gets the module's cmdlet names.</summary>
    /// <returns>One row per cmdlet.</returns>
    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (Type type in PowerShellSession.CmdletTypes())
        {
            CmdletAttribute attribute = (CmdletAttribute)Attribute.GetCustomAttribute(type, typeof(CmdletAttribute))!;
            data.Add($"{attribute.VerbName}-{attribute.NounName}");
        }

        return data;
    }

    /// <summary>Each parameter's help agrees with the parameter metadata PowerShell builds from the same cmdlet.</summary>
    /// <param name="cmdlet">The cmdlet name.</param>
    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Get_Help_shows_every_parameter_as_the_cmdlet_declares_it(string cmdlet)
    {
        using PowerShellSession session = PowerShellSession.OpenWithManifest();
        PSObject help = Assert.Single(session.Invoke("Get-Help -Name $args[0] -Full", cmdlet));
        Assert.False(string.IsNullOrWhiteSpace(help.Properties["Synopsis"].Value?.ToString()));
        Assert.True((int)session.Invoke("@((Get-Help -Name $args[0] -Full).examples.example).Count", cmdlet)[0].BaseObject >= 2);

        // Get-Command's view: the parameter, its type, and its attributes in every set it is in.
        string declared = """
            $command = Get-Command -Name $args[0]
            foreach ($p in $command.Parameters.Values) {
                if ([System.Management.Automation.Cmdlet]::CommonParameters.Contains($p.Name)) { continue }
                $type = if ($p.ParameterType.IsGenericType) { $p.ParameterType.GenericTypeArguments[0].Name } else { $p.ParameterType.Name }
                $sets = $p.ParameterSets.Values
                $position = @($sets | Where-Object Position -ge 0 | ForEach-Object Position)
                $pipeline = @(if ($sets.ValueFromPipeline -contains $true) { 'ByValue' }; if ($sets.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' })
                "$($p.Name)|$type|$(($sets.IsMandatory -contains $true).ToString().ToLowerInvariant())|$(if ($position.Count) { $position[0] } else { 'named' })|$(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' })"
            }
            """;
        string shown = """
            foreach ($p in (Get-Help -Name $args[0] -Full).parameters.parameter) {
                "$($p.name)|$($p.type.name)|$($p.required)|$($p.position)|$($p.pipelineInput)"
            }
            """;
        string[] expected = session.Invoke(declared, cmdlet).Select(o => o.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Empty(session.Errors);
        string[] actual = session.Invoke(shown, cmdlet).Select(o => o.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Empty(session.Errors);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);

        // One syntax line per parameter set, as Get-Command counts them.
        int sets = (int)session.Invoke("@((Get-Command -Name $args[0]).ParameterSets).Count", cmdlet)[0].BaseObject;
        int lines = (int)session.Invoke("@((Get-Help -Name $args[0] -Full).syntax.syntaxItem).Count", cmdlet)[0].BaseObject;
        Assert.Equal(sets, lines);
    }
}
