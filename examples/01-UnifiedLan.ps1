<#
.SYNOPSIS
Seed 000's unified LAN, rehearsed in a sandbox: virtualnet0, a PAT router that takes the uplink,
namespaces, a QEMU tap (and a Docker container when an engine runs), a port forward reached from
the internet and by NAT loopback, a dropped packet named by Get-VlanIptablesTrace, and the
picture of the LAN it built (Export-VlanDiagram).

.DESCRIPTION
Safe by default: everything happens inside a sandbox namespace that is deleted at the end, also
when the runbook fails or is stopped with Ctrl+C, so the machine's own network is never touched.
The sandbox's uplink0 is a veth to a namespace playing the internet, which holds 203.0.113.10
behind 198.51.100.1. Needs root. Takes about ten seconds.

.EXAMPLE
dotnet pwsh ./examples/01-UnifiedLan.ps1

.EXAMPLE
./examples/01-UnifiedLan.ps1 -ContainerImage busybox:latest
Also joins a Docker container (--network none) of that local image, when a Docker engine answers.
#>
[CmdletBinding()]
param(
    # The module to load; build.ps1 -Task Demo passes the one it just built.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/VirtualLan/VirtualLan.psd1'),
    [string] $Sandbox = 'vlan-demo-000',
    # A local Docker image with a shell and sleep; the container step is left out without it.
    [string] $ContainerImage = 'busybox'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function Write-Step([string] $Text) { Write-Host "`n--- $Text" -ForegroundColor Cyan }

function Test-Ping([string] $Namespace, [string] $Address) {
    ip netns exec $Namespace busybox ping -c 1 -W 2 $Address *> $null
    if ($LASTEXITCODE -eq 0) { 'reached' } else { 'no answer' }
}

function Get-Page([string] $Namespace, [string] $Url) {
    $page = ip netns exec $Namespace busybox timeout 5 busybox wget -q -O - $Url 2>$null
    if ($LASTEXITCODE -eq 0) { "answered '$(($page -join '').Trim())'" } else { 'no answer' }
}

# A Docker engine that answers and has the image: then a container joins the LAN too.
$container = $null
$dockerReady = (Get-Command docker -ErrorAction Ignore) -and
    $(docker image inspect $ContainerImage *> $null; $LASTEXITCODE -eq 0)

Enter-VlanSandbox -Name $Sandbox | Format-Table
try {
    # The world outside: uplink0 is the sandbox host's connection to an "internet" namespace.
    $inet = "$Sandbox.inet"
    ip netns add $inet
    ip -n $inet link set lo up
    ip -n $inet addr add 203.0.113.10/32 dev lo
    ip -n $Sandbox link add uplink0 type veth peer name wan0 netns $inet
    ip -n $inet addr add 198.51.100.1/24 dev wan0
    ip -n $inet link set wan0 up
    ip -n $Sandbox addr add 198.51.100.2/24 dev uplink0
    ip -n $Sandbox link set uplink0 up
    ip -n $Sandbox route add default via 198.51.100.1 dev uplink0

    Write-Step 'virtualnet0, the LAN of seed 000 (the host at 172.24.0.1/16):'
    $bridge = New-VlanBridge
    $bridge | Format-Table

    Write-Step 'The PAT router takes the uplink (198.51.100.2 becomes its public address):'
    $router = $bridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false
    $router | Format-Table

    Write-Step 'Appliances: two namespaces and a QEMU tap, from the seed''s pools, in one plan:'
    $appliances = @($router | Connect-VlanAppliance -Namespace web, desk -Create)
    $appliances += $router | Connect-VlanAppliance -Tap qemutap0
    if ($dockerReady) {
        $container = docker run -d --rm --network none --name "$Sandbox-c1" $ContainerImage sleep 600
        $appliances += $router | Connect-VlanAppliance -Container "$Sandbox-c1"
    }
    else {
        Write-Host "(No Docker engine with the image '$ContainerImage': the container step is left out.)"
    }
    $appliances | Format-Table
    $web, $desk = $appliances[0], $appliances[1]
    Write-Host "A VM joins with: qemu-system-x86_64 ... $($appliances[2].QemuArguments)"

    Write-Step 'Everyone reaches everyone, and the internet through the router:'
    Write-Host "desk -> web $($web.Address):      $(Test-Ping $desk.Namespace $web.Address)"
    Write-Host "desk -> 203.0.113.10:         $(Test-Ping $desk.Namespace 203.0.113.10)"

    Write-Step 'A port forward: 198.51.100.2:8080 -> web:80, with NAT loopback:'
    $page = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "$Sandbox-www") -Force
    Set-Content -Path (Join-Path $page 'index.html') -Value 'hello from web'
    ip netns exec $web.Namespace busybox httpd -p 80 -h $page.FullName
    $forward = $web | Add-VlanPortForward -ExternalPort 8080 -InternalPort 80
    $forward | Format-Table
    Write-Host "internet -> 198.51.100.2:8080: $(Get-Page $inet http://198.51.100.2:8080/)"
    Write-Host "desk     -> 198.51.100.2:8080: $(Get-Page $desk.Namespace http://198.51.100.2:8080/)  (NAT loopback)"

    Write-Step 'An attacker on the WAN routes the LAN through the router; who drops the ping?'
    ip -n $inet route add 172.24.0.0/16 via 198.51.100.2
    Get-VlanIptablesTrace Counters -Protocol icmp -Destination $web.Address -ScriptBlock {
        Write-Host "internet -> web $($web.Address):  $(Test-Ping $inet $web.Address)"
    } | Format-Table Table, Chain, Packets, Verdict, Owner -AutoSize

    Write-Step 'The LAN it built, as one object (Get-VlanTopology) and as a picture (Export-VlanDiagram):'
    $topology = Get-VlanTopology virtualnet0
    $topology | Out-Host
    Write-Host 'Mermaid, to paste into Markdown (-Path lan.svg or lan.png draws it with Graphviz):'
    $topology | Export-VlanDiagram -Format Mermaid | Write-Host

    Write-Step 'Look further with:'
    Write-Host '  Get-VlanAppliance | Format-List        Get-VlanPortForward        Get-VlanRouterNamespace'
    Write-Host '  Get-VlanIptablesTrace Trace -Protocol tcp -DestinationPort 8080 -Count 1'
    Write-Host '  Get-Help Connect-VlanAppliance -Full   (and examples/02-Seed004-Bridge.ps1 for seed 004)'

    Write-Step 'Teardown: everything on the bridge, the router (the uplink comes back), the bridge:'
    Get-VlanBridge virtualnet0 | Remove-VlanBridge -Recurse -Confirm:$false
}
finally {
    # Runs on success, on an error and on Ctrl+C alike.
    if ($container) { docker rm -f "$Sandbox-c1" *> $null }
    Exit-VlanSandbox -Force -Confirm:$false
    Remove-Item -Recurse -Force -ErrorAction Ignore (Join-Path ([IO.Path]::GetTempPath()) "$Sandbox-www")
}
Write-Host "`nDone: the sandbox $Sandbox and everything in it are gone."
