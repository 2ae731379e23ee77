#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# VIRTUALLAN_BACKEND, as a user sets it: read when a pwsh's first cmdlet runs. Each case runs in a
# fresh pwsh of its own, so the variable of this suite's process is never changed.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:manifest = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'

    # The output lines of a script run with the module imported in a fresh pwsh on a backend.
    function Invoke-WithBackend([string] $Backend, [string] $Script) {
        $result = Invoke-FreshPwsh "Import-Module '$manifest'; $Script" @{ VIRTUALLAN_BACKEND = $Backend; VIRTUALLAN_SANDBOX = $null }
        $result | Add-Member -PassThru Lines @($result.Output -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ })
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

    It 'runs a LAN on both backends, -Verbose listing the same ip command lines for what each ran' -Skip:$notRoot {
        # -Verbose lists each command just before the backend runs it, so the lines show what each
        # backend was handed; the sandbox's name and the MACs made from it (one per run) are
        # taken out. The ping proves the netlink side built a working LAN, not only the same text.
        $script = @'
$sandbox = 'vlp-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Enter-VlanSandbox -Name $sandbox | Out-Null
try {
    $lines = & {
        New-VlanBridge -Verbose | Out-Null
        Connect-VlanAppliance -Namespace c1, c2 -Create -Verbose | Out-Null
        Get-VlanAppliance c2 | Disconnect-VlanAppliance -Confirm:$false -Verbose
    } 4>&1 | ForEach-Object { "$_" }
    $ping = (ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 172.24.0.1 | Out-String) -match ' 0% packet loss'
    "ping: $ping"
    $lines | Where-Object { $_ -match '^(ip|sysctl|iptables)' } | ForEach-Object { $_ -replace [regex]::Escape($sandbox), 'SANDBOX' -replace '\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b', 'MAC' }
}
finally { Exit-VlanSandbox -Force -Confirm:$false }
'@
        $ip = Invoke-WithBackend 'ip' $script
        $netlink = Invoke-WithBackend 'netlink' $script
        $ip.Errors | Should -BeNullOrEmpty
        $netlink.Errors | Should -BeNullOrEmpty
        $netlink.Lines[0] | Should -Be 'ping: True'
        ($ip.Lines | Where-Object { $_ -match '^ip -n SANDBOX link add' }).Count | Should -BeGreaterThan 1
        $netlink.Lines | Should -Be $ip.Lines
    }
}
