#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# The package build.ps1 -Task Package writes (out/VirtualLan.<version>.nupkg): installed the
# PowerShell way from a folder repository, it imports by name in a new pwsh and its cmdlets run.
# Everything happens in a fresh pwsh whose home (module path, PSResourceGet's repository list)
# is a temporary folder, so the user's own modules and repositories are untouched.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    $script:manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../VirtualLan.psd1')
    $script:version = $manifest.ModuleVersion
    $script:package = Join-Path $PSScriptRoot "../../out/VirtualLan.$version.nupkg"

    . (Join-Path $PSScriptRoot 'Shared.ps1')

    # A pwsh whose home is DataHome: PSResourceGet installs under HOME, and pwsh's default module
    # path follows it when no XDG folder is set.
    function Invoke-PwshAtHome([string] $DataHome, [string] $Script) {
        Invoke-FreshPwsh $Script @{ HOME = $DataHome; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null; PSModulePath = '' }
    }
}

Describe 'The VirtualLan package' {
    It 'carries what the Gallery shows in its manifest' {
        $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../VirtualLan.psd1')
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PrivateData.PSData.Tags | Should -Contain 'Linux'
        $manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $manifest.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'installs with Install-PSResource from a folder repository, imports by name in a new pwsh and runs a cmdlet' -Skip:$notRoot {
        $package | Should -Exist
        $dataHome = Join-Path $TestDrive 'data'
        $repository = Join-Path $TestDrive 'repository'
        New-Item -ItemType Directory $dataHome, $repository | Out-Null
        Copy-Item $package $repository
        $sandbox = 'vlp-' + [guid]::NewGuid().ToString('N').Substring(0, 8)

        $install = Invoke-PwshAtHome $dataHome @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name VlanTest -Uri '$repository' -Trusted
Install-PSResource VirtualLan -Repository VlanTest -Version '$version' -Scope CurrentUser -TrustRepository
(Get-InstalledPSResource VirtualLan).InstalledLocation
"@
        $install.Errors | Should -BeNullOrEmpty
        $install.ExitCode | Should -Be 0
        $install.Output.Trim() | Should -BeLike "$dataHome*"

        $use = Invoke-PwshAtHome $dataHome @"
`$ErrorActionPreference = 'Stop'
Import-Module VirtualLan
(Get-Module VirtualLan).ModuleBase
(Get-Command -Module VirtualLan).Count
Enter-VlanSandbox -Name $sandbox | Out-Null
try { (New-VlanBridge -Name lan0 -Address 172.24.0.1/16).Name }
finally { Exit-VlanSandbox -Confirm:`$false }
"@
        $use.Errors | Should -BeNullOrEmpty
        $use.ExitCode | Should -Be 0
        $lines = $use.Output.Trim() -split "`n" | ForEach-Object Trim
        $lines[0] | Should -BeLike "$dataHome*VirtualLan*"
        [int] $lines[1] | Should -Be $manifest.CmdletsToExport.Count
        $lines[2] | Should -Be 'lan0'
        ip netns list | Should -Not -Match $sandbox
    }
}
