using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace VirtualLan.Netlink;

/// <summary>
/// Persistent taps made and deleted the way <c>ip tuntap add|del dev NAME mode tap [user U]</c>
/// does (ip/iptuntap.c): /dev/net/tun is opened, TUNSETIFF names a tap without packet information,
/// TUNSETOWNER gives it its user, and TUNSETPERSIST keeps it (1) or lets it go when the descriptor
/// is closed (0). The device is made in the namespace of the thread that opens /dev/net/tun.
/// </summary>
internal static class TunDevice
{
    private const nuint SetInterface = 0x400454ca;
    private const nuint SetPersist = 0x400454cb;
    private const nuint SetOwner = 0x400454cc;
    private const short Tap = 0x0002;
    private const short NoPacketInformation = 0x1000;

    /// <summary>Makes a tap persistent (<paramref name="create"/>) or ends it; returns what ip would print on failure, or null.</summary>
    /// <param name="name">The tap.</param>
    /// <param name="create">True to make it, false to delete it.</param>
    /// <param name="owner">The user id allowed to open it, or null.</param>
    /// <returns>Null on success, else the error text.</returns>
    public static string? Persist(string name, bool create, uint? owner)
    {
        var fd = Native.Open("/dev/net/tun", Native.OReadWrite | Native.OCloexec, 0);
        if (fd < 0)
        {
            return $"open /dev/net/tun: {Native.Describe(Native.Errno)}";
        }

        try
        {
            var request = new byte[40];
            var bytes = Encoding.UTF8.GetBytes(name);
            if (bytes.Length >= 16)
            {
                return $"Error: argument \"{name}\" is wrong: \"name\" not a valid ifname";
            }

            bytes.CopyTo(request, 0);
            BitConverter.TryWriteBytes(request.AsSpan(16), (short)(Tap | NoPacketInformation));
            if (Native.Ioctl(fd, SetInterface, request) < 0)
            {
                return $"ioctl(TUNSETIFF): {Native.Describe(Native.Errno)}";
            }

            if (owner is { } uid && Native.Ioctl(fd, SetOwner, (nint)uid) < 0)
            {
                return $"ioctl(TUNSETOWNER): {Native.Describe(Native.Errno)}";
            }

            return Native.Ioctl(fd, SetPersist, create ? 1 : 0) < 0
                ? $"ioctl(TUNSETPERSIST): {Native.Describe(Native.Errno)}"
                : null;
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    /// <summary>Resolves a tap's owner as ip does: a number is a user id, else a name looked up with getpwnam.</summary>
    /// <param name="user">The number or name.</param>
    /// <returns>The user id, or null when there is no such user.</returns>
    public static uint? UserId(string user)
    {
        if (uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... }
        var entry = Native.GetPasswordEntry(user);
        return entry == 0 ? null : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }
}
