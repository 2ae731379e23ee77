#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# One LAN across two hosts, driven from one script: host A is this runspace's sandbox, host B a
# second runspace that entered its own sandbox (Enter-VlanSandbox per host). Both sit on the
# simulated internet's WAN; A has the router, B none; a VXLAN tunnel joins their bridges.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    $script:module = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'
    Import-Module $module -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:hostA = 'vln-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:hostB = 'vln-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$hostA.inet"

    # Runs a script block on host B, in B's runspace; its errors are thrown here.
    function Invoke-OnHostB {
        param([Parameter(Mandatory)] [scriptblock] $Script)
        $hostBShell.Commands.Clear()
        $hostBShell.Streams.Error.Clear()
        $result = $hostBShell.AddScript($Script.ToString()).Invoke()
        if ($hostBShell.Streams.Error.Count -gt 0) {
            throw $hostBShell.Streams.Error[0]
        }

        $result
    }
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'One LAN across two hosts with Add-VlanTunnel' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $hostA | Out-Null
        $null = New-SimulatedInternet -Sandbox $hostA
        $script:hostBShell = [powershell]::Create()
        $null = $hostBShell.AddScript("Import-Module '$module'; Enter-VlanSandbox -Name $hostB | Out-Null").Invoke()

        # Host B on the same WAN: a bridge in the internet namespace holds A's and B's cables.
        ip -n $inet link add wan type bridge
        ip -n $inet addr del 198.51.100.1/24 dev wan0
        ip -n $inet link set wan0 master wan
        ip -n $hostB link add uplink0 type veth peer name wan1 netns $inet
        ip -n $inet link set wan1 master wan up
        ip -n $inet addr add 198.51.100.1/24 dev wan
        ip -n $inet link set wan up
        ip -n $hostB addr add 198.51.100.3/24 dev uplink0
        ip -n $hostB link set uplink0 up
        ip -n $hostB route add default via 198.51.100.1
    }

    AfterAll {
        Invoke-OnHostB { Exit-VlanSandbox -Force -Confirm:$false }
        $hostBShell.Dispose()
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'stretches host A''s LAN, router and all, to host B' {
        New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false | Out-Null
        Connect-VlanAppliance -Namespace a1 -Create | Out-Null
        $tunnel = Add-VlanTunnel -Peer 198.51.100.3 -Vni 4242
        $tunnel.Mtu | Should -Be 1450
        $tunnel.Device | Should -Be 'vx4242'
        (Get-VlanTunnel | Out-String) | Should -Match 'virtualnet0\s+4242\s+4789\s+198\.51\.100\.2\s+198\.51\.100\.3\s+1450\s+vx4242'
    }

    It 'gives host B its own bridge, the tunnel back and an appliance routed through A' {
        $b1 = Invoke-OnHostB {
            New-VlanBridge -Address 172.24.0.2/16 | Out-Null
            Add-VlanTunnel -Peer 198.51.100.2 -Vni 4242 -HostIndex 1 | Out-Null
            Connect-VlanAppliance -Namespace b1 -Create -Gateway 172.24.0.254
        }
        $b1.Address.ToString() | Should -Be '172.24.4.65'
    }

    It 'carries pings both ways and to the internet through A''s router' {
        ip netns exec "$hostA.a1" busybox ping -c 1 -W 2 172.24.4.65 | Out-Null
        $LASTEXITCODE | Should -Be 0
        ip netns exec "$hostB.b1" busybox ping -c 1 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'passes the largest DF packet and refuses one byte more where it is sent' {
        ip netns exec "$hostB.b1" ping -M do -c 1 -W 2 -s 1422 172.24.4.2 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $refused = ip netns exec "$hostB.b1" ping -M do -c 1 -W 2 -s 1423 172.24.4.2 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$refused" | Should -Match 'mtu=1450'
    }

    It 'leaves nothing of the tunnel on either host when removed' {
        Remove-VlanTunnel -Confirm:$false
        Invoke-OnHostB { Remove-VlanTunnel -Confirm:$false }
        Get-VlanTunnel | Should -BeNullOrEmpty
        Invoke-OnHostB { Get-VlanTunnel } | Should -BeNullOrEmpty
        ip -n $hostA -o link show type vxlan | Should -BeNullOrEmpty
        ip -n $hostB -o link show type vxlan | Should -BeNullOrEmpty
        (ip -n $hostB -o link show dev virtualnet0) | Should -Match 'mtu 1500'
        ip netns exec "$hostB.b1" busybox ping -c 1 -W 1 172.24.4.2 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }
}
