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
