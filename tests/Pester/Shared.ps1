# Helpers the Pester specs share; dot-sourced in their BeforeAll.

# The world outside a sandbox: an "internet" namespace SANDBOX.inet holding 203.0.113.10 behind
# 198.51.100.1/24, reached from the sandbox through the veth UPLINK with 198.51.100.2/24 and a
# default route, the host's real connection in miniature.
function New-SimulatedInternet {
    param([Parameter(Mandatory)] [string] $Sandbox, [string] $Uplink = 'uplink0')
    $inet = "$Sandbox.inet"
    ip netns add $inet
    ip -n $inet link set lo up
    ip -n $inet addr add 203.0.113.10/32 dev lo
    ip -n $Sandbox link add $Uplink type veth peer name wan0 netns $inet
    ip -n $inet addr add 198.51.100.1/24 dev wan0
    ip -n $inet link set wan0 up
    ip -n $Sandbox addr add 198.51.100.2/24 dev $Uplink
    ip -n $Sandbox link set $Uplink up
    ip -n $Sandbox route add default via 198.51.100.1 dev $Uplink
    $inet
}

# The source of the first ICMP echo request seen on the internet side while Action runs, as the
# seeds show it with tcpdump.
function Get-MasqueradedSource {
    param([Parameter(Mandatory)] [string] $Internet, [Parameter(Mandatory)] [scriptblock] $Action)
    $capture = New-TemporaryFile
    $tcpdump = Start-Process ip -ArgumentList 'netns', 'exec', $Internet, 'tcpdump', '-i', 'wan0', '-n', '-l', '-c', '1', 'icmp' -RedirectStandardOutput $capture -RedirectStandardError '/dev/null' -PassThru
    Start-Sleep -Seconds 1
    & $Action
    $null = $tcpdump.WaitForExit(5000)
    $line = Get-Content $capture
    Remove-Item $capture
    $line
}
