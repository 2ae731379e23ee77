<#
.SYNOPSIS
Builds, tests, packages and demonstrates the VirtualLan module.

.DESCRIPTION
Plain PowerShell, no extra modules. Run it with the pwsh the repository pins as a local .NET tool
(`dotnet tool restore`, then `dotnet pwsh ./build.ps1 ...`) or with any pwsh 7.4 or later.
Tasks:
  Build    publishes the module layout (manifest, dlls, formats, help) to out/VirtualLan.
  Test     installs missing OS packages when root, runs the xUnit tiers (unit, in-process, kernel)
           and the Pester suite (Pester 5.7.1 restored from NuGet unless a fitting one is
           installed), and ends with one line: total: N passed, N failed, N skipped.
  Package  builds and writes out/VirtualLan.<version>.nupkg, installable with Install-PSResource
           from a folder repository.
  Clean    removes out/ and every bin/ and obj/ folder.
  Demo     builds and runs examples/01-UnifiedLan.ps1 (seed 000 in a sandbox); -Example picks
           another runbook of examples/, or All.

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Demo: the runbook of examples/ to run (a file name or its number prefix), or All.
    [string] $Example = '01'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'VirtualLan'
$isRoot = (& id -u) -eq '0'
$pesterVersion = [version] '5.7.1'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments = @())
    Write-Verbose "$File $($Arguments -join ' ')"
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

# The command line that starts the pwsh running this script: its own executable, or, where it runs
# as a .NET tool (then the process is dotnet itself), `dotnet PSHOME/pwsh.dll`.
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet' -and (Test-Path $dll -PathType Leaf)) {
        return , @($process, $dll)
    }
    return , @($process)
}

function Install-OsPackage {
    $wanted = Get-Content (Join-Path $root 'build/os-packages.txt') |
        Where-Object { $_ -and -not $_.StartsWith('#') } |
        ForEach-Object { , ($_ -split '\s+') } |
        Where-Object {
            if ($_[0].StartsWith('/')) { -not (Test-Path $_[0]) }
            else { -not (Get-Command $_[0] -CommandType Application -ErrorAction Ignore) }
        } |
        ForEach-Object { $_[1] } |
        Sort-Object -Unique
    if (-not $wanted) { return }
    if (-not $isRoot) {
        Write-Warning "Missing OS packages: $($wanted -join ' '). Install them as root (apt-get install $($wanted -join ' '))."
        return
    }
    Write-Host "Installing OS packages: $($wanted -join ' ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    Invoke-Native apt-get (@('install', '-y', '-qq') + $wanted)
}

# The Pester module to run the suite with: an installed 5.x at least as new as the pinned one, or
# the pinned version restored from NuGet (build/Pester.csproj; its tools/ folder is the module).
function Get-PesterModulePath {
    $installed = Get-Module -ListAvailable Pester |
        Where-Object { $_.Version -ge $pesterVersion -and $_.Version.Major -eq 5 } |
        Sort-Object Version -Descending |
        Select-Object -First 1
    if ($installed) { return $installed.Path }
    Invoke-Native dotnet @('restore', (Join-Path $root 'build/Pester.csproj'), '--nologo', '-v', 'quiet')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $packages.Trim() "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) { throw "Pester $pesterVersion was restored, but $manifest is missing." }
    $manifest
}

function Build-Module {
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/VirtualLan.PowerShell'), '-c', $Configuration, '-o', $moduleDir, '--nologo', '-v', 'quiet')
    # The module needs only its own dlls; the build tool's references do not belong in it.
    Get-ChildItem $moduleDir -Filter '*.pdb' | Remove-Item
    Write-Host "Module published to $moduleDir"
}

function New-ModulePackage {
    Build-Module
    $version = (Import-PowerShellDataFile (Join-Path $root 'VirtualLan.psd1')).ModuleVersion
    $package = Join-Path $out "VirtualLan.$version.nupkg"
    Remove-Item $package -ErrorAction Ignore
    # Compress-PSResource (PSResourceGet, part of pwsh 7.4+) writes the same .nupkg that
    # Publish-PSResource would send to a gallery.
    Import-Module Microsoft.PowerShell.PSResourceGet
    Compress-PSResource -Path $moduleDir -DestinationPath $out
    if (-not (Test-Path $package)) { throw "Compress-PSResource did not write $package." }
    Write-Host "Package written to $package"
    $package
}

function Read-TrxCounter {
    param([string] $Folder)
    $totals = @{ passed = 0; failed = 0; skipped = 0 }
    foreach ($file in Get-ChildItem $Folder -Filter '*.trx') {
        $counters = ([xml](Get-Content -Raw $file.FullName)).TestRun.ResultSummary.Counters
        $totals.passed += [int]$counters.passed
        $totals.failed += [int]$counters.failed + [int]$counters.error
        $totals.skipped += [int]$counters.notExecuted
    }
    $totals
}

function Test-Module {
    Install-OsPackage
    # The kernel tier runs the published module in a pwsh of its own (the systemd units' command line), as Pester does.
    Build-Module
    $pesterModule = Get-PesterModulePath
    $results = Join-Path $out 'TestResults'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $problems = [System.Collections.Generic.List[string]]::new()
    $netnsBefore = Test-Path /run/netns

    # Every tier on the default backend (netlink), then the kernel tier again on the ip backend:
    # the kernel suite is green on both (VIRTUALLAN_BACKEND, read by the tests' sessions and the
    # pwsh processes they start).
    $backendBefore = $env:VIRTUALLAN_BACKEND
    $xunit = @{ passed = 0; failed = 0; skipped = 0 }
    try {
        foreach ($run in @(
                @{ Backend = 'netlink'; Project = 'VirtualLan.sln'; Folder = $results; Build = @() },
                @{ Backend = 'ip'; Project = 'tests/Integration'; Folder = "$results-ip"; Build = @('--no-build') })) {
            if (Test-Path $run.Folder) { Remove-Item -Recurse -Force $run.Folder }
            $env:VIRTUALLAN_BACKEND = $run.Backend
            & dotnet test (Join-Path $root $run.Project) -c $Configuration @($run.Build) --nologo --logger 'trx' --logger 'console;verbosity=normal' --results-directory $run.Folder
            if ($LASTEXITCODE -ne 0) { $problems.Add("dotnet test of $($run.Project) on the $($run.Backend) backend failed with exit code $LASTEXITCODE.") }
            $counted = Read-TrxCounter $run.Folder
            Write-Host "xunit ($($run.Project), $($run.Backend) backend): $($counted.passed) passed, $($counted.failed) failed, $($counted.skipped) skipped"
            foreach ($key in 'passed', 'failed', 'skipped') { $xunit[$key] += $counted[$key] }
        }
    }
    finally {
        if ($null -eq $backendBefore) { Remove-Item Env:VIRTUALLAN_BACKEND -ErrorAction Ignore } else { $env:VIRTUALLAN_BACKEND = $backendBefore }
    }
    Write-Host "xunit: $($xunit.passed) passed, $($xunit.failed) failed, $($xunit.skipped) skipped"

    # The Pester suite runs against the built module and its package; a build failure counts as a
    # failed run, never as a skipped tier.
    # The Pester specs (and the pwsh processes they start) take the host lock in a folder of this
    # run, as the xUnit tiers do (tests/Shared/TestLockFolder.cs), so the machine's /run/virtuallan
    # is neither shared with another run nor left behind.
    $lockFolder = Join-Path ([IO.Path]::GetTempPath()) "virtuallan-test-lock-$PID"
    $env:VIRTUALLAN_TEST_LOCK_FOLDER = $lockFolder
    $pester = $null
    try {
        $null = New-ModulePackage
        Import-Module $pesterModule -Force
        Write-Host "Pester $((Get-Module Pester).Version) from $(Split-Path $pesterModule)"
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $root 'tests/Pester'
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Detailed'
        $pester = Invoke-Pester -Configuration $config
        Write-Host "pester: $($pester.PassedCount) passed, $($pester.FailedCount) failed, $($pester.SkippedCount) skipped"
        if ($pester.FailedCount -gt 0 -or $pester.Result -ne 'Passed') { $problems.Add('The Pester suite failed.') }
    }
    catch {
        $problems.Add("The Pester suite could not run: $_")
    }
    finally {
        Remove-Item Env:VIRTUALLAN_TEST_LOCK_FOLDER -ErrorAction Ignore
        Remove-Item -Recurse -Force $lockFolder -ErrorAction Ignore
    }

    # The machine keeps no namespace of the tests. The tests' own 'ip netns add' (namespaces made
    # outside any sandbox, which Exit-VlanSandbox's clean-up of /run/netns does not cover) makes
    # /run/netns a mount point; a machine that had none gets none back.
    if ($isRoot -and -not $netnsBefore -and (Test-Path /run/netns)) {
        $left = @(Get-ChildItem /run/netns -Name)
        if ($left.Count -gt 0) {
            $problems.Add("The tests left network namespaces behind: $($left -join ', ').")
        }
        else {
            while ($(& mountpoint -q /run/netns; $LASTEXITCODE) -eq 0) { Invoke-Native umount @('/run/netns') }
            Remove-Item /run/netns
            Write-Host '/run/netns, made by the tests, removed: the machine had none.'
        }
    }

    $passed = $xunit.passed + $(if ($pester) { $pester.PassedCount } else { 0 })
    $failed = $xunit.failed + $(if ($pester) { $pester.FailedCount + $pester.FailedBlocksCount + $pester.FailedContainersCount } else { 1 })
    $skipped = $xunit.skipped + $(if ($pester) { $pester.SkippedCount + $pester.NotRunCount } else { 0 })
    if ($isRoot -and $skipped -gt 0) {
        $problems.Add("$skipped test(s) were skipped while running as root; every tier must run, not skip.")
    }
    foreach ($problem in $problems) { Write-Host $problem }
    Write-Host "total: $passed passed, $failed failed, $skipped skipped"
    if ($problems.Count -gt 0) { exit 1 }
}

switch ($Task) {
    'Build' { Build-Module }
    'Test' { Test-Module }
    'Package' { $null = New-ModulePackage }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction Ignore $out
        Get-ChildItem $root -Recurse -Directory -Include 'bin', 'obj' | Remove-Item -Recurse -Force
    }
    'Demo' {
        Build-Module
        $examples = Get-ChildItem (Join-Path $root 'examples') -Filter '*.ps1' | Sort-Object Name
        if ($Example -ne 'All') {
            $examples = @($examples | Where-Object { $_.Name -eq $Example -or $_.Name.StartsWith("$Example-") })
            if (-not $examples) { throw "No runbook in examples/ is named or numbered '$Example'." }
        }
        $pwsh = Get-PwshCommand
        foreach ($runbook in $examples) {
            Write-Host "=== $($runbook.Name)"
            $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-File', $runbook.FullName, '-ModulePath', (Join-Path $moduleDir 'VirtualLan.psd1'))
            Invoke-Native $pwsh[0] $arguments
        }
    }
}
