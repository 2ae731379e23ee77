using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace VirtualLan.HelpGen;

/// <summary>
/// Reads the cmdlets of a built module assembly by their attributes, without running any of
/// its code: [Cmdlet], [OutputType], and on each property [Parameter], [Alias] and [ValidateSet].
/// </summary>
/// <remarks>
/// A <see cref="MetadataLoadContext"/> reads the assembly as data, so the module may be built
/// against PowerShell Standard's reference assemblies, which cannot be loaded to run. Attributes
/// are matched by full name for the same reason: the System.Management.Automation the module was
/// compiled against need not be the one this tool would load.
/// </remarks>
public static class CmdletReader
{
    private const string Automation = "System.Management.Automation.";

    /// <summary>
    /// Reads every public cmdlet class of an assembly.
    /// </summary>
    /// <param name="assemblyPath">The module assembly.</param>
    /// <param name="references">
    /// The assemblies it was compiled against (the build's reference paths). Empty means the
    /// assembly's own folder with its subfolders (runtimes/) and the running .NET's folder, which
    /// suits an assembly in a build output folder.
    /// </param>
    /// <returns>The cmdlets, ordered by name.</returns>
    public static IReadOnlyList<CmdletInfo> Read(string assemblyPath, IReadOnlyCollection<string> references)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        ArgumentNullException.ThrowIfNull(references);
        string fullPath = Path.GetFullPath(assemblyPath);
        IEnumerable<string> paths = references.Count > 0
            ? references
            : Directory.GetFiles(Path.GetDirectoryName(fullPath)!, "*.dll", SearchOption.AllDirectories)
                .Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));

        // One file per assembly name, the first found: the module itself, then the references in
        // order (runtimes/ may hold one per platform, and a context loads each identity once).
        string[] unique = paths.Prepend(fullPath).DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase).ToArray();
        using var context = new MetadataLoadContext(new PathAssemblyResolver(unique));
        Assembly assembly = context.LoadFromAssemblyPath(fullPath);
        return assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .Select(ReadCmdlet)
            .OfType<CmdletInfo>()
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static CmdletInfo? ReadCmdlet(Type type)
    {
        CustomAttributeData? cmdlet = Find(type.GetCustomAttributesData(), "CmdletAttribute");
        if (cmdlet is null)
        {
            return null;
        }

        string name = $"{cmdlet.ConstructorArguments[0].Value}-{cmdlet.ConstructorArguments[1].Value}";
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(ReadParameter)
            .OfType<CmdletParameter>()
            .ToList();

        if (Named(cmdlet, "SupportsShouldProcess") is true)
        {
            // PowerShell adds these two for a ShouldProcess cmdlet, and Get-Help shows them only
            // from the MAML, so they are documented like the cmdlet's own.
            parameters.Add(CommonSwitch("WhatIf", "wi"));
            parameters.Add(CommonSwitch("Confirm", "cf"));
        }

        var sets = new List<string>();
        if (Named(cmdlet, "DefaultParameterSetName") is string defaultSet && defaultSet.Length > 0)
        {
            sets.Add(defaultSet);
        }

        foreach (string set in parameters.SelectMany(p => p.Bindings).Select(b => b.SetName))
        {
            if (set != CmdletParameter.AllSets && !sets.Contains(set, StringComparer.OrdinalIgnoreCase))
            {
                sets.Add(set);
            }
        }

        // A default set that no parameter names is no choice at all when it is the only set.
        if (sets.Count == 1 && !parameters.SelectMany(p => p.Bindings).Any(b => b.SetName == sets[0]))
        {
            sets.Clear();
        }

        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Automation + "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(Values)
            .Select(v => v is Type t ? (t.FullName == "System.Void" ? "None" : t.FullName!) : v?.ToString() ?? "None")
            .Distinct(StringComparer.Ordinal)
            .ToList();

        return new CmdletInfo(name, type.FullName!, sets, outputs, parameters);
    }

    private static CmdletParameter? ReadParameter(PropertyInfo property)
    {
        IList<CustomAttributeData> attributes = property.GetCustomAttributesData();
        var bindings = attributes
            .Where(a => a.AttributeType.FullName == Automation + "ParameterAttribute")
            .Select(a => new ParameterBinding(
                Named(a, "ParameterSetName") as string ?? CmdletParameter.AllSets,
                Named(a, "Mandatory") is true,
                Named(a, "Position") is int position and >= 0 ? position : null,
                (Named(a, "ValueFromPipeline") is true ? PipelineInput.ByValue : PipelineInput.None)
                | (Named(a, "ValueFromPipelineByPropertyName") is true ? PipelineInput.ByPropertyName : PipelineInput.None)))
            .ToList();
        if (bindings.Count == 0)
        {
            return null;
        }

        // Nullable.GetUnderlyingType knows only the running runtime's Nullable<>, not this context's.
        Type type = property.PropertyType is { IsGenericType: true } generic && generic.GetGenericTypeDefinition().FullName == "System.Nullable`1"
            ? generic.GetGenericArguments()[0]
            : property.PropertyType;
        Type element = type.IsArray ? type.GetElementType()! : type;
        IReadOnlyList<string> validValues = Find(attributes, "ValidateSetAttribute") is { } validateSet
            ? validateSet.ConstructorArguments.SelectMany(Values).Select(v => v?.ToString() ?? string.Empty).ToList()
            : element.IsEnum
                ? element.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToList()
                : [];
        IReadOnlyList<string> aliases = Find(attributes, "AliasAttribute") is { } alias
            ? alias.ConstructorArguments.SelectMany(Values).Select(v => v?.ToString() ?? string.Empty).ToList()
            : [];

        return new CmdletParameter(
            property.Name,
            type.IsArray ? element.Name + "[]" : type.Name,
            type.FullName == Automation + "SwitchParameter",
            aliases,
            validValues,
            bindings);
    }

    private static CmdletParameter CommonSwitch(string name, string alias) =>
        new(name, "SwitchParameter", true, [alias], [], [new ParameterBinding(CmdletParameter.AllSets, false, null, PipelineInput.None)]);

    private static CustomAttributeData? Find(IEnumerable<CustomAttributeData> attributes, string name) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == Automation + name);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value;

    // A params array argument arrives as a collection of typed arguments; a single one as itself.
    private static IEnumerable<object?> Values(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items
            ? items.Select(i => i.Value)
            : [argument.Value];
}
