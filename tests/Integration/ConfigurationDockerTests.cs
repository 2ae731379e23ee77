using VirtualLan.Configuration;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// Issue 17's Docker case: a container joined by -DockerNetwork reaches a QEMU VM on the LAN; dockerd
/// restarts with live-restore (Docker before 25.0.7 puts its isolation jump above DOCKER-USER,
/// moby/moby#48560), and the ExecStart line of the unit Register-VlanConfiguration writes for
/// docker.service, run as it stands, repairs it with nothing typed by hand.
/// </summary>
[Collection(KernelCollection.Name)]
[CheckInvariants]
public class ConfigurationDockerTests
{
    [KernelFact]
    public void Seed_000s_LAN_with_every_kind_comes_back_from_its_document_after_Remove_VlanBridge_Recurse()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name, "--live-restore");
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "dockernet_tester", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        docker.Docker("run", "-d", "--name", "solo", "--network", "none", image, "sleep", "3600");
        var vbox = world.Sandbox.Inner("vbox");
        Kernel.Must("ip", "netns", "add", vbox);
        Kernel.Must("ip", "-n", world.Sandbox.Name, "link", "add", "vboxnet0", "type", "veth", "peer", "name", "eth0", "netns", vbox);
        var work = Directory.CreateTempSubdirectory("vlan-config-");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -Namespace c1, c2 -Create");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -Container solo");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -Tap qemutap0");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -Interface vboxnet0");
            world.Session.Invoke("$null = Get-VlanAppliance c1 | Add-VlanPortForward -ExternalPort 4000");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var document = Path.Combine(work.FullName, "lan.json");
            world.Session.Invoke($"Export-VlanConfiguration -Path '{document}'");
            var exported = File.ReadAllText(document);
            foreach (var kind in new[] { "namespace", "container", "dockerNetwork", "tap", "interface" })
            {
                Assert.Contains($"\"kind\": \"{kind}\"", exported, StringComparison.Ordinal);
            }

            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.Empty(world.Session.Invoke("Get-VlanAppliance"));

            world.Session.Invoke($"Sync-VlanConfiguration -Path '{document}'");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            Assert.True((bool)world.Session.Invoke($"(Test-VlanConfiguration '{document}').InDesiredState").Single().BaseObject, "Test-VlanConfiguration finds drift after the sync.");
            Assert.Equal(exported, (string)world.Session.Invoke("Export-VlanConfiguration").Single().BaseObject, StringComparer.Ordinal);

            // Every kind back on one LAN: the VM boots on the tap the sync made; the full mesh and the internet answer.
            var appliances = world.Session.Invoke("Get-VlanAppliance").Select(o => (Appliance)o.BaseObject).ToDictionary(a => a.Name);
            var tap = appliances["qemutap0"];
            var vboxPort = appliances["vboxnet0"];
            Kernel.Must("ip", "-n", vbox, "addr", "add", vboxPort.Cidr!.Value.ToString(), "dev", "eth0");
            Kernel.Must("ip", "-n", vbox, "link", "set", "eth0", "up");
            Kernel.Must("ip", "-n", vbox, "link", "set", "lo", "up");
            Kernel.Must("ip", "-n", vbox, "route", "add", "default", "via", vboxPort.Gateway!.ToString());
            using var vm = new QemuVm(world.Sandbox.Name, "qemutap0", tap.MacAddress!, tap.Cidr!.Value.ToString(), tap.Gateway!.ToString(), probe: World.InternetHost);
            Assert.Contains("VLAN-PROBE-OK", vm.Console, StringComparison.Ordinal);
            var tester = $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "dockernet_tester").Trim()}/ns/net";
            var members = new (string Name, string Ns)[] { ("c1", appliances["c1"].Namespace!), ("c2", appliances["c2"].Namespace!), ("solo", appliances["solo"].Namespace!), ("dockernet_tester", tester), ("vbox", vbox) };
            var addresses = new[] { "c1", "c2", "solo", "vboxnet0", "qemutap0" }.Select(n => appliances[n].Address!.ToString()).Append("172.24.1.2").ToArray();
            foreach (var from in members)
            {
                foreach (var to in addresses.Append(World.InternetHost))
                {
                    Assert.True(Kernel.Ping(from.Ns, to), $"After the sync {from.Name} could not reach {to}.");
                }
            }

            // The forward, from the internet and by NAT loopback.
            world.Serve(appliances["c1"].Namespace!, "tcp", 4000, count: 2);
            Assert.StartsWith("peer=198.51.100.1:", World.Send(world.Internet, "tcp", "198.51.100.2", 4000, "from the internet"), StringComparison.Ordinal);
            Assert.StartsWith("peer=172.24.0.254:", World.Send(appliances["c2"].Namespace!, "tcp", "198.51.100.2", 4000, "from c2"), StringComparison.Ordinal);

            vm.Dispose();
            world.Session.Invoke("Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false");
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
            work.Delete(recursive: true);
            Kernel.Run(new[] { "ip", "netns", "delete", vbox });
        }
    }

    [KernelFact]
    public void The_docker_units_command_line_repairs_the_LAN_after_a_live_restore_restart()
    {
        using var world = new World();
        using var docker = new DockerEngine(world.Sandbox.Name, "--live-restore");
        var image = docker.ImportBusyboxImage();
        docker.Docker("network", "create", "--internal", "docker_custom");
        docker.Docker("run", "-d", "--name", "dockernet_tester", "--network", "docker_custom", "--cap-add", "NET_ADMIN", image, "sleep", "3600");
        var work = Directory.CreateTempSubdirectory("vlan-config-");
        Environment.SetEnvironmentVariable("DOCKER_HOST", docker.Host);
        try
        {
            world.Session.Invoke("$router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -Namespace c1 -Create");
            world.Session.Invoke("$null = $router | Connect-VlanAppliance -DockerNetwork docker_custom -ReaddressContainers");
            var tap = (Appliance)world.Session.Invoke("$router | Connect-VlanAppliance -Tap qemutap0").Single().BaseObject;
            Assert.True(world.Session.Errors.Count == 0, string.Join("\n", world.Session.Errors));
            var document = Path.Combine(work.FullName, "lan.json");
            world.Session.Invoke($"Export-VlanConfiguration -Path '{document}'");
            Assert.Contains("\"dockerNetwork\"", File.ReadAllText(document), StringComparison.Ordinal);

            var pwsh = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget/packages"), "powershell/7.6.9/tools/net10.0/any/unix/pwsh.dll");
            var module = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../out/VirtualLan/VirtualLan.psd1"));
            Assert.True(File.Exists(pwsh) && File.Exists(module), $"pwsh ({pwsh}) and the built module ({module}) are needed: run build.ps1 -Task Build first.");
            var unit = SystemdUnits.Unit(SystemdUnits.DockerUnit, SystemdUnits.Command(new[] { Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/share/dotnet/dotnet", pwsh }, module, document), document, world.Sandbox.Name);
            var argv = SystemdUnits.ExecStart(unit).ToArray();
            Assert.Contains("PartOf=docker.service", unit, StringComparison.Ordinal);

            using var vm = new QemuVm(world.Sandbox.Name, "qemutap0", tap.MacAddress!, tap.Cidr!.Value.ToString(), tap.Gateway!.ToString());
            string Tester() => $"/proc/{docker.Docker("inspect", "-f", "{{.State.Pid}}", "dockernet_tester").Trim()}/ns/net";
            Assert.True(Kernel.Ping(Tester(), tap.Address!.ToString()), "Before the restart the container could not reach the VM.");

            for (var restart = 1; restart <= 2; restart++)
            {
                docker.Restart();
                Environment.SetEnvironmentVariable("VIRTUALLAN_SANDBOX", world.Sandbox.Name);
                (int ExitCode, string Output, string Error) run;
                try
                {
                    run = Kernel.Run(argv);
                }
                finally
                {
                    Environment.SetEnvironmentVariable("VIRTUALLAN_SANDBOX", null);
                }

                Assert.True(run.ExitCode == 0, $"The unit's ExecStart failed after restart {restart}:\n{run.Output}\n{run.Error}");
                var forward = Kernel.Must("ip", "netns", "exec", world.Sandbox.Name, "iptables", "-S", "FORWARD").Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal)).ToArray();
                Assert.True(forward[0].EndsWith("-j DOCKER-USER", StringComparison.Ordinal), $"After restart {restart} FORWARD is:\n" + string.Join("\n", forward));
                Assert.True(Kernel.Ping(Tester(), tap.Address!.ToString()), $"After dockerd restart {restart} and the unit's sync the container could not reach the VM.");
                var test = world.Session.Invoke($"(Test-VlanConfiguration '{document}').InDesiredState").Single();
                Assert.True((bool)test.BaseObject, "Test-VlanConfiguration still finds drift after the sync.");
            }

            Assert.False(vm.HasExited, "The VM stopped.");
            world.Session.Invoke("Get-VlanAppliance | Disconnect-VlanAppliance");
            Assert.Empty(world.Session.Errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
            work.Delete(recursive: true);
        }
    }
}
