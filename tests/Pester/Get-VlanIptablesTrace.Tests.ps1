#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 000's "IPTables Debugging 101", replayed in a sandbox: two hosts on virtualnet0 cannot
# ping each other because bridged frames cross FORWARD (br_netfilter) and its policy is DROP, as
# Docker sets it. The seed watched counters, then logged the end of FORWARD and read the journal.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    $script:sandbox = 'vlt-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:ping = { ip netns exec "$sandbox.dockernet" busybox ping -c 1 -W 1 172.24.2.2 | Out-Null }
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Get-VlanIptablesTrace' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        New-VlanBridge | Out-Null
        ip netns exec $sandbox iptables -P FORWARD DROP
        foreach ($vm in @(@{ Name = 'dockernet'; Port = 'veth-dv-0'; Address = '172.24.1.2/16' }, @{ Name = 'qemu'; Port = 'qemutap0'; Address = '172.24.2.2/16' })) {
            $ns = "$sandbox.$($vm.Name)"
            ip netns add $ns
            ip -n $sandbox link add $vm.Port type veth peer name eth0 netns $ns
            ip -n $sandbox link set $vm.Port master virtualnet0 up
            ip -n $ns addr add $vm.Address dev eth0
            ip -n $ns link set eth0 up
        }
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'sees the ping die at the FORWARD policy by its counters, as watchall iptables -L -v did' {
        $moved = Get-VlanIptablesTrace Counters -Protocol icmp -ScriptBlock $ping
        $policy = $moved | Where-Object Rule -EQ 'policy DROP'
        $policy.Chain | Should -Be 'FORWARD'
        $policy.Packets | Should -BeGreaterThan 0
    }

    It 'logs the dropped frame with the bridge ports, like the seed''s IPTables-Dropped line' {
        $entry = Get-VlanIptablesTrace Log -Chain filter:FORWARD -Protocol icmp -Count 1 -ScriptBlock $ping
        $entry.In | Should -Be 'virtualnet0'
        $entry.Out | Should -Be 'virtualnet0'
        $entry.PhysIn | Should -Be 'veth-dv-0'
        $entry.PhysOut | Should -Be 'qemutap0'
        $entry.Source.ToString() | Should -Be '172.24.1.2'
        $entry.Destination.ToString() | Should -Be '172.24.2.2'
        $entry.Protocol | Should -Be 'ICMP'
        $entry.Verdict | Should -Be 'DROP'
        ($entry | Out-String) | Should -Match 'filter\s+FORWARD'
    }

    It 'follows the frame to the policy that drops it' {
        $entry = Get-VlanIptablesTrace Trace -Protocol icmp -Source 172.24.1.2 -Count 1 -ScriptBlock $ping
        $entry.Rule | Should -Be 'policy DROP'
        $entry.Path[-1] | Should -Be 'filter:FORWARD:DROP'
    }

    It 'leaves no rule of its own behind' {
        (ip netns exec $sandbox iptables-save) -join "`n" | Should -Not -Match 'virtuallan:trace'
    }

    It 'lets the frames through once the hosts are connected as appliances (the seed''s hack #1, done in the module''s own chain)' {
        Connect-VlanAppliance -Namespace qemu -InterfaceName lan1 -Address 172.24.2.3 -ErrorAction Stop | Out-Null
        & $ping
        $LASTEXITCODE | Should -Be 0
    }
}
