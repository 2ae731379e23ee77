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

# A one-shot TCP server (busybox nc) in a namespace that answers with a fixed text. Each server is
# remembered with its input file, so Stop-Server ends exactly the servers this spec started (never
# another busybox on the machine) and deletes their files.
$script:testServers = [System.Collections.Generic.List[object]]::new()
function Start-Server {
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $Answer)
    $file = New-TemporaryFile
    Set-Content -Path $file -Value $Answer
    # ip netns exec replaces itself with the program, so the process is the server itself.
    $process = Start-Process ip -ArgumentList 'netns', 'exec', $Namespace, 'busybox', 'nc', '-l', '-p', $Port -RedirectStandardInput $file -RedirectStandardOutput '/dev/null' -PassThru
    $script:testServers.Add([pscustomobject]@{ Process = $process; Input = $file.FullName })
    Start-Sleep -Milliseconds 300
    $process
}

# What a client in a namespace receives from ADDRESS:PORT (empty when nothing answers in 3 s).
function Invoke-Client {
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [string] $Address, [Parameter(Mandatory)] [int] $Port)
    (ip netns exec $Namespace busybox timeout 3 busybox nc $Address $Port 2>$null) -join ''
}

# Ends the servers Start-Server started that are still waiting, and deletes their input files.
function Stop-Server {
    foreach ($server in $script:testServers) {
        if (-not $server.Process.HasExited) {
            $server.Process.Kill()
            $null = $server.Process.WaitForExit(2000)
        }
        Remove-Item $server.Input -ErrorAction Ignore
    }
    $script:testServers.Clear()
}

# Runs a script in a new pwsh (the one running this suite: `dotnet pwsh.dll` when it is the .NET
# tool), without a profile and without colours. Environment: variables to set, a $null value
# removes one. PrivateRun: in a mount namespace of its own with an empty tmpfs on /run, so what it
# makes or removes in /run (/run/netns, the namespaces' files) is neither the machine's nor seen by
# it. Returns the standard output, the standard error and the exit code.
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [switch] $PrivateRun)
    $process = [Environment]::ProcessPath
    $arguments = @('-NoProfile', '-NonInteractive', '-Command', $Script)
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments
    }
    if ($PrivateRun) {
        $arguments = @('--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs -o mode=0755 virtuallan-test /run && exec "$@"', 'sh', $process) + $arguments
        $process = (Get-Command unshare -CommandType Application)[0].Source
    }
    $info = [Diagnostics.ProcessStartInfo]::new($process)
    foreach ($argument in $arguments) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.Environment['NO_COLOR'] = '1'
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { $null = $info.Environment.Remove($name) } else { $info.Environment[$name] = $Environment[$name] }
    }
    $child = [Diagnostics.Process]::Start($info)
    $errors = $child.StandardError.ReadToEndAsync()
    $output = $child.StandardOutput.ReadToEnd()
    $child.WaitForExit()
    [pscustomobject]@{ Output = $output; Errors = $errors.Result; ExitCode = $child.ExitCode }
}
