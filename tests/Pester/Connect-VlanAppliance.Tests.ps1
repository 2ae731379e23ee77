#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 004, replayed with the cmdlets in a sandbox: br0 (10.0.0.1/24) with namespaces c1 and c2.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    $script:sandbox = 'vla-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Connect-VlanAppliance' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $script:lan = New-VlanBridge -Name br0 -Address 10.0.0.1/24
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
        ip netns list | Should -Not -Match $sandbox
    }

    It 'plugs seed 004''s namespaces in with their addresses and the bridge as gateway' {
        $c1 = $lan | Connect-VlanAppliance -Namespace c1 -Create -Address 10.0.0.2
        $c2 = $lan | Connect-VlanAppliance -Namespace c2 -Create -Address 10.0.0.3
        $c1.Cidr.ToString() | Should -Be '10.0.0.2/24'
        "root@$($c1.Address)" | Should -Be 'root@10.0.0.2'
        $c1.Cidr.Address | Should -Be $c1.Address
        $c1.PrefixLength | Should -Be 24
        $c2.Gateway.ToString() | Should -Be '10.0.0.1'
        (ip -n "$sandbox.c1" route show default) | Should -Match 'default via 10\.0\.0\.1 dev eth0'
    }

    It 'lets c1 reach the bridge and c2, as the seed shows with ping' {
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 10.0.0.1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 10.0.0.3 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'lists the appliances from the kernel as a table' {
        $table = Get-VlanBridge br0 | Get-VlanAppliance | Out-String
        $table | Should -Match 'c1\s+Namespace\s+br0\s+10\.0\.0\.2\s+vl-c1'
        $table | Should -Match 'c2\s+Namespace\s+br0\s+10\.0\.0\.3\s+vl-c2'
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'an address in use'; Arguments = @{ Namespace = 'c3'; Create = $true; Address = '10.0.0.2' }; Id = 'AddressNotFree' }
        @{ Case = 'an address outside the LAN'; Arguments = @{ Namespace = 'c3'; Create = $true; Address = '172.24.4.2' }; Id = 'AddressOutsideSubnet' }
        @{ Case = 'an unknown namespace'; Arguments = @{ Namespace = 'c3' }; Id = 'NamespaceNotFound' }
        @{ Case = 'an unknown link'; Arguments = @{ Interface = 'vboxnet9' }; Id = 'InterfaceNotFound' }
        @{ Case = 'one address for two namespaces'; Arguments = @{ Namespace = @('c3', 'c4'); Create = $true; Address = '10.0.0.9' }; Id = 'AddressForMany' }
    ) {
        { $lan | Connect-VlanAppliance @Arguments -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtualLan.Commands.ConnectVlanApplianceCommand"
    }

    It 'takes the next free address of the tap pool and tells QEMU how to attach' {
        $vm = $lan | Connect-VlanAppliance -Tap qemutap0
        $vm.Cidr.ToString() | Should -Be '10.0.0.4/24'
        $vm.QemuArguments | Should -Match '^-netdev tap,id=vlan0,ifname=qemutap0,script=no,downscript=no -device virtio-net-pci,netdev=vlan0,mac=52:54:00:'
    }

    It 'connects several namespaces as one plan: a batch for the namespaces, one for the host, one inside each' {
        $all = $lan | Connect-VlanAppliance -Namespace m1, m2, m3 -Create -Verbose 4>&1
        $appliances = @($all | Where-Object { $_ -is [VirtualLan.Appliance] })
        $appliances.Count | Should -Be 3
        ($appliances | ForEach-Object { $_.Cidr.ToString() }) -join ',' | Should -Be '10.0.0.5/24,10.0.0.6/24,10.0.0.7/24'
        $summary = ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Connect 3 appliances:*' }).Message
        $summary | Should -Match ' process\(es\) started\.$'
        [int]($summary -replace '^.* (\d+) process\(es\) started\.$', '$1') | Should -BeLessOrEqual 6
        ip netns exec "$sandbox.m1" busybox ping -c 1 -W 2 10.0.0.7 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'refuses to connect c1 again with another address, pointing to Set-VlanAppliance, which moves it' {
        { $lan | Connect-VlanAppliance -Namespace c1 -Address 10.0.0.9 -ErrorAction Stop } | Should -Throw -ErrorId 'ApplianceConnected,VirtualLan.Commands.ConnectVlanApplianceCommand'
        (ip -n "$sandbox.c1" -4 -o addr show dev eth0) -join "`n" | Should -Not -Match '10\.0\.0\.9'
        $c1 = Set-VlanAppliance c1 -Address 10.0.0.9 -PassThru
        $c1.Cidr.ToString() | Should -Be '10.0.0.9/24'
        (Get-VlanAppliance c1).Cidr.ToString() | Should -Be '10.0.0.9/24'
        ip netns exec "$sandbox.c1" busybox ping -c 1 -W 2 10.0.0.3 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'unplugs everything, deleting the namespaces it made unless kept' {
        Disconnect-VlanAppliance c1 -KeepNamespace
        Get-VlanAppliance | Disconnect-VlanAppliance
        Get-VlanAppliance | Should -BeNullOrEmpty
        (ip netns list) -join "`n" | Should -Match "$sandbox\.c1"
        (ip netns list) -join "`n" | Should -Not -Match "$sandbox\.c2"
        (ip -n $sandbox -br link) -join "`n" | Should -Not -Match 'vl-|qemutap0'
    }
}
