namespace VirtualLan;

/// <summary>
/// What kind of failure a <see cref="VlanException"/> reports. The PowerShell layer maps each kind
/// to an ErrorCategory; the core stays free of System.Management.Automation.
/// </summary>
public enum VlanErrorKind
{
    /// <summary>A parameter value is malformed or out of range.</summary>
    InvalidArgument,

    /// <summary>Something the request needs does not exist.</summary>
    ObjectNotFound,

    /// <summary>The name or address the request wants is already taken.</summary>
    ResourceExists,

    /// <summary>The process lacks root or CAP_NET_ADMIN.</summary>
    PermissionDenied,

    /// <summary>A required program is not installed.</summary>
    NotInstalled,

    /// <summary>The request cannot be carried out in the current state.</summary>
    InvalidOperation,

    /// <summary>An external command failed while a plan was applied.</summary>
    CommandFailed,

    /// <summary>Undoing a failed plan did not fully succeed; the system needs attention.</summary>
    RollbackFailed,

    /// <summary>The user stopped the operation.</summary>
    Stopped,

    /// <summary>Data given (a configuration document) is malformed or inconsistent.</summary>
    InvalidData,
}
