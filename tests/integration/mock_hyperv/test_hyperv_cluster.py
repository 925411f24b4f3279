"""Failover-cluster and Hyper-V cmdlets against the cluster model (small scenario)."""
from __future__ import annotations

EVENTS_21502 = ("$f = @{LogName='System'; ProviderName='Microsoft-Windows-Hyper-V-High-Availability'; Id=21502}; "
                "Get-WinEvent -ComputerName HV01 -FilterHashtable $f | ForEach-Object { [pscustomobject]@{"
                "Id=$_.Id; Provider=$_.ProviderName; Level=$_.LevelDisplayName; Message=$_.Message} } | "
                "ConvertTo-Json -Compress")


def test_live_migration_moves_the_vm_in_simulated_time(small):
    before = small.control.state()['clock']['seconds']
    moved = small.ps_json("$g = Move-ClusterVirtualMachineRole -Name APP01 -Node HV01 -MigrationType Live; "
                          "[pscustomobject]@{Name=$g.Name; Owner=$g.OwnerNode.Name; State=$g.State.ToString()} | "
                          "ConvertTo-Json -Compress")
    assert moved == {'Name': 'APP01', 'Owner': 'HV01', 'State': 'Online'}
    assert small.control.vm('APP01')['owner'] == 'HV01'
    elapsed = small.control.state()['clock']['seconds'] - before
    assert 16 < elapsed < 30, 'setup plus 16 GiB at 1000 MB/s'


def test_move_with_wait_zero_returns_while_migrating(small):
    state = small.ps_ok("Move-ClusterVirtualMachineRole -Name APP01 -Node HV01 -Wait 0 | Out-Null; Start-Sleep 3; "
                        "(Get-ClusterResource -Name 'Virtual Machine APP01' | Get-ClusterParameter -Name "
                        "MigrationState).Value")
    assert state.strip() in ('1', '2')
    small.control.advance(60)
    assert small.control.vm('APP01')['owner'] == 'HV01'


def test_migration_without_free_memory_fails_and_logs_21502(small):
    result = small.ps('Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -MigrationType Live')
    assert result.status_code != 0
    assert "An error occurred while moving the clustered role 'SQL01'" in result.std_err.decode()
    assert small.control.vm('SQL01')['owner'] == 'HV01'
    event = small.ps_json(EVENTS_21502)
    assert event['Id'] == 21502 and event['Level'] == 'Error'
    assert event['Provider'] == 'Microsoft-Windows-Hyper-V-High-Availability'
    assert "Live migration of 'Virtual Machine SQL01' failed." in event['Message']
    assert "failed at migration destination 'HV03'" in event['Message']
    assert 'start the virtual machine SQL01 with ram size 24576 megabytes' in event['Message']


def test_error_action_stop_makes_the_failure_catchable(small):
    out = small.ps_ok("try { Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -ErrorAction Stop; 'moved' } "
                      "catch { 'caught: ' + $_.Exception.Message.Split([char]13)[0] }")
    assert out.startswith("caught: An error occurred while moving the clustered role 'SQL01'.")


def test_no_events_is_an_error_unless_silenced(small):
    assert small.ps("$f = @{LogName='System'; Id=21502}; Get-WinEvent -FilterHashtable $f").status_code == 1
    out = small.ps_ok("$f = @{LogName='System'; Id=21502}; "
                      "@(Get-WinEvent -FilterHashtable $f -ErrorAction SilentlyContinue).Count")
    assert out.strip() == '0'


def test_drain_then_immediate_failback(small):
    drained = small.ps_json("Suspend-ClusterNode -Name HV02 -Drain -Wait | ForEach-Object { [pscustomobject]@{"
                            "State=$_.State.ToString(); Drain=$_.DrainStatus.ToString()} } | ConvertTo-Json -Compress")
    assert drained == {'State': 'Paused', 'Drain': 'Completed'}
    assert small.control.node('HV02')['vm_count'] == 0
    small.ps_ok('Resume-ClusterNode -Name HV02 -Failback Immediate | Out-Null; Start-Sleep -Seconds 120')
    owners = {vm['name']: vm['owner'] for vm in small.control.state()['vms']}
    assert owners['WEB02'] == 'HV02' and owners['APP01'] == 'HV02'
    assert small.control.node('HV02')['state'] == 'Up'


def test_drain_spreads_by_free_memory_and_respects_anti_affinity(small):
    small.ps_ok('Suspend-ClusterNode -Name HV01 -Drain -Wait | Out-Null')
    owners = {vm['name']: vm['owner'] for vm in small.control.state()['vms']}
    assert owners['SQL01'] == 'HV02', 'the node with the most free memory'
    assert owners['WEB01'] == 'HV03', 'anti-affinity class "web" keeps it away from WEB02 when there is room'
    assert all(owner != 'HV01' for owner in owners.values())
    assert all(n['free_mb'] >= 0 for n in small.control.state()['nodes'])


def test_protected_network_toggle(small):
    small.ps_ok("Get-ClusterGroup WEB01 | Get-VM | Get-VMNetworkAdapter | Where-Object {$_.SwitchName -eq 'Private'} "
                "| Set-VMNetworkAdapter -NotMonitoredInCluster $true")
    adapters = {a['switch']: a['cluster_monitored'] for a in small.control.vm('WEB01')['adapters']}
    assert adapters == {'Corp': True, 'Private': False}
    shown = small.ps_json("Get-ClusterGroup WEB01 | Get-VM | Get-VMNetworkAdapter | "
                          "Select-Object 'SwitchName','ClusterMonitored' | ConvertTo-Json -Compress")
    assert shown == [{'SwitchName': 'Corp', 'ClusterMonitored': True},
                     {'SwitchName': 'Private', 'ClusterMonitored': False}]
    small.ps_ok("Get-VMNetworkAdapter -VMName WEB01 | Set-VMNetworkAdapter -NotMonitoredInCluster $false")
    assert all(a['cluster_monitored'] for a in small.control.vm('WEB01')['adapters'])


def test_hyperv_cmdlets_act_on_one_host(small):
    assert small.ps('Get-VM -Name APP02').status_code == 1, 'APP02 runs on HV03, the session is on HV01'
    vm = small.ps_json("Get-VM -Name APP02 -ComputerName HV03 | ForEach-Object { [pscustomobject]@{Name=$_.Name; "
                       "Host=$_.ComputerName; MemoryMB=$_.MemoryStartup / 1048576} } | ConvertTo-Json -Compress")
    assert vm == {'Name': 'APP02', 'Host': 'HV03', 'MemoryMB': 16384}


def test_set_vmhost_changes_concurrent_migrations(small):
    out = small.ps_ok('Set-VMHost -ComputerName HV02 -MaximumVirtualMachineMigrations 4; '
                      '(Get-VMHost -ComputerName HV02).MaximumVirtualMachineMigrations')
    assert out.strip() == '4'
    assert small.control.node('HV02')['max_vm_migrations'] == 4


def test_wait_scripts_written_on_every_node(small):
    small.ps_ok("foreach ($n in @('HV01','HV02','HV03')) { "
                "Set-Content -Path \"\\\\$n\\C$\\Scripts\\wait.ps1\" -Value 'Start-Sleep -s 30' }")
    assert small.control.files('HV03')['C:\\Scripts\\wait.ps1'] == 'Start-Sleep -s 30\r\n'
    assert small.ps_ok("Invoke-Command -ComputerName 'HV02' -ScriptBlock { Test-Path 'C:\\Scripts\\wait.ps1' }") \
        == 'True\r\n'
    missing = small.ps("Set-Content -Path 'C:\\NoSuchDir\\wait.ps1' -Value 'x'")
    assert "Could not find a part of the path 'C:\\NoSuchDir\\wait.ps1'." in missing.std_err.decode()
    before = small.control.state()['clock']['seconds']
    small.ps_ok("& 'C:\\Scripts\\wait.ps1'")
    assert small.control.state()['clock']['seconds'] - before == 30


def test_quick_migration_takes_the_vm_offline_briefly(small):
    small.ps_ok('Move-ClusterVirtualMachineRole -Name APP01 -Node HV03 -MigrationType Quick -Wait 0 | Out-Null')
    assert small.control.vm('APP01')['state'] == 'Offline'
    small.control.advance(120)
    assert small.control.vm('APP01')['owner'] == 'HV03' and small.control.vm('APP01')['state'] == 'Online'


def test_event_filter_start_time(small):
    small.ps('Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03')
    small.control.advance(600)
    later = small.ps("$f = @{LogName='System'; Id=21502; StartTime=(Get-Date).AddMinutes(-5)}; "
                     "@(Get-WinEvent -ComputerName HV01 -FilterHashtable $f -ErrorAction SilentlyContinue).Count")
    earlier = small.ps("$f = @{LogName='System'; Id=21502; StartTime=(Get-Date).AddMinutes(-15)}; "
                       "@(Get-WinEvent -ComputerName HV01 -FilterHashtable $f -ErrorAction SilentlyContinue).Count")
    assert (later.std_out, earlier.std_out) == (b'0\r\n', b'1\r\n')


def test_node_down_fault_fails_roles_over(small):
    small.control.fault(node_down='HV03')
    small.control.advance(60)
    state = small.ps_ok("(Get-ClusterNode -Name HV03).State.ToString()")
    assert state.strip() == 'Down'
    for name in ('APP02', 'BIG01'):
        vm = small.control.vm(name)
        assert vm['owner'] != 'HV03' and vm['state'] == 'Online'
