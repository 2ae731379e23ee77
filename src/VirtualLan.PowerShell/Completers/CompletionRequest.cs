using System.Collections;
using System.Management.Automation;

namespace VirtualLan.Completers;

/// <summary>What a completer is asked: the text typed so far (unquoted) and the other parameters already on the line.</summary>
internal sealed class CompletionRequest
{
    private readonly IDictionary _bound;

    /// <summary>Initializes a new instance of the <see cref="CompletionRequest"/> class.</summary>
    /// <param name="typed">The text typed so far, without its opening quote.</param>
    /// <param name="bound">The parameters PowerShell bound from the rest of the line (fakeBoundParameters).</param>
    public CompletionRequest(string typed, IDictionary? bound)
    {
        Typed = typed;
        _bound = bound ?? new Hashtable();
    }

    /// <summary>Gets the text typed so far, without its opening quote: offered names start with it, case ignored.</summary>
    public string Typed { get; }

    /// <summary>Tells whether a name starts with the typed text; completers whose reads cost per name ask it first.</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when the name is a candidate.</returns>
    public bool Matches(string name) => name.StartsWith(Typed, StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the values given to another parameter on the line: none, one or several (an array).</summary>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The values as text; empty when the parameter is not on the line.</returns>
    public IReadOnlyList<string> Strings(string parameter)
    {
        var value = Unwrap(_bound.Contains(parameter) ? _bound[parameter] : null);
        return value switch
        {
            null => Array.Empty<string>(),
            string text => new[] { text },
            IEnumerable many => many.Cast<object?>().Select(Unwrap).Where(v => v is not null).Select(v => v!.ToString()!).ToArray(),
            _ => new[] { value.ToString()! },
        };
    }

    /// <summary>Returns the one value given to another parameter on the line, or null.</summary>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The value as text.</returns>
    public string? String(string parameter) => Strings(parameter) is { Count: 1 } one ? one[0] : null;

    /// <summary>Returns the value of an enum parameter on the line, or null when it is absent or not one of the enum's names.</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The value.</returns>
    public T? Enum<T>(string parameter)
        where T : struct, Enum =>
        String(parameter) is { } text && System.Enum.TryParse<T>(text, ignoreCase: true, out var value) ? value : null;

    /// <summary>Tells whether a switch is on the line (and not given as -Switch:$false).</summary>
    /// <param name="parameter">The switch's name.</param>
    /// <returns>True when it is set.</returns>
    public bool Switch(string parameter) =>
        _bound.Contains(parameter) && Unwrap(_bound[parameter]) switch
        {
            SwitchParameter s => s.IsPresent,
            bool b => b,
            null => true,
            _ => true,
        };

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
