using System.Text.Json;
using VirtualLan.Execution;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// A LAN built by an earlier version of the module is read and torn down by this one: the records
/// it wrote into aliases and rule comments are a stored format users' machines keep. The fixture
/// holds every command the earlier version ran to build a LAN with every kind that needs no Docker
/// engine (bridge, router, namespace, tap, existing interface, port forward, and host NAT on a
/// second bridge), captured from main before the redesign of issue 15 (see the fixture's header).
/// The test replays those commands in a fresh sandbox and asks this version's cmdlets about them.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class LegacyLanTests
{
    /// <summary>Set to a file path to capture the fixture from the running code instead of replaying it.</summary>
    public const string CaptureVariable = "VIRTUALLAN_CAPTURE_LEGACY_LAN";

    private const string Placeholder = "{SANDBOX}";
    private const string Build = """
        $router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false
        $router | Connect-VlanAppliance -Namespace web -Create | Add-VlanPortForward -ExternalPort 8080 -InternalPort 80 | Out-Null
        $router | Connect-VlanAppliance -Tap qemutap0 | Out-Null
        $router | Connect-VlanAppliance -Interface vboxnet0 -WarningAction SilentlyContinue | Out-Null
        New-VlanBridge -Name br1 -Address 10.9.0.1/24 | Enable-VlanHostNat -Uplink wan1 | Out-Null
        """;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "legacy-lan-0.1.0.json");

    [KernelFact]
    public void A_LAN_built_by_the_earlier_version_is_read_and_removed_by_this_one()
    {
        using var world = new World();
        var sandbox = world.Sandbox.Name;
        Prepare(sandbox);
        var before = Kernel.Snapshot(sandbox);

        var capture = Environment.GetEnvironmentVariable(CaptureVariable);
        if (!string.IsNullOrEmpty(capture))
        {
            world.Sandbox.Runner.Commands.Clear();
            world.Session.Invoke(Build);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var changes = world.Sandbox.Runner.Commands
                .Where(c => !RecordingRunner.IsRead(c.Command))
                .Select(c => new Recorded(c.Command.Program, c.Command.Arguments.Select(a => a.Replace(sandbox, Placeholder, StringComparison.Ordinal)).ToArray(), c.Input?.Replace(sandbox, Placeholder, StringComparison.Ordinal)))
                .ToArray();
            File.WriteAllText(capture, JsonSerializer.Serialize(changes, Indented));
        }
        else
        {
            var runner = new ProcessRunner(new ToolLocator());
            foreach (var recorded in JsonSerializer.Deserialize<Recorded[]>(File.ReadAllText(FixturePath))!)
            {
                var command = new CommandLine(recorded.Program, recorded.Arguments.Select(a => a.Replace(Placeholder, sandbox, StringComparison.Ordinal)));
                var result = runner.Run(command, recorded.Input?.Replace(Placeholder, sandbox, StringComparison.Ordinal), CancellationToken.None);
                Assert.True(result.Succeeded, $"Replaying '{command}' failed: {result.StandardError}");
            }
        }

        // This version reads every object the earlier one made.
        var bridges = world.Session.Invoke("Get-VlanBridge | ForEach-Object Name");
        Assert.Equal(new[] { "br1", "virtualnet0" }, bridges.Select(b => b.ToString()).Order(StringComparer.Ordinal));
        var router = (Router)world.Session.Invoke("Get-VlanRouterNamespace router").Single().BaseObject;
        Assert.Equal(("virtualnet0", "uplink0", "198.51.100.2/24"), (router.Bridge, router.Uplink, router.UplinkCidr?.ToString()));
        var appliances = world.Session.Invoke("Get-VlanAppliance").Select(a => (Appliance)a.BaseObject).ToDictionary(a => a.Name);
        Assert.Equal(new[] { "qemutap0", "vboxnet0", "web" }, appliances.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((ApplianceKind.Namespace, "172.24.4.2/16"), (appliances["web"].Kind, appliances["web"].Cidr?.ToString()));
        Assert.Equal(ApplianceKind.Tap, appliances["qemutap0"].Kind);
        Assert.Equal(ApplianceKind.Interface, appliances["vboxnet0"].Kind);
        var forward = (PortForward)world.Session.Invoke("Get-VlanPortForward").Single().BaseObject;
        Assert.Equal(("8080", "80", "web"), (forward.ExternalPort, forward.InternalPort, forward.Appliance));
        Assert.Single(world.Session.Invoke("Get-VlanHostNat"));
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));

        // It works, and this version takes it all down, giving the uplink back as it was.
        Assert.True(Kernel.Ping(world.Sandbox.Inner("web"), World.InternetHost), "The replayed LAN does not reach the internet.");
        world.Session.Invoke("Get-VlanBridge | Remove-VlanBridge -Recurse -Confirm:$false");
        Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        Assert.Equal(before, Kernel.Snapshot(sandbox));
        Assert.DoesNotContain(world.Sandbox.Inner("router"), Kernel.Namespaces());
    }

    /// <summary>The links the LAN takes over: VirtualBox's adapter and a second uplink for host NAT, as veths whose other ends stay in the sandbox.</summary>
    private static void Prepare(string sandbox)
    {
        Kernel.Must("ip", "-n", sandbox, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "vboxvm0");
        Kernel.Must("ip", "-n", sandbox, "addr", "add", "192.168.56.1/24", "dev", "vboxnet0");
        Kernel.Must("ip", "-n", sandbox, "link", "add", "wan1", "type", "veth", "peer", "name", "wan1peer");
        Kernel.Must("ip", "-n", sandbox, "addr", "add", "203.0.113.200/24", "dev", "wan1");
        Kernel.Must("ip", "-n", sandbox, "link", "set", "wan1", "up");
    }

    private sealed record Recorded(string Program, string[] Arguments, string? Input);
}
