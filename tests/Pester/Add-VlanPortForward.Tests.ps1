#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 000's "Port forwarding example" with NAT loopback, in a sandbox with a simulated internet.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:sandbox = 'vlf-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$sandbox.inet"
}

AfterAll {
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Add-VlanPortForward' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox
        $script:router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false
        $script:server = $router | Connect-VlanAppliance -Namespace web -Create
        $script:client = $router | Connect-VlanAppliance -Namespace desk -Create
    }

    AfterAll {
        Stop-Server
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'forwards the public port 4000 to the server, as the seed''s DNAT does' {
        $forward = $server | Add-VlanPortForward -ExternalPort 4000
        $forward.ExternalAddress.ToString() | Should -Be '198.51.100.2'
        $forward.Appliance | Should -Be 'web'
        Start-Server "$sandbox.web" 4000 'hello from web' | Out-Null
        Invoke-Client $inet 198.51.100.2 4000 | Should -Be 'hello from web'
    }

    It 'reaches the server at the public address from the host and the LAN (NAT loopback)' {
        Start-Server "$sandbox.web" 4000 'hello host' | Out-Null
        Invoke-Client $sandbox 198.51.100.2 4000 | Should -Be 'hello host'
        Start-Server "$sandbox.web" 4000 'hello desk' | Out-Null
        Invoke-Client "$sandbox.desk" 198.51.100.2 4000 | Should -Be 'hello desk'
    }

    It 'shows the forward as a table' {
        (Get-VlanPortForward | Out-String) | Should -Match 'router\s+Tcp\s+4000\s+172\.24\.4\.2\s+4000\s+web'
    }

    It 'refuses a second forward of port 4000 with PortForwardExists' {
        { $client | Add-VlanPortForward -ExternalPort 4000 -ErrorAction Stop } | Should -Throw -ErrorId 'PortForwardExists,VirtualLan.Commands.AddVlanPortForwardCommand'
    }

    It 'adds forwards for piped appliances with ports from a script block, in one transaction per table' {
        $all = Get-VlanAppliance | Add-VlanPortForward -ExternalPort { if ($_.Name -eq 'web') { 5001 } else { 5002 } } -Verbose 4>&1
        $forwards = @($all | Where-Object { $_ -is [VirtualLan.PortForward] })
        ($forwards | ForEach-Object { "$($_.Appliance)=$($_.ExternalPort)" }) -join ',' | Should -Be 'web=5001,desk=5002'
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Add 2 port forwards:*' }).Message | Should -Match ' 2 process\(es\) started\.$'
        Start-Server "$sandbox.desk" 5002 'hello from desk' | Out-Null
        Invoke-Client $inet 198.51.100.2 5002 | Should -Be 'hello from desk'
    }

    It 'closes the port from every side when removed' {
        Get-VlanPortForward | Remove-VlanPortForward
        Start-Server "$sandbox.web" 4000 'should not be seen' | Out-Null
        Invoke-Client $inet 198.51.100.2 4000 | Should -BeNullOrEmpty
        (ip netns exec "$sandbox.router" iptables-save) -join "`n" | Should -Not -Match 'virtuallan:forward'
    }
}
