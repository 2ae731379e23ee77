#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# A sandbox leaves the machine as it found it, /run/netns included: the first 'ip netns add' on a
# machine makes that folder a mount point, and nothing of iproute2's removes it. Each case runs in
# a fresh pwsh with a /run of its own (Invoke-FreshPwsh -PrivateRun), so the machine's /run/netns
# is neither seen nor changed, whatever it holds.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:manifest = Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1'
}

Describe 'Enter-VlanSandbox and Exit-VlanSandbox on <Backend>' -ForEach @(@{ Backend = 'netlink' }, @{ Backend = 'ip' }) {
    It 'leave /run/netns as they found it: made and gone again, kept when it was there, kept while another namespace uses it' -Skip:$notRoot {
        $script = @'
$ErrorActionPreference = 'Stop'
function Show([string] $When) {
    # mountpoint compares the folder with its parent, so a mount hidden under this pwsh's own /run does not count.
    $mounted = (Test-Path /run/netns) -and $(mountpoint -q /run/netns; $LASTEXITCODE -eq 0)
    "${When}: folder=$(Test-Path /run/netns) mounted=$mounted marker=$(Test-Path /run/virtuallan-netns.made)"
}
$sandbox = 'vls-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Show 'before'
Enter-VlanSandbox -Name $sandbox | Out-Null
New-VlanBridge | Out-Null
Connect-VlanAppliance -Namespace c1 -Create | Out-Null
Show 'in'
Exit-VlanSandbox -Confirm:$false -Verbose 4>&1 | Where-Object { "$_" -like 'Removed /run/netns*' } | ForEach-Object { "verbose: $_" }
Show 'after'

# Another namespace (not the sandbox's) still in the folder: it stays, until the exit that empties it.
Enter-VlanSandbox -Name $sandbox | Out-Null
ip netns add "other-$sandbox"
Exit-VlanSandbox -Confirm:$false
Show 'other'
ip netns delete "other-$sandbox"
Enter-VlanSandbox -Name $sandbox | Out-Null
Exit-VlanSandbox -Confirm:$false
Show 'emptied'

# A folder the machine had before the sandbox is its own.
New-Item -ItemType Directory /run/netns | Out-Null
Enter-VlanSandbox -Name $sandbox | Out-Null
Exit-VlanSandbox -Confirm:$false
Show 'had'
'@
        $result = Invoke-FreshPwsh "Import-Module '$manifest'; $script" @{ VIRTUALLAN_BACKEND = $Backend; VIRTUALLAN_SANDBOX = $null } -PrivateRun
        $result.Errors | Should -BeNullOrEmpty
        $result.ExitCode | Should -Be 0
        $lines = @($result.Output -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ })
        $lines | Should -Be @(
            'before: folder=False mounted=False marker=False'
            'in: folder=True mounted=True marker=True'
            'verbose: Removed /run/netns, which the sandbox had made and no namespace uses any more.'
            'after: folder=False mounted=False marker=False'
            'other: folder=True mounted=True marker=True'
            'emptied: folder=False mounted=False marker=False'
            'had: folder=True mounted=True marker=False'
        )
    }
}
