#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Issue 17: the LAN as one document. Seed 000's LAN in a sandbox with a simulated internet —
# namespaces, a QEMU tap, a dummy link standing in for vboxnet0, a port forward — exported,
# torn down, synced back, drifted by hand, repaired, and brought back by the command line a
# registered systemd unit holds.

BeforeDiscovery {
    $script:notRoot = (& id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/VirtualLan/VirtualLan.psd1') -Force
    . (Join-Path $PSScriptRoot 'Shared.ps1')
    $script:sandbox = 'vlc-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:inet = "$sandbox.inet"
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('vlc-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $work | Out-Null
    $script:document = Join-Path $work 'lan.json'

    # Every namespace appliance, the host and the router's gateway ping each other.
    function Test-FullMesh {
        $appliances = Get-VlanAppliance -Kind Namespace
        $targets = @($appliances | ForEach-Object { [string] $_.Address }) + '172.24.0.1' + '172.24.0.254'
        foreach ($from in $appliances) {
            foreach ($to in $targets) {
                ip netns exec $from.Namespace busybox ping -c1 -W2 $to *> $null
                if ($LASTEXITCODE -ne 0) { return "$($from.Name) -> $to" }
            }
        }
        'all'
    }

    # What -WhatIf writes goes to the host, not to a stream: a transcript catches it.
    function Get-WhatIfText([scriptblock] $Action) {
        $file = Join-Path $work 'whatif.txt'
        $null = Start-Transcript -Path $file
        try { $null = & $Action } finally { $null = Stop-Transcript }
        $text = Get-Content -Raw $file
        Remove-Item $file
        $text
    }

    function Test-Forward {
        $null = Start-Server "$sandbox.web" 4000 'web via internet'
        $outside = Invoke-Client $inet 198.51.100.2 4000
        $null = Start-Server "$sandbox.web" 4000 'web via loopback'
        $inside = Invoke-Client "$sandbox.desk" 198.51.100.2 4000
        "$outside|$inside"
    }
}

AfterAll {
    Stop-Server
    Remove-Module VirtualLan -ErrorAction Ignore
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

Describe 'Export-, Test-, Sync-VlanConfiguration' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox
        # vboxnet0's stand-in: a link with a host address, as VirtualBox leaves it.
        ip -n $sandbox link add vboxnet0 type veth peer name vbox1
        ip -n $sandbox addr add 192.168.56.1/24 dev vboxnet0
        ip -n $sandbox link set vboxnet0 up
        $script:router = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -RouteHostTraffic -Confirm:$false
        $null = $router | Connect-VlanAppliance -Namespace web, desk, c3 -Create
        $null = $router | Connect-VlanAppliance -Tap qemutap0 -TapOwner nobody
        $null = $router | Connect-VlanAppliance -Interface vboxnet0 -WarningAction SilentlyContinue
        $null = Get-VlanAppliance web | Add-VlanPortForward -ExternalPort 4000
        Export-VlanConfiguration -Path $document
        $script:exported = Get-Content -Raw $document
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'exports a document that its shipped schema accepts, with every kind and no live details' {
        $schema = Join-Path (Get-Module VirtualLan).ModuleBase 'VirtualLan.Configuration.schema.json'
        Test-Json -Json $exported -SchemaFile $schema | Should -BeTrue
        $json = $exported | ConvertFrom-Json
        $json.version | Should -Be 1
        $json.appliances.kind | Sort-Object -Unique | Should -Be @('interface', 'namespace', 'tap')
        $json.portForwards[0].externalPort | Should -Be '4000'
        ($json.appliances | Where-Object kind -EQ tap).tapOwner | Should -Be 'nobody'
        $exported | Should -Not -Match '52:54:00|ifindex|"pid"'
        Test-VlanConfiguration $document -Quiet | Should -BeTrue
    }

    It 'builds the whole LAN back after Remove-VlanBridge -Recurse, and a second run runs nothing' {
        Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false
        Get-VlanAppliance | Should -BeNullOrEmpty
        Sync-VlanConfiguration $document
        Test-FullMesh | Should -Be 'all'
        Test-Forward | Should -Be 'web via internet|web via loopback'
        (ip -n $sandbox -details -json link show qemutap0 | ConvertFrom-Json).linkinfo.info_data.user | Should -Be 'nobody'
        (Test-VlanConfiguration $document).InDesiredState | Should -BeTrue
        Export-VlanConfiguration | Should -BeExactly $exported
        $verbose = Sync-VlanConfiguration $document -Verbose 4>&1 | ForEach-Object { "$_" }
        $verbose | Where-Object { $_ -notmatch 'already in place' } | Should -BeNullOrEmpty
    }

    It 'names exactly the three changes made by hand, and repairs only them' {
        ip -n "$sandbox.c3" addr flush dev eth0
        $dnat = ip netns exec "$sandbox.router" iptables -t nat -S VLAN-PREROUTING | Where-Object { $_ -match '-i uplink0' -and $_ -match 'DNAT' }
        $dnat | Should -HaveCount 1
        ip netns exec "$sandbox.router" iptables -t nat ($dnat -replace '^-A', '-D' -split ' ' -replace '"', '')
        ip -n $sandbox link set virtualnet0 mtu 1400

        $result = Test-VlanConfiguration $document
        $result.InDesiredState | Should -BeFalse
        ($result.Drift | ForEach-Object What | Sort-Object) | Should -Be @('appliance c3 State', 'bridge virtualnet0 mtu', 'port forward router/tcp/4000 Present')
        ($result.Drift | Where-Object Property -EQ mtu).Actual | Should -Be '1400'

        $whatIf = Get-WhatIfText { Sync-VlanConfiguration $document -WhatIf }
        $whatIf | Should -Match 'mtu 1500'
        $whatIf | Should -Match 'DNAT'
        $whatIf | Should -Match ('addr add {0} dev eth0' -f [regex]::Escape(((Get-Content -Raw $document | ConvertFrom-Json).appliances | Where-Object name -EQ c3).address))
        $whatIf | Should -Not -Match 'netns add|uplink0 netns|qemutap0'

        Sync-VlanConfiguration $document
        (Test-VlanConfiguration $document).InDesiredState | Should -BeTrue
        Test-FullMesh | Should -Be 'all'
        Test-Forward | Should -Be 'web via internet|web via loopback'
    }

    It 'leaves what the document does not name, and removes it with -Prune' {
        $null = Connect-VlanAppliance -Namespace extra -Create
        Sync-VlanConfiguration $document
        Get-VlanAppliance extra | Should -Not -BeNullOrEmpty
        (Test-VlanConfiguration $document).InDesiredState | Should -BeTrue
        (Test-VlanConfiguration $document -Prune).Drift.What | Should -Be 'appliance extra Present'
        Sync-VlanConfiguration $document -Prune
        Get-VlanAppliance | Where-Object Name -EQ extra | Should -BeNullOrEmpty
        Export-VlanConfiguration | Should -BeExactly $exported
    }

    It 'moves an appliance to the address the document now names, in place, and back' {
        $old = ((Get-Content -Raw $document | ConvertFrom-Json).appliances | Where-Object name -EQ c3).address
        $moved = Join-Path $work 'moved.json'
        (Get-Content -Raw $document).Replace("`"$old`"", '"172.24.4.50/16"') | Set-Content -NoNewline $moved

        (Test-VlanConfiguration $moved).Drift.What | Should -Contain 'appliance c3 address'
        $whatIf = Get-WhatIfText { Sync-VlanConfiguration $moved -WhatIf }
        $whatIf | Should -Match 'addr add 172\.24\.4\.50/16 dev eth0'
        $whatIf | Should -Not -Match 'link add'
        Sync-VlanConfiguration $moved
        (Get-VlanAppliance c3).Address | Should -Be '172.24.4.50'
        ip netns exec "$sandbox.desk" busybox ping -c1 -W2 172.24.4.50 *> $null
        $LASTEXITCODE | Should -Be 0
        (Test-VlanConfiguration $moved).InDesiredState | Should -BeTrue

        # Back to the address the host still remembers c3 at (its own MAC there is no other holder).
        Sync-VlanConfiguration $document
        Export-VlanConfiguration | Should -BeExactly $exported
        Remove-Item $moved
    }

    It 'refuses <Case> before anything runs, naming <Path>' -ForEach @(
        @{ Case = 'text that is not JSON'; Id = 'ConfigurationNotJson'; Path = '$.bridges'; Edit = { param($t) $t -replace '"bridges": \[', '"bridges": [,' } }
        @{ Case = 'an unknown kind'; Id = 'ConfigurationSchemaViolation'; Path = '$.appliances[0].kind'; Edit = { param($t) $t -replace '"kind": "interface"', '"kind": "vm"' } }
        @{ Case = 'an unknown field'; Id = 'ConfigurationSchemaViolation'; Path = '$.bridges[0].color'; Edit = { param($t) $t -replace '"mtu": 1500', '"mtu": 1500, "color": "red"' } }
        @{ Case = 'an address outside the LAN'; Id = 'ConfigurationInvalid'; Path = '$.appliances[1].address'; Edit = { param($t) $j = $t | ConvertFrom-Json; $j.appliances[1].address = '10.9.9.9/16'; $j | ConvertTo-Json -Depth 5 } }
        @{ Case = 'two appliances with one address'; Id = 'ConfigurationInvalid'; Path = '$.appliances[2].address'; Edit = { param($t) $j = $t | ConvertFrom-Json; $j.appliances[2].address = $j.appliances[1].address; $j | ConvertTo-Json -Depth 5 } }
    ) {
        $bad = Join-Path $work 'bad.json'
        Set-Content -Path $bad -Value (& $Edit $exported) -NoNewline
        Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false
        { Sync-VlanConfiguration $bad -ErrorAction Stop } | Should -Throw -ErrorId "$Id*"
        $error[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $error[0].TargetObject | Should -Be $Path
        $error[0].Exception.Message | Should -Match ([regex]::Escape($Path))
        Get-VlanBridge -ErrorAction Ignore | Where-Object IsManaged | Should -BeNullOrEmpty
        Sync-VlanConfiguration $document
    }
}

Describe 'Register-, Unregister-VlanConfiguration' -Skip:$notRoot {
    BeforeAll {
        Enter-VlanSandbox -Name $sandbox | Out-Null
        $null = New-SimulatedInternet -Sandbox $sandbox
        $null = New-VlanBridge | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false
        $null = Connect-VlanAppliance -Namespace a1, a2 -Create
        Export-VlanConfiguration -Path $document
        $script:units = Join-Path $work 'units'
    }

    AfterAll {
        Exit-VlanSandbox -Force -Confirm:$false
    }

    It 'shows the unit files with -WhatIf and writes nothing' {
        $shown = Get-WhatIfText { Register-VlanConfiguration -Path $document -UnitDirectory $units -WhatIf }
        $shown | Should -Match 'virtuallan-sync\.service'
        $shown | Should -Match 'PartOf=docker\.service'
        Test-Path $units | Should -BeFalse
    }

    It 'writes units that systemd-analyze verify accepts, enabled as systemctl enable would' {
        $files = Register-VlanConfiguration -Path $document -UnitDirectory $units
        $files.Name | Should -Be @('virtuallan-sync.service', 'virtuallan-sync-docker.service')
        (Get-Item (Join-Path $units 'multi-user.target.wants/virtuallan-sync.service')).LinkTarget | Should -Be $files[0].FullName
        (Get-Item (Join-Path $units 'docker.service.wants/virtuallan-sync-docker.service')).LinkTarget | Should -Be $files[1].FullName
        $docker = Get-Content -Raw $files[1].FullName
        $docker | Should -Match '(?m)^After=docker\.service$'
        $docker | Should -Match '(?m)^PartOf=docker\.service$'
        $docker | Should -Match "(?m)^Environment=VIRTUALLAN_SANDBOX=$sandbox$"
        # docker.service is not installed here; a stand-in lets verify resolve the dependency.
        Set-Content (Join-Path $units 'docker.service') "[Service]`nExecStart=/bin/true`n"
        $env:SYSTEMD_UNIT_PATH = "${units}:"
        try {
            $out = & systemd-analyze verify $files.FullName 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $out
        }
        finally {
            Remove-Item Env:SYSTEMD_UNIT_PATH
            Remove-Item (Join-Path $units 'docker.service')
        }
    }

    It 'brings the LAN back by the exact ExecStart command line of the unit' {
        Remove-VlanBridge virtualnet0 -Recurse -Confirm:$false
        $line = (Get-Content (Join-Path $units 'virtuallan-sync-docker.service') | Where-Object { $_ -like 'ExecStart=*' }).Substring(10)
        $line | Should -Match '^/\S+ '
        $argv = [VirtualLan.Configuration.SystemdUnits]::ExecStart("ExecStart=$line")
        $env:VIRTUALLAN_SANDBOX = $sandbox
        try {
            $out = & $argv[0] $argv[1..($argv.Count - 1)] 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $out
        }
        finally {
            Remove-Item Env:VIRTUALLAN_SANDBOX
        }
        (Test-VlanConfiguration $document).InDesiredState | Should -BeTrue
        ip netns exec "$sandbox.a1" busybox ping -c1 -W2 172.24.4.3 *> $null
        $LASTEXITCODE | Should -Be 0
    }

    It 'removes the units and their links' {
        Unregister-VlanConfiguration -UnitDirectory $units
        Get-ChildItem -Recurse $units | Should -BeNullOrEmpty
    }
}

Describe 'A document exported in one sandbox' -Skip:$notRoot {
    It 'builds the same LAN in a fresh one' {
        $first = 'vlc-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $second = 'vlc-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Enter-VlanSandbox -Name $first | Out-Null
        try {
            $null = New-SimulatedInternet -Sandbox $first
            $null = New-VlanBridge -Mtu 1450 | Add-VlanRouterNamespace -Uplink uplink0 -Confirm:$false
            $null = Connect-VlanAppliance -Namespace s1, s2 -Create
            $null = Get-VlanAppliance s2 | Add-VlanPortForward -ExternalPort 8080 -InternalPort 80
            $text = Export-VlanConfiguration
        }
        finally {
            Exit-VlanSandbox -Force -Confirm:$false
        }

        Set-Content -Path $document -Value $text -NoNewline
        Enter-VlanSandbox -Name $second | Out-Null
        try {
            $null = New-SimulatedInternet -Sandbox $second
            Sync-VlanConfiguration $document
            Export-VlanConfiguration | Should -BeExactly $text
            ip netns exec "$second.s1" busybox ping -c1 -W2 172.24.4.3 *> $null
            $LASTEXITCODE | Should -Be 0
        }
        finally {
            Exit-VlanSandbox -Force -Confirm:$false
        }
    }
}
