using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 14, hole 6: the host lock lives in a folder of root's alone and is opened without
/// following links, so no other user can hold it (and make every cmdlet fail with HostBusy) or
/// plant a link that makes root create a file of their choosing. Each test uses a folder of its own.
/// </summary>
[Collection(KernelCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostLockTests : IDisposable
{
    private const string Nobody = "65534";

    private readonly string _root = Path.Combine("/tmp", "vlan-lock-" + Guid.NewGuid().ToString("N")[..8]);

    public HostLockTests()
    {
        // World-searchable, so that the other user can reach what is inside when it is allowed to.
        Directory.CreateDirectory(_root, UnixFileMode.UserRead | UserWriteExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
    }

    private const UnixFileMode UserWriteExecute = UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static (int ExitCode, string Output, string Error) AsNobody(params string[] argv) =>
        Kernel.Run("setpriv", ["--reuid", Nobody, "--regid", Nobody, "--clear-groups", "--", .. argv]);

    private static VlanException Refused(string folder)
    {
        var error = Assert.ThrowsAny<VlanException>(() => HostLock.Acquire(TimeSpan.FromSeconds(1), folder).Dispose());
        Assert.Equal(ErrorIds.HostLockUnsafe, error.ErrorId);
        Assert.Equal(VlanErrorKind.PermissionDenied, error.Kind);
        return error;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [KernelFact]
    public void The_lock_is_made_in_a_folder_of_roots_alone_that_another_user_cannot_enter_hold_or_plant_in()
    {
        var folder = Path.Combine(_root, "virtuallan");
        using (HostLock.Acquire(TimeSpan.FromSeconds(1), folder))
        {
            Assert.Equal(UnixFileMode.UserRead | UserWriteExecute, File.GetUnixFileMode(folder));
            Assert.Equal("0", Kernel.Must("stat", "-c", "%u", folder).Trim());

            // The other user can neither take the lock nor put anything in the folder.
            var held = AsNobody("flock", "--nonblock", "--exclusive", Path.Combine(folder, HostLock.FileName), "true");
            Assert.NotEqual(0, held.ExitCode);
            Assert.Contains("Permission denied", held.Error, StringComparison.Ordinal);
            var planted = AsNobody("ln", "-s", "/etc/nologin", Path.Combine(folder, "planted"));
            Assert.NotEqual(0, planted.ExitCode);
            Assert.False(File.Exists(Path.Combine(folder, "planted")));
        }

        // Taken again, released by the one before.
        HostLock.Acquire(TimeSpan.FromSeconds(1), folder).Dispose();
    }

    [KernelFact]
    public void A_lock_folder_another_user_can_write_to_or_owns_is_refused_with_a_clear_error()
    {
        // The old place, /run/lock, is world-writable: anyone could hold a lock made there.
        var shared = Path.Combine(_root, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("1777", 8));
        Assert.Contains("other users may write", Refused(shared).Message, StringComparison.Ordinal);

        // A folder the other user made first, where it holds the lock.
        var theirs = Path.Combine(_root, "theirs");
        Directory.CreateDirectory(theirs, UnixFileMode.UserRead | UserWriteExecute);
        Kernel.Must("chown", Nobody + ":" + Nobody, theirs);
        Assert.Contains("belongs to user 65534", Refused(theirs).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(theirs, HostLock.FileName)));

        // A lock file the other user owns inside root's folder.
        var planted = Path.Combine(_root, "planted");
        Directory.CreateDirectory(planted, UnixFileMode.UserRead | UserWriteExecute);
        File.WriteAllText(Path.Combine(planted, HostLock.FileName), string.Empty);
        Kernel.Must("chown", Nobody, Path.Combine(planted, HostLock.FileName));
        Assert.Contains("belongs to user 65534", Refused(planted).Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void A_symbolic_link_at_the_lock_or_its_folder_is_refused_and_nothing_is_made_where_it_points()
    {
        var target = Path.Combine(_root, "chosen-by-attacker");

        var folder = Path.Combine(_root, "virtuallan");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UserWriteExecute);
        File.CreateSymbolicLink(Path.Combine(folder, HostLock.FileName), target);
        Assert.Contains("symbolic link", Refused(folder).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        var linkedFolder = Path.Combine(_root, "linked");
        Directory.CreateDirectory(target + ".d", UnixFileMode.UserRead | UserWriteExecute);
        File.CreateSymbolicLink(linkedFolder, target + ".d");
        Assert.Contains("symbolic link", Refused(linkedFolder).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(target + ".d"));
    }

    [KernelFact]
    public void A_second_holder_waits_and_then_gets_HostBusy()
    {
        var folder = Path.Combine(_root, "virtuallan");
        using var first = HostLock.Acquire(TimeSpan.FromSeconds(1), folder);
        var holder = Kernel.Run("flock", "--nonblock", "--exclusive", Path.Combine(folder, HostLock.FileName), "true");
        Assert.NotEqual(0, holder.ExitCode);
        Exception? second = null;
        var thread = new Thread(() => second = Record.Exception(() => HostLock.Acquire(TimeSpan.FromMilliseconds(200), folder).Dispose()));
        thread.Start();
        thread.Join();
        Assert.Equal(ErrorIds.HostBusy, Assert.IsType<VlanException>(second).ErrorId);
    }

    [KernelFact]
    public void A_cmdlet_refuses_an_unsafe_lock_folder_with_HostLockUnsafe_and_changes_nothing()
    {
        var shared = Path.Combine(_root, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("1777", 8));
        using var sandbox = new TestSandbox();
        var before = Kernel.Snapshot(sandbox.Name);
        var previous = Environment.GetEnvironmentVariable(HostLock.FolderVariable);
        Environment.SetEnvironmentVariable(HostLock.FolderVariable, shared);
        try
        {
            var error = sandbox.Session.InvokeFailing("New-VlanBridge");
            Assert.StartsWith(ErrorIds.HostLockUnsafe + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal("PermissionDenied", error.CategoryInfo.Category.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(HostLock.FolderVariable, previous);
        }

        Assert.Equal(before, Kernel.Snapshot(sandbox.Name));
    }
}
