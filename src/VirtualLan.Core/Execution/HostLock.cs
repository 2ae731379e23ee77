using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VirtualLan.Execution;

/// <summary>
/// One lock for every VirtualLan process on the machine, held from reading the kernel's state to
/// applying the plan made from it, so that two runbooks building on the same bridge at once do not
/// both take the same free address or name. It is an flock on /run/virtuallan/lock, which the
/// kernel releases if the process dies. The folder belongs to root alone (made with mode 0700,
/// refused when it is a symbolic link, owned by another user, or writable by group or others), and
/// the file is opened inside it without following links, so no other user can hold the lock, nor
/// make root create or lock a file of their choosing.
/// </summary>
public static partial class HostLock
{
    /// <summary>The folder of the lock for root.</summary>
    public const string DefaultFolder = "/run/virtuallan";

    /// <summary>The lock file's name inside its folder.</summary>
    public const string FileName = "lock";

    /// <summary>
    /// The environment variable that points the lock at another folder, for test runs that must not
    /// share the machine's lock (the folder must pass the same checks).
    /// </summary>
    public const string FolderVariable = "VIRTUALLAN_TEST_LOCK_FOLDER";

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int ORdonly = 0;
    private const int ORdwr = 2;
    private const int OCreat = 0x40;
    private const int OCloexec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EExist = 17;
    private const int EWouldBlock = 11;
    private const int EInterrupted = 4;
    private const int SIfMt = 0xF000;
    private const int SIfDir = 0x4000;
    private const int SIfReg = 0x8000;
    private const int SIfLnk = 0xA000;

    [ThreadStatic]
    private static int _depth;

    /// <summary>Gets the folder the lock is taken in: the test folder when set, else /run/virtuallan for root, else a folder of the user's own.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder
            ? folder
            : Environment.IsPrivilegedProcess
                ? DefaultFolder
                : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "virtuallan-" + GetEffectiveUserId().ToString(CultureInfo.InvariantCulture));

    /// <summary>Gets the lock file of this process.</summary>
    public static string Path => System.IO.Path.Combine(Folder, FileName);

    /// <summary>Takes the lock, waiting for another process to release it.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="VlanException">Another process held it for longer than the timeout, or the lock's folder or file is not safe.</exception>
    public static IDisposable Acquire(TimeSpan timeout) => Acquire(timeout, Folder);

    /// <summary>Takes the lock in the given folder, waiting for another process to release it.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="folder">The folder of the lock file; made with mode 0700 when missing.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="VlanException">
    /// <see cref="ErrorIds.HostBusy"/>: another process held it for longer than the timeout;
    /// <see cref="ErrorIds.HostLockUnsafe"/>: the folder or file is a link, not the user's own, or writable by others.
    /// </exception>
    public static IDisposable Acquire(TimeSpan timeout, string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);

        // A plan that runs another plan on the same thread already holds the lock.
        if (_depth > 0)
        {
            _depth++;
            return new Release(null);
        }

        var handle = Open(folder);
        var file = System.IO.Path.Combine(folder, FileName);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Flock(handle, LockExclusive | LockNonBlocking) == 0)
            {
                _depth = 1;
                return new Release(handle);
            }

            var error = Marshal.GetLastPInvokeError();
            if (error is not (EWouldBlock or EInterrupted))
            {
                handle.Dispose();
                throw Unsafe(file, $"it cannot be locked (errno {error})");
            }

            if (DateTime.UtcNow >= deadline)
            {
                handle.Dispose();
                throw new VlanException(
                    ErrorIds.HostBusy,
                    VlanErrorKind.InvalidOperation,
                    file,
                    $"Another VirtualLan command has held {file} for more than {timeout.TotalSeconds:0} s. Wait for it to finish and try again.");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Opens the lock file, making the folder and the file when missing, refusing links and other users' files.</summary>
    private static SafeFileHandle Open(string folder)
    {
        var user = GetEffectiveUserId();
        if (MakeDirectory(folder, Convert.ToUInt32("700", 8)) != 0 && Marshal.GetLastPInvokeError() is var made && made != EExist)
        {
            throw Unsafe(folder, $"it cannot be made (errno {made}); VirtualLan must run as root");
        }

        // The checks are made on what was opened, so nothing can be swapped in between.
        Check(folder, StatPath(folder), SIfDir, user);
        var directory = OpenPath(folder, ORdonly | ODirectory | ONoFollow | OCloexec, 0);
        if (directory.IsInvalid)
        {
            throw Unsafe(folder, $"it cannot be opened (errno {Marshal.GetLastPInvokeError()})");
        }

        using (directory)
        {
            Check(folder, StatHandle(directory), SIfDir, user);
            var file = System.IO.Path.Combine(folder, FileName);
            var handle = OpenAt(directory, FileName, ORdwr | OCreat | ONoFollow | OCloexec, Convert.ToUInt32("600", 8));
            if (handle.IsInvalid)
            {
                var error = Marshal.GetLastPInvokeError();
                handle.Dispose();
                var (status, _) = StatPathAt(directory, FileName);
                throw status is { } s && (s.Mode & SIfMt) == SIfLnk
                    ? Unsafe(file, "it is a symbolic link, which VirtualLan never follows; nothing was created where it points")
                    : Unsafe(file, $"it cannot be opened (errno {error})");
            }

            try
            {
                Check(file, StatHandle(handle), SIfReg, user);
            }
            catch
            {
                handle.Dispose();
                throw;
            }

            return handle;
        }
    }

    private static void Check(string path, (Status? Status, int Error) found, int type, uint user)
    {
        if (found.Status is not { } status)
        {
            throw Unsafe(path, $"it cannot be read (errno {found.Error})");
        }

        if ((status.Mode & SIfMt) == SIfLnk)
        {
            throw Unsafe(path, "it is a symbolic link, which VirtualLan never follows");
        }

        if ((status.Mode & SIfMt) != type)
        {
            throw Unsafe(path, type == SIfDir ? "it is not a folder" : "it is not a plain file");
        }

        if (status.Uid != user)
        {
            throw Unsafe(path, $"it belongs to user {status.Uid}, not {user}, who could then hold VirtualLan's lock");
        }

        if ((status.Mode & Convert.ToInt32("022", 8)) != 0)
        {
            throw Unsafe(path, "group or other users may write to it, and could then hold or replace VirtualLan's lock");
        }
    }

    private static VlanException Unsafe(string path, string why) =>
        new(
            ErrorIds.HostLockUnsafe,
            VlanErrorKind.PermissionDenied,
            path,
            $"VirtualLan's host lock cannot be taken safely at {path}: {why}. Remove it (as root: rm -rf {CommandLine.Quote(path)}) so that VirtualLan makes it again, owned by root with mode 0700, and run the command again as root.");

    private static (Status? Status, int Error) StatPath(string path) => Statx(AtFdCwd, path, AtSymlinkNoFollow);

    private static (Status? Status, int Error) StatPathAt(SafeFileHandle directory, string name)
    {
        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return Statx((int)directory.DangerousGetHandle(), name, AtSymlinkNoFollow);
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    private static (Status? Status, int Error) StatHandle(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath | AtSymlinkNoFollow);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>statx: its layout is the same on every architecture (uid at byte 20, mode at byte 28).</summary>
    private static (Status? Status, int Error) Statx(int directory, string path, int flags)
    {
        var buffer = new byte[256];
        if (StatxNative(directory, path, flags, StatxBasicStats, buffer) != 0)
        {
            return (null, Marshal.GetLastPInvokeError());
        }

        return (new Status(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt16(buffer, 28)), 0);
    }

    /// <summary>O_DIRECTORY: arm and arm64 number it apart from the rest.</summary>
    private static int ODirectory => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>O_NOFOLLOW: arm and arm64 number it apart from the rest.</summary>
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeDirectory(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle OpenPath(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle OpenAt(SafeFileHandle directory, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle handle, int operation);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(int directory, string path, int flags, uint mask, [Out] byte[] buffer);

    private readonly record struct Status(uint Uid, int Mode);

    private sealed class Release : IDisposable
    {
        private SafeFileHandle? _handle;

        public Release(SafeFileHandle? handle)
        {
            _handle = handle;
        }

        public void Dispose()
        {
            _depth--;
            _handle?.Dispose();
            _handle = null;
        }
    }
}
