using System.Management.Automation;

namespace VirtualLan;

/// <summary>
/// The one place that turns the core's exceptions into ErrorRecords: the stable identifier
/// becomes the FullyQualifiedErrorId, the kind becomes the ErrorCategory, and the offending input
/// becomes the target.
/// </summary>
internal static class ErrorRecords
{
    /// <summary>Builds the ErrorRecord for a core failure.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The record.</returns>
    public static ErrorRecord From(VlanException exception) =>
        new(exception, exception.ErrorId, Category(exception.Kind), exception.Target);

    /// <summary>Maps a failure kind to the category PowerShell users filter on.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The category.</returns>
    public static ErrorCategory Category(VlanErrorKind kind) => kind switch
    {
        VlanErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        VlanErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        VlanErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        VlanErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        VlanErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        VlanErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        VlanErrorKind.CommandFailed => ErrorCategory.InvalidResult,
        VlanErrorKind.RollbackFailed => ErrorCategory.InvalidResult,
        VlanErrorKind.Stopped => ErrorCategory.OperationStopped,
        VlanErrorKind.InvalidData => ErrorCategory.InvalidData,
        _ => ErrorCategory.NotSpecified,
    };
}

/// <summary>
/// A core failure met where a cmdlet cannot write an error itself (making the session's system):
/// PowerShell reports it with the ErrorRecord it carries, so it keeps its stable id and category.
/// </summary>
internal sealed class VlanRecordException : Exception, IContainsErrorRecord
{
    /// <summary>Initializes a new instance of the <see cref="VlanRecordException"/> class.</summary>
    /// <param name="inner">The failure.</param>
    public VlanRecordException(VlanException inner)
        : base(inner?.Message, inner)
    {
        ErrorRecord = ErrorRecords.From(inner!);
    }

    /// <inheritdoc />
    public ErrorRecord ErrorRecord { get; }
}
