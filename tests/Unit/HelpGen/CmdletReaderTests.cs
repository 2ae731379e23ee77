using VirtualLan.HelpGen;
using Xunit;

namespace VirtualLan.Tests.Unit.HelpGen;

/// <summary>
/// Checks what HelpGen reads from a cmdlet class's attributes, on the sample cmdlets of this
/// assembly read as data, the way the build reads the module.
/// </summary>
public sealed class CmdletReaderTests
{
    /// <summary>Only [Cmdlet] classes are read, under their Verb-Noun names, with their [OutputType].</summary>
    [Fact]
    public void ReadsTheCmdletClasses()
    {
        string[] names = ["Get-VlanBridge", "New-VlanBridge"];
        Assert.Equal(names, HelpSamples.Cmdlets.Select(c => c.Name));
        CmdletInfo cmdlet = HelpSamples.Cmdlet("New-VlanBridge");
        Assert.Equal(typeof(SampleNewBridgeCommand).FullName, cmdlet.ClassName);
        Assert.Equal(["VirtualLan.Bridge"], cmdlet.OutputTypes);
    }

    /// <summary>The default set comes first; parameters without a set name are in all sets.</summary>
    [Fact]
    public void ParameterSets()
    {
        CmdletInfo cmdlet = HelpSamples.Cmdlet("New-VlanBridge");

        Assert.Equal(["Default", "Other"], cmdlet.ParameterSets);
        Assert.Empty(HelpSamples.Cmdlet("Get-VlanBridge").ParameterSets);
    }

    /// <summary>
    /// Each property with [Parameter] is a parameter with its type name as Get-Help shows it,
    /// its per-set bindings, aliases and choices; WhatIf and Confirm come with ShouldProcess.
    /// </summary>
    [Fact]
    public void ParametersAndTheirBindings()
    {
        CmdletInfo cmdlet = HelpSamples.Cmdlet("New-VlanBridge");
        string[] names = ["Name", "Address", "Force", "Mtu", "Kind", "WhatIf", "Confirm"];
        Assert.Equal(names, cmdlet.Parameters.Select(p => p.Name));
        CmdletParameter Parameter(string name) => cmdlet.Parameters.Single(p => p.Name == name);

        CmdletParameter name = Parameter("Name");
        Assert.Equal("String", name.TypeName);
        Assert.Equal(["BridgeName"], name.Aliases);
        Assert.Equal(new ParameterBinding(CmdletParameter.AllSets, false, 0, PipelineInput.ByPropertyName), Assert.Single(name.Bindings));
        Assert.Equal(name.Bindings[0], name.In("Other"));

        CmdletParameter address = Parameter("Address");
        Assert.Equal(new ParameterBinding("Default", true, 1, PipelineInput.ByValue | PipelineInput.ByPropertyName), Assert.Single(address.Bindings));
        Assert.Null(address.In("Other"));

        CmdletParameter force = Parameter("Force");
        Assert.True(force.IsSwitch);
        Assert.Equal("SwitchParameter", force.TypeName);
        Assert.False(force.In("Default")!.Mandatory);
        Assert.True(force.In("Other")!.Mandatory);
        Assert.True(force.Required);

        CmdletParameter mtu = Parameter("Mtu");
        Assert.Equal("Int32", mtu.TypeName);
        Assert.Equal(["1500", "9000"], mtu.ValidValues);
        Assert.Equal(2, mtu.Position);

        Assert.Equal(["Namespace", "Tap"], Parameter("Kind").ValidValues);
        Assert.Equal("SampleKind", Parameter("Kind").TypeName);
        Assert.Equal(["wi"], Parameter("WhatIf").Aliases);
        Assert.True(Parameter("Confirm").IsSwitch);

        CmdletParameter names2 = Assert.Single(HelpSamples.Cmdlet("Get-VlanBridge").Parameters);
        Assert.Equal("String[]", names2.TypeName);
    }
}
