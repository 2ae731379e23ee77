using System.Runtime.InteropServices;

namespace VirtualLan.Netlink;

/// <summary>
/// The libc calls the netlink code makes: sockets, namespaces and mounts. Every call sets errno,
/// read with <see cref="Marshal.GetLastPInvokeError"/>; <see cref="Describe"/> turns it into the
/// text strerror gives.
/// </summary>
internal static partial class Native
{
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int NetlinkRoute = 0;
    public const int SolSocket = 1;
    public const int SoRcvbuf = 8;
    public const int SoSndbuf = 7;
    public const int SolNetlink = 270;
    public const int NetlinkCapAck = 10;
    public const int NetlinkExtAck = 11;
    public const int MsgPeek = 0x2;
    public const int MsgTrunc = 0x20;
    public const int OReadOnly = 0;
    public const int OCreate = 0x40;
    public const int OExclusive = 0x80;
    public const int OCloexec = 0x80000;
    public const int OReadWrite = 2;
    public const int CloneNewNet = 0x40000000;
    public const ulong MsBind = 0x1000;
    public const ulong MsRec = 0x4000;
    public const ulong MsShared = 1 << 20;
    public const int MntDetach = 2;

    public const int Eintr = 4;
    public const int Enoent = 2;
    public const int Eexist = 17;
    public const int Einval = 22;
    public const int Ebusy = 16;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte[] address, int length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSocketName(int fd, [Out] byte[] address, ref int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte[] buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int fd, [Out] byte[] buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSocketOption(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MakeDirectory(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNamespace(int fd, int type);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string? fileSystemType, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unmount(string target, int flags);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, byte[] argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", EntryPoint = "getpwnam", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetPasswordEntry(string name);

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetThreadId();

    /// <summary>The errno of the last call made through this class.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>What strerror says of an errno ("File exists").</summary>
    /// <param name="errno">The positive errno.</param>
    /// <returns>The text.</returns>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
