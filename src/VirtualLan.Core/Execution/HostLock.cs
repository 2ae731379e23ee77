namespace VirtualLan.Execution;

/// <summary>
/// One lock for every VirtualLan process on the machine, held from reading the kernel's state to
/// applying the plan made from it, so that two runbooks building on the same bridge at once do not
/// both take the same free address or name. It is an flock on /run/lock/virtuallan.lock, which the
/// kernel releases if the process dies.
/// </summary>
public static class HostLock
{
    /// <summary>The lock file.</summary>
    public const string Path = "/run/lock/virtuallan.lock";

    [ThreadStatic]
    private static int _depth;

    /// <summary>Takes the lock, waiting for another process to release it.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="VlanException">Another process held it for longer than the timeout.</exception>
    public static IDisposable Acquire(TimeSpan timeout)
    {
        // A plan that runs another plan on the same thread already holds the lock.
        if (_depth > 0)
        {
            _depth++;
            return new Release(null);
        }

        var folder = System.IO.Path.GetDirectoryName(Path)!;
        var file = Directory.Exists(folder) ? Path : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "virtuallan.lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                _depth = 1;
                return new Release(stream);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new VlanException(
                    ErrorIds.HostBusy,
                    VlanErrorKind.InvalidOperation,
                    file,
                    $"Another VirtualLan command has held {file} for more than {timeout.TotalSeconds:0} s. Wait for it to finish and try again.",
                    e);
            }
        }
    }

    private sealed class Release : IDisposable
    {
        private FileStream? _stream;

        public Release(FileStream? stream)
        {
            _stream = stream;
        }

        public void Dispose()
        {
            _depth--;
            _stream?.Dispose();
            _stream = null;
        }
    }
}
