<#
.SYNOPSIS
Seed 004's bridge, rehearsed in a sandbox: br0 with the host at 10.0.0.1/24, and a namespace c1
(10.0.0.2) on it that pings the host.

.DESCRIPTION
Safe by default: everything happens inside a sandbox namespace that is deleted at the end, so the
machine's own network is never touched. Needs root.
#>
[CmdletBinding()]
param(
    # The module to load; build.ps1 -Task Demo passes the one it just built.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/VirtualLan/VirtualLan.psd1'),
    [string] $Sandbox = 'vlan-demo-004'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

Enter-VlanSandbox -Name $Sandbox | Format-Table
try {
    Write-Host '--- What seed 004 types by hand, shown before anything runs:'
    New-VlanBridge -Name br0 -Address 10.0.0.1/24 -WhatIf

    Write-Host '--- Now for real, each command shown as it runs:'
    New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Verbose | Format-Table

    Write-Host '--- Again: already in place, so no command runs:'
    New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Verbose | Out-Null

    # Until Connect-VlanAppliance exists, the namespace is plugged in by hand, as in the seed.
    $c1 = "$Sandbox.c1"
    ip netns add $c1
    ip -n $Sandbox link add vethc1 type veth peer name vethc1-peer netns $c1
    ip -n $Sandbox link set vethc1 master br0 up
    ip -n $c1 addr add 10.0.0.2/24 dev vethc1-peer
    ip -n $c1 link set vethc1-peer up
    ip -n $c1 link set lo up
    Write-Host '--- c1 pings the bridge, as in the seed:'
    ip netns exec $c1 busybox ping -c 1 -W 2 10.0.0.1
    if ($LASTEXITCODE -ne 0) { throw 'c1 could not reach the bridge.' }

    Get-VlanBridge | Format-Table
    Get-VlanBridge br0 | Remove-VlanBridge -Confirm:$false
}
finally {
    Exit-VlanSandbox -Force
}
Write-Host "Done: the sandbox $Sandbox and everything in it are gone."
