#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 000's router, rehearsed in a sandbox against a simulated internet: 203.0.113.10 behind the
# WAN 198.51.100.0/24, reached by the sandbox host through uplink0 (198.51.100.2/24).

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:sandbox = 'vlr-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$sandbox.inet"
    $script:c1 = "$sandbox.c1"
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Add-VlanRouterNamespace' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox
        $script:lan = New-VlanBridge -Name virtualnet0 -Address 172.24.0.1/16
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
        ip netns list | Should -Not -Match $sandbox
    }

    It 'lists the whole plan with -WhatIf and takes nothing' {
        $lan | Add-VlanRouterNamespace -Name router -Uplink uplink0 -RouteHostTraffic -WhatIf | Should -BeNullOrEmpty
        Get-VlanRouterNamespace | Should -BeNullOrEmpty
        (ip -n $sandbox -br link show uplink0) | Should -Match 'uplink0'
    }

    It 'takes the uplink and becomes the LAN gateway with a default-deny forward policy' {
        $router = $lan | Add-VlanRouterNamespace -Name router -Uplink uplink0 -RouteHostTraffic -Confirm:$false
        $router.GatewayAddress.ToString() | Should -Be '172.24.0.254'
        $router.UplinkCidr.ToString() | Should -Be '198.51.100.2/24'
        $router.UplinkAddress.ToString() | Should -Be '198.51.100.2'
        $router.ForwardPolicy | Should -Be 'DROP'
        $router.InputPolicy | Should -Be 'DROP'
        ip netns exec "$sandbox.router" iptables -S FORWARD | Should -Contain '-P FORWARD DROP'
    }

    It 'masquerades an appliance behind the uplink address, as the seed shows with tcpdump' {
        ip netns add $c1
        ip -n $sandbox link add vc1 type veth peer name eth0 netns $c1
        ip -n $sandbox link set vc1 master virtualnet0 up
        ip -n $c1 addr add 172.24.4.2/16 dev eth0
        ip -n $c1 link set eth0 up
        ip -n $c1 route add default via 172.24.0.254

        $seen = Get-MasqueradedSource -Internet $inet -Action { ip netns exec $c1 busybox ping -c 2 -W 2 203.0.113.10 | Out-Null }
        $seen | Should -Match '198\.51\.100\.2 > 203\.0\.113\.10: ICMP echo request'
        ip netns exec $c1 busybox ping -c 1 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'keeps the host online through the router' {
        ip netns exec $sandbox busybox ping -c 1 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-VlanRouterNamespace router).RoutesHostTraffic | Should -BeTrue
    }

    It 'shows a table by default' {
        (Get-VlanRouterNamespace | Out-String) | Should -Match 'router\s+virtualnet0\s+172\.24\.0\.254\s+uplink0\s+198\.51\.100\.2/24\s+DROP'
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'a second router on the same bridge'; Arguments = @{ Name = 'router2'; Uplink = 'uplink0' }; Id = 'RouterConflict' }
        @{ Case = 'a missing uplink'; Arguments = @{ Name = 'router2'; Uplink = 'nosuch0'; Bridge = 'br9' }; Id = 'BridgeNotFound' }
        @{ Case = 'a gateway outside the LAN'; Arguments = @{ Name = 'router'; Uplink = 'uplink0'; GatewayAddress = '10.0.0.254' }; Id = 'AddressOutsideSubnet' }
    ) {
        { Add-VlanRouterNamespace @Arguments -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtualLan.Commands.AddVlanRouterNamespaceCommand"
    }

    It 'gives the uplink back with its address and default route when removed' {
        ip netns delete $c1
        Get-VlanRouterNamespace | Remove-VlanRouterNamespace -Confirm:$false
        Get-VlanRouterNamespace | Should -BeNullOrEmpty
        ip netns list | Should -Not -Match "$sandbox\.router"
        (ip -n $sandbox -json addr show dev uplink0 | ConvertFrom-Json).addr_info.local | Should -Contain '198.51.100.2'
        ip -n $sandbox route show default | Should -Match 'default via 198\.51\.100\.1 dev uplink0'
        ip netns exec $sandbox busybox ping -c 1 -W 2 203.0.113.10 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }
}
