using System.Globalization;
using System.Text.Json;
using VirtualLan.Execution;

namespace VirtualLan.Linux;

/// <summary>A container as <c>docker inspect</c> reports it.</summary>
/// <param name="Id">The full id.</param>
/// <param name="Name">The name, without Docker's leading '/'.</param>
/// <param name="Pid">The pid of its init process; 0 when it is not running.</param>
public sealed record DockerContainer(string Id, string Name, int Pid)
{
    /// <summary>Gets the path of its network namespace.</summary>
    public string NetworkNamespace => $"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/ns/net";
}

/// <summary>A Docker network as <c>docker network inspect</c> reports it.</summary>
/// <param name="Id">The full id.</param>
/// <param name="Name">The name.</param>
/// <param name="Bridge">The Linux bridge Docker made for it (br-… unless named by an option).</param>
/// <param name="Internal">Whether it was made with --internal.</param>
/// <param name="Containers">The containers on it: id, name and address with prefix.</param>
public sealed record DockerNetwork(string Id, string Name, string Bridge, bool Internal, IReadOnlyList<(string Id, string Name, Ipv4Cidr? Address)> Containers);

/// <summary>
/// Reads containers and networks through the docker CLI's JSON output. The CLI talks to whatever
/// engine DOCKER_HOST (or the default socket) names, as it does for the user.
/// </summary>
public sealed class Docker
{
    private readonly ICommandRunner _runner;

    /// <summary>Initializes a new instance of the <see cref="Docker"/> class.</summary>
    /// <param name="runner">Runs the docker CLI.</param>
    public Docker(ICommandRunner runner)
    {
        _runner = runner;
    }

    /// <summary>Finds a running container by name or id.</summary>
    /// <param name="nameOrId">The name or id.</param>
    /// <returns>The container.</returns>
    /// <exception cref="VlanException">It does not exist or is not running.</exception>
    public DockerContainer Container(string nameOrId)
    {
        var json = Inspect(new CommandLine("docker", "container", "inspect", nameOrId), ErrorIds.ContainerNotFound, nameOrId, $"There is no container '{nameOrId}'. Run 'docker ps' to see the running containers.");
        var container = ParseContainers(json)[0];
        return container.Pid > 0
            ? container
            : throw new VlanException(ErrorIds.ContainerNotRunning, VlanErrorKind.InvalidOperation, nameOrId, $"The container '{nameOrId}' is not running, so it has no network namespace to plug into. Start it with 'docker start {nameOrId}'.");
    }

    /// <summary>Finds a network by name or id.</summary>
    /// <param name="nameOrId">The name or id.</param>
    /// <returns>The network.</returns>
    /// <exception cref="VlanException">It does not exist or is not a bridge network.</exception>
    public DockerNetwork Network(string nameOrId)
    {
        var json = Inspect(new CommandLine("docker", "network", "inspect", nameOrId), ErrorIds.DockerNetworkNotFound, nameOrId, $"There is no Docker network '{nameOrId}'. Run 'docker network ls' to see them, or make one with 'docker network create --internal {nameOrId}'.");
        return ParseNetworks(json)[0];
    }

    /// <summary>
    /// Lists the running containers (<c>docker ps</c>), as completion offers them: one command,
    /// stopped when the token is cancelled (an engine that does not answer).
    /// </summary>
    /// <param name="cancellationToken">Stops the docker CLI.</param>
    /// <returns>Each container's name, image and status.</returns>
    /// <exception cref="CommandFailedException">The docker CLI failed: no engine answers.</exception>
    public IReadOnlyList<(string Name, string Image, string Status)> RunningContainers(CancellationToken cancellationToken) =>
        ParseJsonLines(List(new CommandLine("docker", "container", "ls", "--no-trunc", "--format", "{{json .}}"), cancellationToken))
            .Select(c => (Field(c, "Names"), Field(c, "Image"), Field(c, "Status")))
            .Where(c => c.Item1.Length > 0)
            .ToArray();

    /// <summary>
    /// Lists the bridge networks (<c>docker network ls</c>), the only ones a LAN can join, as
    /// completion offers them: one command, stopped when the token is cancelled.
    /// </summary>
    /// <param name="cancellationToken">Stops the docker CLI.</param>
    /// <returns>Each network's name, short id and whether it is internal.</returns>
    /// <exception cref="CommandFailedException">The docker CLI failed: no engine answers.</exception>
    public IReadOnlyList<(string Name, string Id, bool Internal)> BridgeNetworks(CancellationToken cancellationToken) =>
        ParseJsonLines(List(new CommandLine("docker", "network", "ls", "--filter", "driver=bridge", "--format", "{{json .}}"), cancellationToken))
            .Select(n => (Field(n, "Name"), Field(n, "ID"), Field(n, "Internal") == "true"))
            .Where(n => n.Item1.Length > 0)
            .ToArray();

    /// <summary>Parses the docker CLI's <c>--format '{{json .}}'</c> output: one JSON object per line, every field a string.</summary>
    /// <param name="text">The output.</param>
    /// <returns>Each line's fields.</returns>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> ParseJsonLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var document = JsonDocument.Parse(line);
            rows.Add(document.RootElement.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.ToString(),
                StringComparer.Ordinal));
        }

        return rows;
    }

    /// <summary>Parses the output of <c>docker container inspect</c>.</summary>
    /// <param name="json">The output.</param>
    /// <returns>The containers.</returns>
    public static IReadOnlyList<DockerContainer> ParseContainers(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(c => new DockerContainer(
                c.GetProperty("Id").GetString()!,
                c.GetProperty("Name").GetString()!.TrimStart('/'),
                c.GetProperty("State").GetProperty("Pid").GetInt32()))
            .ToArray();
    }

    /// <summary>Parses the output of <c>docker network inspect</c>.</summary>
    /// <param name="json">The output.</param>
    /// <returns>The networks.</returns>
    /// <exception cref="VlanException">A network is not a bridge network.</exception>
    public static IReadOnlyList<DockerNetwork> ParseNetworks(string json)
    {
        using var document = JsonDocument.Parse(json);
        var networks = new List<DockerNetwork>();
        foreach (var n in document.RootElement.EnumerateArray())
        {
            var id = n.GetProperty("Id").GetString()!;
            var name = n.GetProperty("Name").GetString()!;
            if (n.GetProperty("Driver").GetString() != "bridge")
            {
                throw new VlanException(ErrorIds.DockerNetworkNotBridge, VlanErrorKind.InvalidArgument, name, $"The Docker network '{name}' uses the driver '{n.GetProperty("Driver").GetString()}'; only bridge networks have a Linux bridge to join. Create one with 'docker network create --internal {name}'.");
            }

            var bridge = n.TryGetProperty("Options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("com.docker.network.bridge.name", out var named) ? named.GetString()! : "br-" + id[..12];
            var containers = new List<(string, string, Ipv4Cidr?)>();
            if (n.TryGetProperty("Containers", out var attached) && attached.ValueKind == JsonValueKind.Object)
            {
                foreach (var c in attached.EnumerateObject())
                {
                    var address = c.Value.TryGetProperty("IPv4Address", out var a) && Ipv4Cidr.TryParse(a.GetString(), out var cidr, out _) ? cidr : (Ipv4Cidr?)null;
                    containers.Add((c.Name, c.Value.GetProperty("Name").GetString()!, address));
                }
            }

            networks.Add(new DockerNetwork(id, name, bridge, n.TryGetProperty("Internal", out var i) && i.GetBoolean(), containers.OrderBy(c => c.Item2, StringComparer.Ordinal).ToArray()));
        }

        return networks;
    }

    private static string Field(IReadOnlyDictionary<string, string> row, string key) => row.TryGetValue(key, out var value) ? value : string.Empty;

    private string List(CommandLine command, CancellationToken cancellationToken)
    {
        var result = _runner.Run(command, null, cancellationToken);
        return result.Succeeded
            ? result.StandardOutput
            : throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>(), "Is the Docker engine running, and does DOCKER_HOST point at it?");
    }

    private string Inspect(CommandLine command, string notFoundId, string target, string notFoundMessage)
    {
        var result = _runner.Run(command, null, CancellationToken.None);
        if (result.Succeeded)
        {
            return result.StandardOutput;
        }

        if (result.StandardError.Contains("No such", StringComparison.OrdinalIgnoreCase) || result.StandardError.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            throw new VlanException(notFoundId, VlanErrorKind.ObjectNotFound, target, notFoundMessage);
        }

        throw new CommandFailedException(command, result.ExitCode, result.StandardError, Array.Empty<CommandLine>(), Array.Empty<string>(), "Is the Docker engine running, and does DOCKER_HOST point at it?");
    }
}
