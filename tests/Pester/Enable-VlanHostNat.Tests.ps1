#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 004, step by step, in a sandbox: two namespaces on br0, then the host as their way out to
# a simulated internet (203.0.113.10, standing in for 8.8.8.8) behind the sandbox's "wlan0".

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:sandbox = 'vln-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$sandbox.inet"
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Seed 004 with Enable-VlanHostNat' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox -Uplink wlan0
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'creates c1 and c2 on br0, as the seed does with ip netns, veth and a bridge' {
        $script:lan = New-VlanBridge -Name br0 -Address 10.0.0.1/24
        $lan | Connect-VlanAppliance -Namespace c1 -Create -Address 10.0.0.2 | Out-Null
        $lan | Connect-VlanAppliance -Namespace c2 -Create -Address 10.0.0.3 | Out-Null
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 10.0.0.1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 10.0.0.3 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'cannot reach 8.8.8.8 before forwarding and MASQUERADE' {
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 1 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'reaches it once the host is the gateway, and leaves with wlan0''s address as tcpdump shows' {
        $nat = $lan | Enable-VlanHostNat -Uplink wlan0
        $nat.IpForward | Should -Be '1'
        $seen = Get-MasqueradedSource -Internet $inet -Action { ip netns exec "$sandbox.c1" busybox ping -c 2 -W 2 203.0.113.10 | Out-Null }
        $seen | Should -Match '198\.51\.100\.2 > 203\.0\.113\.10: ICMP echo request'
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'shows the host NAT as a table' {
        (Get-VlanHostNat | Out-String) | Should -Match 'br0\s+10\.0\.0\.0/24\s+wlan0\s+1\s+0'
    }

    It 'puts forwarding and the rules back when disabled' {
        $lan | Disable-VlanHostNat
        ip netns exec $sandbox sysctl -n net.ipv4.ip_forward | Should -Be '0'
        (ip netns exec $sandbox iptables-save) -join "`n" | Should -Not -Match 'hostnat'
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 1 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }
}
