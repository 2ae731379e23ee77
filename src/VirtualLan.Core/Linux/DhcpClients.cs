using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>
/// Finds an installed DHCP client and builds the command that gets a lease for a link inside a
/// namespace and then keeps it in the background.
/// </summary>
public static class DhcpClients
{
    /// <summary>The script the Debian udhcpc package installs; busybox's own default path is not shipped.</summary>
    public const string UdhcpcScript = "/etc/udhcpc/default.script";

    /// <summary>Picks the client: udhcpc (with its script), then dhclient, then dhcpcd.</summary>
    /// <param name="exists">Tells whether a file exists.</param>
    /// <param name="locate">Finds a program, returning null when it is missing.</param>
    /// <returns>The client's name.</returns>
    /// <exception cref="VlanException">None is installed; the message names the packages.</exception>
    public static string Choose(Func<string, bool> exists, Func<string, string?> locate)
    {
        ArgumentNullException.ThrowIfNull(exists);
        ArgumentNullException.ThrowIfNull(locate);
        if (locate("udhcpc") is not null && exists(UdhcpcScript))
        {
            return "udhcpc";
        }

        foreach (var client in new[] { "dhclient", "dhcpcd" })
        {
            if (locate(client) is not null)
            {
                return client;
            }
        }

        throw new VlanException(
            ErrorIds.DhcpClientNotFound,
            VlanErrorKind.NotInstalled,
            "-Dhcp",
            "-Dhcp needs a DHCP client, and none is installed: udhcpc (package udhcpc, which also installs /etc/udhcpc/default.script), dhclient (package isc-dhcp-client) and dhcpcd (package dhcpcd-base) are all missing. Install one, or give -UplinkAddress and -UplinkGateway.");
    }

    /// <summary>The file that holds the client's process id, so that rollback can stop it.</summary>
    /// <param name="client">The client.</param>
    /// <param name="namespaceName">The router namespace.</param>
    /// <returns>The path.</returns>
    public static string PidFile(string client, string namespaceName) => $"/run/virtuallan-{namespaceName}-{client}.pid";

    /// <summary>
    /// The files a DHCP client started by the module may leave in /run for a namespace: its pid file
    /// and dhclient's leases. A client stopped with SIGTERM deletes its pid file; one killed does not.
    /// </summary>
    /// <param name="namespaceName">The router namespace.</param>
    /// <returns>The paths, whether they exist or not.</returns>
    public static IReadOnlyList<string> Files(string namespaceName) =>
        new[] { PidFile("udhcpc", namespaceName), PidFile("dhclient", namespaceName), $"/run/virtuallan-{namespaceName}-dhclient.leases" };

    /// <summary>
    /// Builds the command that gets a lease for a link and then keeps renewing it in the background.
    /// Each client is asked to give up after about ten seconds without a lease, so a missing DHCP
    /// server fails the plan instead of hanging it.
    /// </summary>
    /// <param name="client">The client, from <see cref="Choose"/>.</param>
    /// <param name="namespaceName">The router namespace.</param>
    /// <param name="link">The uplink.</param>
    /// <returns>The command.</returns>
    public static CommandLine Start(string client, string namespaceName, string link)
    {
        var pid = PidFile(client, namespaceName);
        string[] arguments = client switch
        {
            "udhcpc" => new[] { "-i", link, "-n", "-t", "5", "-T", "2", "-s", UdhcpcScript, "-p", pid },
            "dhclient" => new[] { "-1", "-pf", pid, "-lf", Files(namespaceName)[2], link },
            "dhcpcd" => new[] { "--ipv4only", "--timeout", "10", "--waitip=4", link },
            _ => throw new ArgumentOutOfRangeException(nameof(client), client, "Unknown DHCP client."),
        };
        return NetworkHost.ExecIn(namespaceName, client, arguments);
    }

    /// <summary>Builds the command that stops the client started by <see cref="Start"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="namespaceName">The router namespace.</param>
    /// <param name="link">The uplink.</param>
    /// <returns>The command.</returns>
    public static CommandLine Stop(string client, string namespaceName, string link) =>
        client == "dhcpcd"
            ? NetworkHost.ExecIn(namespaceName, "dhcpcd", new[] { "-x", link })
            : new CommandLine("pkill", "-F", PidFile(client, namespaceName));
}
