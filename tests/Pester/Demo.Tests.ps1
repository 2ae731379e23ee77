#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# The README's demo (examples/01-UnifiedLan.ps1, seed 000 in a sandbox): it shows what it says,
# within 30 s, and leaves nothing behind, also when stopped with Ctrl+C half-way.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    $script:runbook = Join-Path $PSScriptRoot '../../examples/01-UnifiedLan.ps1'
    $script:module = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'

    # Starts the runbook in a new pwsh (the one running this suite). InterruptWhen, when given, is
    # polled every few milliseconds while the runbook runs; once it holds, the process gets SIGINT,
    # as Ctrl+C in a terminal sends. (Polling the kernel rather than reading the output: the output
    # can reach this process seconds after it was written.)
    function Invoke-Runbook([string] $Sandbox, [scriptblock] $InterruptWhen) {
        $process = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-File', $runbook, '-ModulePath', $module, '-Sandbox', $Sandbox)
        if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
            $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments
        }
        # A process started in the background of a shell without job control ignores SIGINT, and so
        # does everything it starts; env gives the runbook the default handling a terminal user has.
        $info = [Diagnostics.ProcessStartInfo]::new('env')
        foreach ($argument in @('--default-signal=INT', $process) + $arguments) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['NO_COLOR'] = '1'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $child = [Diagnostics.Process]::Start($info)
        $output = $child.StandardOutput.ReadToEndAsync()
        $errors = $child.StandardError.ReadToEndAsync()
        $interrupted = $false
        while ($InterruptWhen -and -not $child.HasExited -and $clock.Elapsed.TotalSeconds -lt 60) {
            if (& $InterruptWhen) {
                kill -INT $child.Id
                $interrupted = $true
                break
            }
            Start-Sleep -Milliseconds 2
        }

        # As a user presses Ctrl+C again when the first press seems lost (on a loaded machine one can
        # arrive while pwsh cannot act on it); once pwsh is stopping, further presses change nothing.
        while ($interrupted -and -not $child.WaitForExit(300)) {
            kill -INT $child.Id 2>$null
        }
        $child.WaitForExit()
        [pscustomobject]@{
            Output      = $output.Result
            Errors      = $errors.Result
            ExitCode    = $child.ExitCode
            Seconds     = $clock.Elapsed.TotalSeconds
            Interrupted = $interrupted
        }
    }

    # What a run could leave behind: its namespaces, processes started in them, its web folder.
    function Get-Leftover([string] $Sandbox) {
        @(ip netns list | Where-Object { $_ -match "^$([regex]::Escape($Sandbox))(\.|\s|$)" })
        @(Get-Process | Where-Object { $_.CommandLine -match [regex]::Escape($Sandbox) } | ForEach-Object { "process $($_.Id): $($_.CommandLine)" })
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter "$Sandbox*" | ForEach-Object FullName)
    }
}

Describe 'The unified-LAN demo' -Skip:$notRoot {
    It 'builds seed 000, shows the forward from the internet and by NAT loopback and the dropped ping, in under 30 s, and leaves nothing' {
        $sandbox = 'vld-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $run = Invoke-Runbook -Sandbox $sandbox
        $run.Errors | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Match 'desk -> web 172\.24\.4\.2:\s+reached'
        $run.Output | Should -Match 'desk -> 203\.0\.113\.10:\s+reached'
        $run.Output | Should -Match "internet -> 198\.51\.100\.2:8080: answered 'hello from web'"
        $run.Output | Should -Match "desk\s+-> 198\.51\.100\.2:8080: answered 'hello from web'\s+\(NAT loopback\)"
        $run.Output | Should -Match 'internet -> web 172\.24\.4\.2:\s+no answer'
        # The trace names the verdict that dropped the attacker's ping.
        $run.Output | Should -Match 'filter\s+FORWARD\s+1\s+DROP'
        $run.Output | Should -Match 'qemutap0\s+Tap'
        # It ends with the LAN it built: the topology at a glance, then its picture in Mermaid.
        $run.Output | Should -Match 'LAN virtualnet0 172\.24\.0\.0/16 \(vld-\w+\): 3 appliance\(s\), 1 forward\(s\)'
        $run.Output | Should -Match 'internet\s+Forward web\s+tcp/8080 → 172\.24\.4\.2:80'
        $run.Output | Should -Match 'flowchart LR'
        $run.Output | Should -Match 'internet -\.->\|"tcp/8080 → 172\.24\.4\.2:80"\| namespace_web'
        $run.Output | Should -Match "Done: the sandbox $sandbox and everything in it are gone"
        $run.Seconds | Should -BeLessThan 30
        Get-Leftover $sandbox | Should -BeNullOrEmpty
    }

    It 'leaves nothing behind when stopped with Ctrl+C half-way' {
        $sandbox = 'vld-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        # Once the appliances are connected: the router, namespaces and a tap are all in place.
        $run = Invoke-Runbook -Sandbox $sandbox -InterruptWhen { Test-Path "/run/netns/$sandbox.desk" }
        $run.Interrupted | Should -BeTrue
        $run.Output | Should -Not -Match 'Done: the sandbox'
        Get-Leftover $sandbox | Should -BeNullOrEmpty
    }
}
