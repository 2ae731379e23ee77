using System.Management.Automation;

namespace VirtualLan;

/// <summary>
/// What a cmdlet was given from the pipeline. Objects of the module arrive whole (an -InputObject
/// bound by value), so a cmdlet acts on what a piped router, bridge, appliance or forward means
/// instead of on whichever of its properties happens to share a parameter's name.
/// </summary>
internal static class PipedInput
{
    /// <summary>Gets the object behind a pipeline value, unwrapped from its PSObject.</summary>
    /// <param name="input">The value bound to -InputObject, or null when nothing was piped.</param>
    /// <returns>The base object, or null.</returns>
    public static object? Of(PSObject? input) => input?.BaseObject;

    /// <summary>Tells whether a piped object is one of the module's output types.</summary>
    /// <param name="value">The base object.</param>
    /// <returns>True for Bridge, Router, Appliance, PortForward, HostNat and Sandbox.</returns>
    public static bool IsModuleObject(object? value) => value is Bridge or Router or Appliance or PortForward or HostNat or Sandbox;

    /// <summary>
    /// Checks a piped object for a cmdlet that acts on its own kind of object only (Remove-,
    /// Disconnect-): another of the module's objects, or a number, is refused instead of being taken
    /// for a name by its Name property or its text.
    /// </summary>
    /// <typeparam name="T">The kind the cmdlet takes.</typeparam>
    /// <param name="input">The value bound to -InputObject.</param>
    /// <param name="cmdlet">The cmdlet.</param>
    /// <param name="takes">What it takes.</param>
    /// <param name="instead">What to run instead.</param>
    /// <returns>The error, or null when the object may be taken (its own kind, a name, or an object whose properties bind).</returns>
    public static VlanException? Refuse<T>(PSObject? input, string cmdlet, string takes, string instead)
    {
        var value = Of(input);
        return value is not null and not T && (IsModuleObject(value) || value is ValueType) ? Mismatch(value, cmdlet, takes, instead) : null;
    }

    /// <summary>
    /// The bridge a piped object means, for the cmdlets that act on a whole LAN (Get-VlanTopology,
    /// Export-VlanDiagram): a bridge, the LAN of a router, appliance, host NAT or port forward, or a
    /// bridge's name.
    /// </summary>
    /// <param name="value">The piped object.</param>
    /// <param name="routerBridge">Reads the bridge of a router, by its name.</param>
    /// <param name="cmdlet">The cmdlet, for the error.</param>
    /// <returns>The bridge's name.</returns>
    /// <exception cref="VlanException">The object means no LAN (PipelineInputMismatch).</exception>
    public static string BridgeOf(object value, Func<string, string> routerBridge, string cmdlet)
    {
        ArgumentNullException.ThrowIfNull(routerBridge);
        return value switch
        {
            Bridge b => b.Name,
            Router r => r.Bridge,
            Appliance a => a.Bridge,
            HostNat n => n.Bridge,
            PortForward f => routerBridge(f.Router),
            string s => s,
            _ => throw Mismatch(value, cmdlet, "bridges, routers, appliances, host NATs, port forwards and bridge names"),
        };
    }

    /// <summary>The error for a piped object the cmdlet cannot take.</summary>
    /// <param name="value">The piped object.</param>
    /// <param name="cmdlet">The cmdlet, such as Remove-VlanBridge.</param>
    /// <param name="takes">What it takes, such as "bridges (Get-VlanBridge) or bridge names".</param>
    /// <param name="instead">What to run instead, or null.</param>
    /// <returns>The exception to throw.</returns>
    public static VlanException Mismatch(object value, string cmdlet, string takes, string? instead = null) =>
        new(
            ErrorIds.PipelineInputMismatch,
            VlanErrorKind.InvalidArgument,
            value,
            $"{cmdlet} takes {takes} from the pipeline, not {Describe(value)}.{(instead is null ? string.Empty : " " + instead)}");

    /// <summary>Names a piped object for a message: its kind and its text.</summary>
    /// <param name="value">The object.</param>
    /// <returns>Such as "the router 'router'".</returns>
    public static string Describe(object value) => value switch
    {
        Bridge b => $"the bridge '{b.Name}'",
        Router r => $"the router '{r.Name}'",
        Appliance a => $"the appliance '{a.Name}'",
        PortForward f => $"the port forward {f.Router} {f}",
        HostNat n => $"the host NAT of '{n.Bridge}'",
        Sandbox s => $"the sandbox '{s.Name}'",
        string s => $"the text '{s}'",
        _ => $"a {value.GetType().Name} ('{value}')",
    };
}
