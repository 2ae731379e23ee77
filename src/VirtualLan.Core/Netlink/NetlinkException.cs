namespace VirtualLan.Netlink;

/// <summary>
/// A system call of the netlink code failed (a socket, a namespace file, a mount). The message is
/// the one iproute2 prints for the same failure, so a caller can show it as <c>ip</c>'s stderr.
/// </summary>
public sealed class NetlinkException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="NetlinkException"/> class.</summary>
    /// <param name="errno">The positive errno.</param>
    /// <param name="message">What failed, as iproute2 says it.</param>
    public NetlinkException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>Initializes a new instance of the <see cref="NetlinkException"/> class.</summary>
    public NetlinkException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NetlinkException"/> class.</summary>
    /// <param name="message">The message.</param>
    public NetlinkException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NetlinkException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the positive errno of the failed call (0 when not from a call).</summary>
    public int Errno { get; }

    /// <summary>Builds the exception of a failed call: "WHAT: strerror".</summary>
    /// <param name="errno">The positive errno.</param>
    /// <param name="what">What failed, such as <c>Cannot open network namespace "x"</c>.</param>
    /// <returns>The exception.</returns>
    internal static NetlinkException Of(int errno, string what) => new(errno, $"{what}: {Native.Describe(errno)}");
}
