namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 17's Sync-VlanConfiguration -WhatIf on a LAN that does not exist yet: every stage is
/// listed before any runs (the later ones planned from the bridge and router the document
/// declares), nothing changes, and the real sync runs exactly the commands listed.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class ConfigurationTests
{
    /// <summary>Seed 000's LAN: a bridge, a router on the uplink, namespaces, a QEMU tap, a forward and DHCP.</summary>
    private const string Document = SampleDocuments.EveryStage;

    [KernelFact]
    public void WhatIf_on_a_fresh_sandbox_lists_every_stage_changes_nothing_and_the_sync_runs_exactly_those_commands()
    {
        using var world = new World();
        var path = Path.Combine(Path.GetTempPath(), $"vlan-sync-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Document);
        try
        {
            var before = RobustnessTests.Snapshot(world);
            world.Session.Host.Clear();
            world.Session.Invoke("Sync-VlanConfiguration $args[0] -WhatIf", path);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.Empty(world.Session.Warnings);
            var listed = Listed(world.Session.Host.Lines);
            Assert.Equal(before, RobustnessTests.Snapshot(world));

            // Every stage is there: the bridge, the router, the appliances and the forward, DHCP.
            foreach (var command in new[] { "link add name virtualnet0 ", "ip netns add " + world.Sandbox.Inner("router"), "link set dev uplink0 netns " + world.Sandbox.Inner("router"), "ip netns add " + world.Sandbox.Inner("web"), "tuntap add dev qemutap0 mode tap", "--to-destination 172.24.1.10:4000", " dnsmasq --conf-file=" })
            {
                Assert.True(listed.Any(l => l.Contains(command, StringComparison.Ordinal)), $"-WhatIf did not list '{command}':\n{string.Join("\n", listed)}");
            }

            world.Session.Invoke("Sync-VlanConfiguration $args[0] -Verbose -Confirm:$false", path);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var run = Ran(world.Session.Verbose);
            var missing = listed.Except(run).ToArray();
            var extra = run.Except(listed).ToArray();
            Assert.True(missing.Length == 0 && extra.Length == 0, $"Listed but not run:\n{string.Join("\n", missing)}\nRun but not listed:\n{string.Join("\n", extra)}");
            Assert.Equal(listed.Order(StringComparer.Ordinal), run.Order(StringComparer.Ordinal));

            // The LAN works: the appliances reach the internet and each other, the forward answers from the internet.
            var web = world.Sandbox.Inner("web");
            var desk = world.Sandbox.Inner("desk");
            Assert.True(Kernel.Ping(web, World.InternetHost), "web cannot reach the internet after the sync.");
            Assert.True(Kernel.Ping(desk, "172.24.1.10"), "desk cannot reach web after the sync.");
            world.Serve(web, "tcp", 4000);
            Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, "tcp", "198.51.100.2", 4000, "from the internet"), StringComparison.Ordinal);
            Assert.True(((ConfigurationTestResult)Assert.Single(world.Session.Invoke("Test-VlanConfiguration $args[0]", path)).BaseObject).InDesiredState);

            // A second run runs nothing.
            world.Session.Invoke("Sync-VlanConfiguration $args[0] -Verbose -Confirm:$false", path);
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.Empty(Ran(world.Session.Verbose));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The commands -WhatIf listed, each as the executor shows it (a file's content after it, up to EOF).</summary>
    private static List<string> Listed(IEnumerable<string> lines)
    {
        var commands = new List<string>();
        var heredoc = false;
        foreach (var line in lines.SelectMany(l => l.Split('\n')).Select(l => l.TrimEnd('\r')))
        {
            if (heredoc)
            {
                commands[^1] += "\n" + line;
                heredoc = line != "EOF";
            }
            else if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                commands.Add(line[2..]);
                heredoc = line.EndsWith("<<'EOF'", StringComparison.Ordinal);
            }
        }

        return commands;
    }

    /// <summary>The commands a sync ran, from its -Verbose lines (one per command; the summaries and ShouldProcess's own lines left out).</summary>
    private static List<string> Ran(IEnumerable<string> verbose) =>
        verbose.Select(v => v.Replace("\r\n", "\n", StringComparison.Ordinal))
            .Where(v => !v.EndsWith("already in place, no command run.", StringComparison.Ordinal)
                && !v.Contains(" command(s) run, ", StringComparison.Ordinal)
                && !System.Text.RegularExpressions.Regex.IsMatch(v, @" by running \d+ command\(s\):\n"))
            .ToList();
}
