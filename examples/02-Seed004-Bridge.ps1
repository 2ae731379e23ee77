<#
.SYNOPSIS
Seed 004, rehearsed in a sandbox: br0 with the host at 10.0.0.1/24, namespaces c1 (10.0.0.2) and
c2 (10.0.0.3) on it, and the host as their way out with forwarding and MASQUERADE.

.DESCRIPTION
Safe by default: everything happens inside a sandbox namespace that is deleted at the end, so the
machine's own network is never touched. The sandbox's "wlan0" is a veth to a namespace playing
the internet (203.0.113.10 stands in for 8.8.8.8). Needs root.
#>
[CmdletBinding()]
param(
    # The module to load; build.ps1 -Task Demo passes the one it just built.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/VirtualLan/VirtualLan.psd1'),
    [string] $Sandbox = 'vlan-demo-004'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function Test-Ping([string] $Namespace, [string] $Address) {
    ip netns exec $Namespace busybox ping -c 1 -W 2 $Address | Out-Null
    $LASTEXITCODE -eq 0
}

Enter-VlanSandbox -Name $Sandbox | Format-Table
try {
    # The world outside: the sandbox's wlan0 leads to an "internet" namespace.
    $inet = "$Sandbox.inet"
    ip netns add $inet
    ip -n $inet link set lo up
    ip -n $inet addr add 203.0.113.10/32 dev lo
    ip -n $Sandbox link add wlan0 type veth peer name wan0 netns $inet
    ip -n $inet addr add 198.51.100.1/24 dev wan0
    ip -n $inet link set wan0 up
    ip -n $Sandbox addr add 198.51.100.2/24 dev wlan0
    ip -n $Sandbox link set wlan0 up
    ip -n $Sandbox route add default via 198.51.100.1 dev wlan0

    Write-Host '--- What seed 004 types by hand, shown before anything runs:'
    New-VlanBridge -Name br0 -Address 10.0.0.1/24 -WhatIf

    Write-Host '--- Now for real, each command shown as it runs:'
    $lan = New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Verbose
    $lan | Connect-VlanAppliance -Namespace c1 -Create -Address 10.0.0.2 | Out-Null
    $lan | Connect-VlanAppliance -Namespace c2 -Create -Address 10.0.0.3 | Out-Null
    $lan | Get-VlanAppliance | Format-Table

    Write-Host '--- Again: already in place, so no command runs:'
    New-VlanBridge -Name br0 -Address 10.0.0.1/24 -Verbose | Out-Null

    Write-Host "c1 -> bridge 10.0.0.1:  $(Test-Ping "$Sandbox.c1" 10.0.0.1)"
    Write-Host "c1 -> c2 10.0.0.3:      $(Test-Ping "$Sandbox.c1" 10.0.0.3)"
    Write-Host "c1 -> 203.0.113.10:     $(Test-Ping "$Sandbox.c1" 203.0.113.10)  (no forwarding, no MASQUERADE yet)"

    Write-Host '--- The host becomes the gateway (ip_forward + MASQUERADE out of wlan0):'
    $lan | Enable-VlanHostNat -Uplink wlan0 | Format-Table
    Write-Host "c1 -> 203.0.113.10:     $(Test-Ping "$Sandbox.c1" 203.0.113.10)"

    $lan | Disable-VlanHostNat
    Get-VlanAppliance | Disconnect-VlanAppliance
    Get-VlanBridge br0 | Remove-VlanBridge -Confirm:$false
}
finally {
    Exit-VlanSandbox -Force -Confirm:$false
}
Write-Host "Done: the sandbox $Sandbox and everything in it are gone."
