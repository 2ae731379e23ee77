using System.Globalization;
using System.Runtime.InteropServices;

namespace VirtualLan.Netlink;

/// <summary>
/// The names iproute2 prints for numbers (lib/rt_names.c): link groups from /etc/iproute2/group,
/// route protocols and scopes (built in, then /etc/iproute2/rt_protos, rt_protos.d/*.conf and
/// rt_scopes), and users (getpwuid, for a tap's owner). Each file is read once, when first needed,
/// as ip does.
/// </summary>
public sealed partial class IpNames
{
    private static readonly Dictionary<int, string> BuiltInProtocols = new()
    {
        [0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot", [4] = "static",
        [8] = "gated", [9] = "ra", [10] = "mrt", [11] = "zebra", [12] = "bird", [13] = "dnrouted",
        [14] = "xorp", [15] = "ntk", [16] = "dhcp", [18] = "keepalived", [42] = "babel",
        [186] = "bgp", [187] = "isis", [188] = "ospf", [189] = "rip", [192] = "eigrp",
    };

    private static readonly Dictionary<int, string> BuiltInScopes = new()
    {
        [0] = "global", [255] = "nowhere", [254] = "host", [253] = "link", [200] = "site",
    };

    private readonly string _folder;
    private readonly Dictionary<uint, string?> _users = new();
    private Dictionary<int, string>? _groups;
    private Dictionary<int, string>? _protocols;
    private Dictionary<int, string>? _scopes;

    /// <summary>Initializes a new instance of the <see cref="IpNames"/> class.</summary>
    /// <param name="folder">iproute2's configuration folder (CONFDIR).</param>
    public IpNames(string folder = "/etc/iproute2")
    {
        _folder = folder;
    }

    /// <summary>Returns a link group's name as <c>ip link</c> prints it: the last name the group file gives the number, else the number (signed).</summary>
    /// <param name="group">The group (IFLA_GROUP).</param>
    /// <returns>The text.</returns>
    public string Group(uint group)
    {
        _groups ??= ReadGroups();
        var id = unchecked((int)group);
        return _groups.TryGetValue(id, out var name) ? name : id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Returns a route protocol's name as <c>ip route</c> prints it (rtnl_rtprot_n2a).</summary>
    /// <param name="protocol">The protocol (rtm_protocol).</param>
    /// <returns>The text.</returns>
    public string Protocol(byte protocol) => Name(protocol, BuiltInProtocols, ref _protocols, "rt_protos", "rt_protos.d");

    /// <summary>Returns a route scope's name as <c>ip route</c> prints it (rtnl_rtscope_n2a).</summary>
    /// <param name="scope">The scope (rtm_scope).</param>
    /// <returns>The text.</returns>
    public string Scope(byte scope) => Name(scope, BuiltInScopes, ref _scopes, "rt_scopes", null);

    /// <summary>Returns a user's name as iproute2 prints a tap's owner: the name getpwuid finds, else the number.</summary>
    /// <param name="uid">The user id.</param>
    /// <returns>The text.</returns>
    public string User(uint uid)
    {
        if (!_users.TryGetValue(uid, out var name))
        {
            name = LookUpUser(uid);
            _users[uid] = name;
        }

        return name ?? uid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads an iproute2 table file as fread_id_name does: blank lines and '#' lines skipped, each
    /// line "0xHEX NAME" or "DECIMAL NAME"; a line that is neither ends the reading (ip says the
    /// database is corrupted), negative ids are skipped.
    /// </summary>
    /// <param name="text">The file's text.</param>
    /// <returns>The (id, name) pairs in file order.</returns>
    public static IEnumerable<(int Id, string Name)> ParseTable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimStart(' ', '\t');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (!TryParseLine(line, out var id, out var name))
            {
                yield break;
            }

            if (id >= 0)
            {
                yield return (id, name);
            }
        }
    }

    private static bool TryParseLine(string line, out int id, out string name)
    {
        id = 0;
        name = string.Empty;
        var i = 0;
        if (line.StartsWith("0x", StringComparison.Ordinal))
        {
            i = 2;
            var start = i;
            while (i < line.Length && Uri.IsHexDigit(line[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            id = unchecked((int)uint.Parse(line.AsSpan(start, Math.Min(i - start, 8)), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        else
        {
            var start = i;
            if (i < line.Length && line[i] is '-' or '+')
            {
                i++;
            }

            var digits = i;
            while (i < line.Length && char.IsAsciiDigit(line[i]))
            {
                i++;
            }

            if (i == digits || !int.TryParse(line.AsSpan(start, i - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id))
            {
                return false;
            }
        }

        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        var nameStart = i;
        while (i < line.Length && !char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        name = line[nameStart..i];
        return name.Length > 0;
    }

    private string Name(byte id, Dictionary<int, string> builtIn, ref Dictionary<int, string>? loaded, string file, string? folder)
    {
        // ip looks in its built-in table first and reads the files only for a number it lacks; once
        // read, the files' names replace the built-in ones.
        if (loaded is null && builtIn.TryGetValue(id, out var known))
        {
            return known;
        }

        if (loaded is null)
        {
            loaded = new Dictionary<int, string>(builtIn);
            Overlay(loaded, Path.Combine(_folder, file));
            if (folder is not null && Directory.Exists(Path.Combine(_folder, folder)))
            {
                foreach (var conf in Directory.EnumerateFiles(Path.Combine(_folder, folder))
                    .Where(f => Path.GetFileName(f) is { Length: > 5 } n && n[0] != '.' && n.EndsWith(".conf", StringComparison.Ordinal)))
                {
                    Overlay(loaded, conf);
                }
            }
        }

        return loaded.TryGetValue(id, out var name) ? name : id.ToString(CultureInfo.InvariantCulture);
    }

    private static void Overlay(Dictionary<int, string> table, string path)
    {
        foreach (var (id, name) in ParseTable(ReadOrEmpty(path)).Where(e => e.Id <= 255))
        {
            table[id] = name;
        }
    }

    private Dictionary<int, string> ReadGroups()
    {
        var groups = new Dictionary<int, string>();
        foreach (var (id, name) in ParseTable(ReadOrEmpty(Path.Combine(_folder, "group"))))
        {
            groups[id] = name;
        }

        return groups;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static string? LookUpUser(uint uid)
    {
        // struct passwd is 48 bytes on 64-bit Linux; pw_name is its first field.
        var passwd = Marshal.AllocHGlobal(64);
        var size = 16 * 1024;
        try
        {
            while (true)
            {
                var buffer = Marshal.AllocHGlobal(size);
                try
                {
                    var error = GetPasswdByUid(uid, passwd, buffer, (nuint)size, out var result);
                    if (error == Erange && size < 1024 * 1024)
                    {
                        size *= 4;
                        continue;
                    }

                    return error == 0 && result != 0 ? Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(result)) : null;
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer);
                }
            }
        }
        finally
        {
            Marshal.FreeHGlobal(passwd);
        }
    }

    private const int Erange = 34;

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static partial int GetPasswdByUid(uint uid, nint passwd, nint buffer, nuint length, out nint result);
}
