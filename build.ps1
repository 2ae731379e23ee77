<#
.SYNOPSIS
Builds, tests, packages and demonstrates the VirtualLan module.

.DESCRIPTION
Plain PowerShell, no extra modules. Tasks:
  Build    publishes the module layout (manifest, dlls, formats, help) to out/VirtualLan.
  Test     installs missing OS packages when root, runs the xUnit tiers (unit, in-process, kernel),
           then the Pester suite against out/VirtualLan when Pester is installed.
  Package  builds and writes out/VirtualLan-<version>.tar.gz.
  Clean    removes out/ and every bin/ and obj/ folder.
  Demo     builds and runs every runbook in examples/ (each works in its own sandbox).

.EXAMPLE
./build.ps1 -Task Demo

.EXAMPLE
./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'VirtualLan'
$isRoot = (& id -u) -eq '0'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments = @())
    Write-Verbose "$File $($Arguments -join ' ')"
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
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

function Build-Module {
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/VirtualLan.PowerShell'), '-c', $Configuration, '-o', $moduleDir, '--nologo', '-v', 'quiet')
    # The module needs only its own dlls; the build tool's references do not belong in it.
    Get-ChildItem $moduleDir -Filter '*.pdb' | Remove-Item
    Write-Host "Module published to $moduleDir"
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
    $results = Join-Path $out 'TestResults'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    & dotnet test (Join-Path $root 'VirtualLan.sln') -c $Configuration --nologo --logger 'trx' --logger 'console;verbosity=normal' --results-directory $results
    $dotnetExit = $LASTEXITCODE
    $totals = Read-TrxCounter $results
    Write-Host "xunit: $($totals.passed) passed, $($totals.failed) failed, $($totals.skipped) skipped"
    if ($dotnetExit -ne 0) { throw "dotnet test failed with exit code $dotnetExit." }
    if ($isRoot -and $totals.skipped -gt 0) {
        throw "$($totals.skipped) test(s) were skipped while running as root; kernel tests must run, not skip."
    }

    if (-not (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0')) {
        Write-Host 'Pester 5 is not installed: the Pester suite is not run.'
        Write-Host "total: $($totals.passed) passed, $($totals.failed) failed, $($totals.skipped) skipped"
        return
    }

    Build-Module
    Import-Module Pester -MinimumVersion 5.0
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $root 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $pester = Invoke-Pester -Configuration $config
    Write-Host "pester: $($pester.PassedCount) passed, $($pester.FailedCount) failed, $($pester.SkippedCount) skipped"
    $passed = $totals.passed + $pester.PassedCount
    $failed = $totals.failed + $pester.FailedCount
    $skipped = $totals.skipped + $pester.SkippedCount
    Write-Host "total: $passed passed, $failed failed, $skipped skipped"
    if ($pester.FailedCount -gt 0 -or $pester.Result -ne 'Passed') { throw 'The Pester suite failed.' }
    if ($isRoot -and $pester.SkippedCount -gt 0) { throw 'Pester tests were skipped while running as root.' }
}

switch ($Task) {
    'Build' { Build-Module }
    'Test' { Test-Module }
    'Package' {
        Build-Module
        $version = (Import-PowerShellDataFile (Join-Path $root 'VirtualLan.psd1')).ModuleVersion
        $archive = Join-Path $out "VirtualLan-$version.tar.gz"
        Invoke-Native tar @('-czf', $archive, '-C', $out, 'VirtualLan')
        Write-Host "Package written to $archive"
    }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction Ignore $out
        Get-ChildItem $root -Recurse -Directory -Include 'bin', 'obj' | Remove-Item -Recurse -Force
    }
    'Demo' {
        Build-Module
        foreach ($example in Get-ChildItem (Join-Path $root 'examples') -Filter '*.ps1' | Sort-Object Name) {
            Write-Host "=== $($example.Name)"
            Invoke-Native (Get-Process -Id $PID).Path @('-NoProfile', '-NonInteractive', '-File', $example.FullName, '-ModulePath', (Join-Path $moduleDir 'VirtualLan.psd1'))
        }
    }
}
