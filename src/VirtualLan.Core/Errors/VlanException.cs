namespace VirtualLan;

/// <summary>
/// The one exception type the core throws for failures a user can act on. It carries a stable
/// identifier from <see cref="ErrorIds"/>, a kind the PowerShell layer maps to an ErrorCategory,
/// the offending input, and a message that says what to do.
/// </summary>
public class VlanException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="VlanException"/> class.</summary>
    /// <param name="errorId">A stable identifier from <see cref="ErrorIds"/>.</param>
    /// <param name="kind">What kind of failure this is.</param>
    /// <param name="target">The input or object the failure concerns.</param>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public VlanException(string errorId, VlanErrorKind kind, object? target, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Gets the stable identifier of the failure.</summary>
    public string ErrorId { get; }

    /// <summary>Gets the kind of failure.</summary>
    public VlanErrorKind Kind { get; }

    /// <summary>Gets the input or object the failure concerns.</summary>
    public object? Target { get; }
}
