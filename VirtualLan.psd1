@{
    RootModule           = 'VirtualLan.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f4f7e-2f3e-4d1c-9a55-6c1c2b1e7a10'
    Author               = 'VirtualLan developers'
    CompanyName          = 'VirtualLan'
    Copyright            = '(c) VirtualLan developers. MIT License.'
    Description          = 'Turns a Linux host into one unified virtual LAN: containers, QEMU VMs, VirtualBox adapters and namespaces on one bridge, behind a PAT router namespace, with port forwards and iptables tracing.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('VirtualLan.Format.ps1xml')
    CmdletsToExport      = @(
        'Enter-VlanSandbox'
        'Exit-VlanSandbox'
        'Get-VlanSandbox'
        'New-VlanBridge'
        'Get-VlanBridge'
        'Remove-VlanBridge'
        'Set-VlanBridge'
        'Add-VlanRouterNamespace'
        'Get-VlanRouterNamespace'
        'Remove-VlanRouterNamespace'
        'Connect-VlanAppliance'
        'Get-VlanAppliance'
        'Disconnect-VlanAppliance'
        'Invoke-VlanAppliance'
        'Set-VlanAppliance'
        'Enable-VlanHostNat'
        'Get-VlanHostNat'
        'Disable-VlanHostNat'
        'Enable-VlanDhcp'
        'Get-VlanDhcp'
        'Disable-VlanDhcp'
        'Get-VlanDhcpLease'
        'Add-VlanTunnel'
        'Get-VlanTunnel'
        'Remove-VlanTunnel'
        'Add-VlanTunnelPeer'
        'Remove-VlanTunnelPeer'
        'Set-VlanTunnel'
        'Add-VlanPortForward'
        'Get-VlanPortForward'
        'Remove-VlanPortForward'
        'Get-VlanIptablesTrace'
        'Get-VlanTopology'
        'Export-VlanDiagram'
        'Export-VlanConfiguration'
        'Test-VlanConfiguration'
        'Sync-VlanConfiguration'
        'Register-VlanConfiguration'
        'Unregister-VlanConfiguration'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'Network', 'Bridge', 'Namespace', 'iptables', 'Docker', 'QEMU')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/VirtualLan/VirtualLan'
            ReleaseNotes = @'
0.1.0: the first wave. Bridges, the PAT router namespace that owns the uplink, appliances of five
kinds (namespaces, Docker containers and networks, QEMU taps, existing interfaces), port forwards
with NAT loopback, host NAT, and Get-VlanIptablesTrace; every change planned first, shown with
-WhatIf, rolled back on failure, and rehearsable in a sandbox namespace.
'@
        }
    }
}
