using System.Text;

namespace VirtualLan.Configuration;

/// <summary>
/// The systemd units that bring a declared LAN back: one runs Sync-VlanConfiguration at boot once
/// the network is up, the other after every start of docker.service (<c>PartOf=</c> it, so a
/// restart of Docker restarts it too), which puts the DOCKER-USER jump back above Docker's own
/// after a live-restore restart (moby/moby#48560) — the pattern netavark's firewall-reload units use.
/// </summary>
public static class SystemdUnits
{
    /// <summary>The folder systemd reads the administrator's units from.</summary>
    public const string DefaultDirectory = "/etc/systemd/system";

    /// <summary>The unit that syncs at boot.</summary>
    public const string BootUnit = "virtuallan-sync.service";

    /// <summary>The unit that syncs after every Docker start.</summary>
    public const string DockerUnit = "virtuallan-sync-docker.service";

    /// <summary>Gets the units' names with the target each is wanted by (what systemctl enable links).</summary>
    public static IReadOnlyList<(string Unit, string WantedBy)> Units { get; } = new[] { (BootUnit, "multi-user.target"), (DockerUnit, "docker.service") };

    /// <summary>
    /// The command line the units run: pwsh by absolute path (or dotnet with pwsh.dll, for pwsh as a
    /// .NET tool), the module by absolute path, the document by absolute path. It holds no
    /// character systemd would expand ($, %) or that needs escaping in a single-quoted PowerShell string.
    /// </summary>
    /// <param name="pwsh">The program and arguments that start pwsh, absolute.</param>
    /// <param name="module">The module's manifest, absolute.</param>
    /// <param name="document">The document, absolute.</param>
    /// <returns>The argument vector.</returns>
    /// <exception cref="VlanException"><see cref="ErrorIds.UnitPathInvalid"/>: a path is relative or holds such a character.</exception>
    public static IReadOnlyList<string> Command(IReadOnlyList<string> pwsh, string module, string document)
    {
        ArgumentNullException.ThrowIfNull(pwsh);
        foreach (var path in pwsh.Take(1).Concat(new[] { module, document }))
        {
            CheckPath(path);
        }

        var script = $"Import-Module '{module}' -ErrorAction Stop; Sync-VlanConfiguration -Path '{document}' -ErrorAction Stop";
        return pwsh.Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", script }).ToArray();
    }

    /// <summary>Writes the text of one unit.</summary>
    /// <param name="unit">The unit's name, one of <see cref="Units"/>.</param>
    /// <param name="command">The command line (<see cref="Command"/>).</param>
    /// <param name="document">The document, for the description.</param>
    /// <param name="sandbox">The sandbox the LAN lives in, or null for the machine's own namespace.</param>
    /// <returns>The unit file's text.</returns>
    public static string Unit(string unit, IReadOnlyList<string> command, string document, string? sandbox)
    {
        ArgumentNullException.ThrowIfNull(command);
        var docker = unit == DockerUnit;
        var text = new StringBuilder();
        text.Append("# Written by Register-VlanConfiguration; Unregister-VlanConfiguration removes it.\n");
        text.Append("[Unit]\n");
        text.Append(docker
            ? $"Description=VirtualLan: sync the LAN of {document} after Docker starts\n"
            : $"Description=VirtualLan: sync the LAN of {document} at boot\n");
        if (docker)
        {
            text.Append("After=docker.service\nPartOf=docker.service\n");
        }
        else
        {
            text.Append("Wants=network-online.target\nAfter=network-online.target\n");
        }

        text.Append("\n[Service]\nType=oneshot\nRemainAfterExit=yes\n");
        if (sandbox is not null)
        {
            CheckPath("/" + sandbox);
            text.Append("Environment=VIRTUALLAN_SANDBOX=" + sandbox + "\n");
        }

        text.Append("ExecStart=").Append(string.Join(' ', command.Select(Quote))).Append('\n');
        text.Append("\n[Install]\nWantedBy=" + (docker ? "docker.service" : "multi-user.target") + "\n");
        return text.ToString();
    }

    /// <summary>Reads back the argument vector of a unit's ExecStart line (double quotes as systemd reads them).</summary>
    /// <param name="unitText">The unit's text.</param>
    /// <returns>The arguments, or empty when there is no ExecStart.</returns>
    public static IReadOnlyList<string> ExecStart(string unitText)
    {
        ArgumentNullException.ThrowIfNull(unitText);
        var line = unitText.Split('\n').FirstOrDefault(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        if (line is null)
        {
            return Array.Empty<string>();
        }

        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var inWord = false;
        var text = line["ExecStart=".Length..];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '+' or ',' or '=' or '@')
            ? argument
            : "\"" + argument.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static void CheckPath(string path)
    {
        if (!Path.IsPathRooted(path) || path.Any(c => c is '$' or '%' or '\'' or '"' or '\\' || char.IsControl(c)))
        {
            throw new VlanException(
                ErrorIds.UnitPathInvalid,
                VlanErrorKind.InvalidArgument,
                path,
                $"'{path}' cannot go into a systemd unit as it is: a unit needs absolute paths without $, %, quotes, backslashes or control characters. Move the file to such a path and register again.");
        }
    }
}
