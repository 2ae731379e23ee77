#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# VIRTUALLAN_BACKEND, as a user sets it: read when a pwsh's first cmdlet runs. Each case runs in a
# fresh pwsh of its own, so the variable of this suite's process is never changed.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    $script:manifest = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'

    # Runs a script in a new pwsh (the one running this suite) with VIRTUALLAN_BACKEND set; its
    # output lines come back.
    function Invoke-WithBackend([string] $Backend, [string] $Script) {
        $process = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'; $Script")
        if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
            $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments
        }
        $info = [Diagnostics.ProcessStartInfo]::new($process)
        foreach ($argument in $arguments) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['VIRTUALLAN_BACKEND'] = $Backend
        $info.Environment['NO_COLOR'] = '1'
        $null = $info.Environment.Remove('VIRTUALLAN_SANDBOX')
        $child = [Diagnostics.Process]::Start($info)
        $errors = $child.StandardError.ReadToEndAsync()
        $output = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit()
        [pscustomobject]@{ Lines = @($output -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ }); Errors = $errors.Result; ExitCode = $child.ExitCode }
    }
}

Describe 'VIRTUALLAN_BACKEND' {
    It 'refuses a value that names no backend with BackendUnknown and takes the fixed value on the next command' -Skip:$notRoot {
        $result = Invoke-WithBackend 'iproute' @'
try { Get-VlanBridge -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category; $_.Exception.Message }
$env:VIRTUALLAN_BACKEND = 'ip'
"after: $(@(Get-VlanBridge -ErrorVariable again).Count) bridges, $($again.Count) errors"
'@
        $result.Lines[0] | Should -Be 'BackendUnknown,VirtualLan.Commands.GetVlanBridgeCommand'
        $result.Lines[1] | Should -Be 'InvalidArgument'
        $result.Lines[2] | Should -BeLike "VIRTUALLAN_BACKEND is 'iproute'*'netlink'*'ip'*"
        $result.Lines[3] | Should -BeLike 'after: * bridges, 0 errors'
    }

    It 'shows the same ip command lines under -WhatIf on both backends' -Skip:$notRoot {
        # -WhatIf writes to the host, so the lines come back as pwsh printed them; the sandbox's
        # name and the MACs made from it (one per run) are taken out.
        $script = @'
$sandbox = 'vlp-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
"sandbox: $sandbox"
Enter-VlanSandbox -Name $sandbox | Out-Null
try {
    New-VlanBridge -WhatIf
    New-VlanBridge | Out-Null
    Connect-VlanAppliance -Namespace c1 -Create -WhatIf
}
finally { Exit-VlanSandbox -Force -Confirm:$false }
'@
        function Get-Shown($Result) {
            $name = ($Result.Lines | Where-Object { $_ -like 'sandbox: *' }) -replace '^sandbox: '
            $Result.Lines | Where-Object { $_ -notlike 'sandbox: *' } | ForEach-Object { $_ -replace [regex]::Escape($name), 'SANDBOX' -replace '\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b', 'MAC' }
        }
        $ip = Invoke-WithBackend 'ip' $script
        $netlink = Invoke-WithBackend 'netlink' $script
        $ip.Errors | Should -BeNullOrEmpty
        $netlink.Errors | Should -BeNullOrEmpty
        $shown = Get-Shown $ip
        ($shown | Where-Object { $_ -match '\bip -n SANDBOX link add' }).Count | Should -BeGreaterThan 1
        Get-Shown $netlink | Should -Be $shown
    }
}
