using System.Text.Json.Nodes;
using VirtualLan.Configuration;
using VirtualLan.Execution;
using VirtualLan.Linux;
using VirtualLan.Readers;

namespace VirtualLan.Tests.Unit;

/// <summary>
/// Sync-VlanConfiguration plans every stage before any runs: the later stages from the bridge,
/// router, host NAT and appliances the earlier ones declare, on a fake kernel that holds none of them.
/// </summary>
public class SyncPlanningTests : IDisposable
{
    private const string Document = """
        {
          "version": 1,
          "bridges": [ { "name": "virtualnet0", "address": "172.24.0.1/16", "mtu": 1500 } ],
          "routers": [ { "name": "router", "bridge": "virtualnet0", "uplink": "uplink0" } ],
          "appliances": [
            { "kind": "namespace", "name": "web", "bridge": "virtualnet0", "address": "172.24.1.10/16", "create": true },
            { "kind": "namespace", "name": "desk", "bridge": "virtualnet0", "create": true },
            { "kind": "tap", "name": "qemutap0", "bridge": "virtualnet0", "address": "172.24.2.10/16" }
          ],
          "portForwards": [ { "router": "router", "protocol": "tcp", "externalPort": "4000", "internalAddress": "172.24.1.10" } ],
          "dhcp": [ { "bridge": "virtualnet0" } ]
        }
        """;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("vlan-sync-");

    public void Dispose()
    {
        _work.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The host of the fixture without its bridge: lo, wan0 and uplink0 (198.51.100.2/24, default via .1).</summary>
    internal static string EmptyHostLinks()
    {
        var links = JsonNode.Parse(FakeRunner.Fixture("ip-d-j-addr-show.host-with-uplink.json"))!.AsArray();
        foreach (var bridge in links.Where(l => (string?)l!["ifname"] == "virtualnet0").ToArray())
        {
            links.Remove(bridge);
        }

        return links.ToJsonString();
    }

    private static (PowerShellSession Session, FakeRunner Runner) Open()
    {
        var runner = new FakeRunner(EmptyHostLinks()) { RoutesJson = FakeRunner.Fixture("ip-4-j-route-show.default.json") };
        var tools = new ToolLocator(path: "/usr/sbin:/usr/bin:/sbin:/bin", exists: p => p.EndsWith("/dnsmasq", StringComparison.Ordinal) || p.EndsWith("/ip", StringComparison.Ordinal));
        return (PowerShellSession.Open(new VlanSystem(runner, () => PrivilegesTests.Root, batch: false, tools, _ => false)), runner);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_work.FullName, "lan.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void WhatIf_on_an_empty_host_lists_the_commands_of_every_stage_and_runs_none()
    {
        var (session, runner) = Open();
        using var _ = session;
        session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", Write(Document));
        Assert.Empty(session.Errors);
        Assert.Empty(runner.Changes);
        var text = string.Join("\n", session.Host.Lines);
        Console.WriteLine(text);
        Console.WriteLine(string.Join("\n", session.Warnings));
    }
}
