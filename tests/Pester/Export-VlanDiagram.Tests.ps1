#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Seed 004's LAN in a sandbox (br0, two namespaces, the host as their NAT gateway), seen with
# Get-VlanTopology and drawn with Export-VlanDiagram in every format.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
    $script:noDot = -not (Get-Command dot -CommandType Application -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:sandbox = 'vlg-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:folder = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) $sandbox)
}

AfterAll {
    Remove-Item -Recurse -Force $folder -ErrorAction Ignore
    Remove-Module VirtualLan -ErrorAction Ignore
}

Describe 'Get-VlanTopology and Export-VlanDiagram on seed 004' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox -Uplink wlan0
        $script:lan = New-VlanBridge -Name br0 -Address 10.0.0.1/24
        $lan | Connect-VlanAppliance -Namespace c1, c-2 -Create | Out-Null
        $lan | Enable-VlanHostNat -Uplink wlan0 | Out-Null
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'shows the LAN at a glance: one line per link, the host NAT as its way out' {
        $text = Get-VlanTopology br0 | Out-String -Width 200
        $text | Should -Match 'LAN br0 10\.0\.0\.0/24 \(vlg-\w+\): 2 appliance\(s\), 0 forward\(s\)'
        $text | Should -Match 'c-2\s+Veth\s+br0\s+eth0 ↔ vl-c-2\s+10\.0\.0\.3/24'
        $text | Should -Match "$sandbox\s+Uplink\s+internet\s+wlan0"
    }

    It 'takes the LAN of a piped appliance, and refuses a number' {
        (Get-VlanAppliance c1 | Get-VlanTopology).Bridges | Should -Be @('br0')
        { 42 | Get-VlanTopology -ErrorAction Stop } | Should -Throw -ErrorId 'PipelineInputMismatch,VirtualLan.Commands.GetVlanTopologyCommand'
        { Get-VlanTopology nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'BridgeNotFound,VirtualLan.Commands.GetVlanTopologyCommand'
    }

    It 'writes Mermaid and DOT text with ids for names with dashes' {
        $mermaid = Export-VlanDiagram
        $mermaid | Should -Match 'namespace_c_2\("c-2<br/>10\.0\.0\.3/24"\)'
        $mermaid | Should -Match 'bridge_br0 ---\|"eth0 ↔ vl-c-2"\| namespace_c_2'
        Get-VlanTopology | Export-VlanDiagram -Path (Join-Path $folder 'lan.gv')
        Get-Content -Raw (Join-Path $folder 'lan.gv') | Should -Match 'namespace_c_2 \[label="c-2\\n10\.0\.0\.3/24"\]'
    }

    It 'needs -Path for an image, and writes nothing with -WhatIf' {
        { Export-VlanDiagram -Format Png -ErrorAction Stop } | Should -Throw -ErrorId 'DiagramNeedsPath,VirtualLan.Commands.ExportVlanDiagramCommand'
        Export-VlanDiagram -Path (Join-Path $folder 'whatif.svg') -WhatIf
        Join-Path $folder 'whatif.svg' | Should -Not -Exist
    }

    It 'renders an SVG with every appliance and a PNG that is an image' -Skip:$noDot {
        $svg = Export-VlanDiagram -Path (Join-Path $folder 'lan.svg') -PassThru
        [xml] $xml = Get-Content -Raw $svg.FullName
        $texts = $xml.GetElementsByTagName('text') | ForEach-Object InnerText
        $texts | Should -Contain 'c-2'
        $texts | Should -Contain '10.0.0.3/24'
        $png = Export-VlanDiagram -Path (Join-Path $folder 'lan.png') -PassThru
        [IO.File]::ReadAllBytes($png.FullName)[1..3] | Should -Be ([byte[]] [char[]] 'PNG')
    }

    It 'leaves no partial file when the folder does not exist' {
        { Export-VlanDiagram -Path (Join-Path $folder 'none/lan.mmd') -ErrorAction Stop } | Should -Throw -ErrorId 'DiagramRenderFailed,VirtualLan.Commands.ExportVlanDiagramCommand'
        Join-Path $folder 'none' | Should -Not -Exist
    }
}
