#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    $manifest = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'
    Import-Module $manifest -Force
    $script:sandbox = 'vlp-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'New-VlanBridge' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
        ip netns list | Should -Not -Match $sandbox
    }

    It 'shows what it would do with -WhatIf and creates nothing' {
        New-VlanBridge -WhatIf | Should -BeNullOrEmpty
        Get-VlanBridge -All | Should -BeNullOrEmpty
    }

    It 'creates seed 000''s LAN with its defaults' {
        $bridge = New-VlanBridge
        $bridge.Name | Should -Be 'virtualnet0'
        $bridge.Address.ToString() | Should -Be '172.24.0.1'
        $bridge.PrefixLength | Should -Be 16
        $bridge.Subnet.ToString() | Should -Be '172.24.0.0/16'
        $bridge.Namespace | Should -Be $sandbox
        $kernel = ip -n $sandbox -json addr show dev virtualnet0 | ConvertFrom-Json
        $kernel.addr_info.local | Should -Contain '172.24.0.1'
        $kernel.flags | Should -Contain 'UP'
    }

    It 'runs no command the second time' {
        $verbose = New-VlanBridge -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Not -Match '^ip '
        $verbose.Message | Should -Match 'already in place'
    }

    It 'shows a table by default' {
        $table = Get-VlanBridge | Out-String
        $table | Should -Match 'Name\s+Cidr\s+Subnet'
        $table | Should -Match 'virtualnet0\s+172\.24\.0\.1/16\s+172\.24\.0\.0/16'
    }

    It 'is reachable from a namespace plugged in by hand, as in seed 004' {
        $c1 = "$sandbox.c1"
        ip netns add $c1
        ip -n $sandbox link add vethc1 type veth peer name eth0 netns $c1
        ip -n $sandbox link set vethc1 master virtualnet0 up
        ip -n $c1 addr add 172.24.4.2/16 dev eth0
        ip -n $c1 link set eth0 up
        ip netns exec $c1 busybox ping -c 1 -W 2 172.24.0.1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-VlanBridge virtualnet0).Ports | Should -Be @('vethc1')
        ip netns delete $c1
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'a CIDR without prefix'; Arguments = @{ Address = '172.24.0.1' }; Id = 'InvalidCidr' }
        @{ Case = 'an IPv6 address'; Arguments = @{ Address = 'fd00::1/64' }; Id = 'IPv6NotSupported' }
        @{ Case = 'a 16-byte name'; Arguments = @{ Name = 'virtualnetwork00' }; Id = 'InvalidInterfaceName' }
        @{ Case = 'a name with a slash'; Arguments = @{ Name = 'br/0' }; Id = 'InvalidInterfaceName' }
        @{ Case = 'a name with a colon'; Arguments = @{ Name = 'br:0' }; Id = 'InvalidInterfaceName' }
        @{ Case = 'a name with a space'; Arguments = @{ Name = 'br 0' }; Id = 'InvalidInterfaceName' }
        @{ Case = 'a name starting with a dash'; Arguments = @{ Name = '-br0' }; Id = 'InvalidInterfaceName' }
        @{ Case = 'the same name with another address'; Arguments = @{ Address = '10.1.0.1/24' }; Id = 'BridgeConflict' }
    ) {
        { New-VlanBridge @Arguments -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtualLan.Commands.NewVlanBridgeCommand"
        @(Get-VlanBridge).Count | Should -Be 1
    }

    It 'has full help with examples from the seeds' {
        $help = Get-Help New-VlanBridge -Full
        $help.Synopsis | Should -Match 'bridge'
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        ($help | Out-String) | Should -Match 'virtualnet0'
    }

    It 'is removed by Remove-VlanBridge and leaves only lo in the sandbox' {
        Get-VlanBridge | Remove-VlanBridge -Confirm:$false
        Get-VlanBridge -All | Should -BeNullOrEmpty
        (ip -n $sandbox -json link show | ConvertFrom-Json).ifname | Should -Be @('lo')
    }
}
