#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 004, step by step, in a sandbox: two namespaces on br0, then the host as their way out to
# a simulated internet (203.0.113.10, standing in for 8.8.8.8) behind the sandbox's "wlan0".

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    $script:sandbox = 'vln-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$sandbox.inet"
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Seed 004 with Enable-VlanHostNat' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        ip netns add $inet
        ip -n $inet link set lo up
        ip -n $inet addr add 203.0.113.10/32 dev lo
        ip -n $sandbox link add wlan0 type veth peer name wan0 netns $inet
        ip -n $inet addr add 198.51.100.1/24 dev wan0
        ip -n $inet link set wan0 up
        ip -n $sandbox addr add 198.51.100.2/24 dev wlan0
        ip -n $sandbox link set wlan0 up
        ip -n $sandbox route add default via 198.51.100.1 dev wlan0
    }

    AfterAll {
        Exit-VlanSandbox -Force
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
        $capture = New-TemporaryFile
        $tcpdump = Start-Process ip -ArgumentList 'netns', 'exec', $inet, 'tcpdump', '-i', 'wan0', '-n', '-l', '-c', '1', 'icmp' -RedirectStandardOutput $capture -RedirectStandardError '/dev/null' -PassThru
        Start-Sleep -Seconds 1
        ip netns exec "$sandbox.c1" busybox ping -c 2 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $tcpdump.WaitForExit(5000) | Should -BeTrue
        Get-Content $capture | Should -Match '198\.51\.100\.2 > 203\.0\.113\.10: ICMP echo request'
        Remove-Item $capture
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
