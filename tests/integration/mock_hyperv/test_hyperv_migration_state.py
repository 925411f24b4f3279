"""MigrationState and MigrationProgress as the VM resource reports them, stalled copies, -Cancel, and offline
moves whose destination cannot start the VM (small_3node: HV03 has 20480 MB free, SQL01 needs 24576)."""
from __future__ import annotations

STATE = "(Get-ClusterResource 'Virtual Machine {vm}' | Get-ClusterParameter -Name MigrationState).Value"
SAMPLE = ("$g = @(Get-ClusterResource 'Virtual Machine {vm}' | Get-ClusterParameter -Name "
          "'MigrationState','MigrationProgress'); '' + $g[0].Value + '/' + $g[1].Value")
FAIL_SQL01 = "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -ErrorAction SilentlyContinue | Out-Null; 'moved'"


def state(mock, vm='SQL01'):
    return int(mock.ps_ok(STATE.format(vm=vm)))


def samples(mock, script, count, seconds):
    """MigrationState/MigrationProgress of SQL01 right after script, then every `seconds` simulated seconds."""
    loop = f"foreach ($i in 1..{count}) {{ Start-Sleep -Seconds {seconds}; $r += $({SAMPLE.format(vm='SQL01')}) }}"
    out = mock.ps_ok(f"{script}; $r = @($({SAMPLE.format(vm='SQL01')})); {loop}; $r -join ' '")
    return [tuple(int(x) for x in pair.split('/')) for pair in out.split()]


def test_failure_state_stays_until_another_migration_reaches_the_resource(small):
    small.ps_ok(FAIL_SQL01)
    assert state(small) == 5 and small.control.vm('SQL01')['owner'] == 'HV01'
    small.control.advance(600)
    assert state(small) == 5, 'Failure stays until another migration starts'
    seen = samples(small, "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV02 -Wait 0 | Out-Null", 3, 3)
    assert seen[0] == (5, 0), 'right after -Wait 0 the resource still shows the last failure'
    assert [s for s, _progress in seen[1:]] == [1, 1, 2], 'setup, then the memory copy'
    small.control.advance(60)
    assert state(small) == 0 and small.control.vm('SQL01')['owner'] == 'HV02'


def test_progress_grows_with_the_memory_copied(small):
    seen = samples(small, "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV02 -Wait 0 | Out-Null", 12, 3)
    copying = [p for s, p in seen if s == 2]
    assert len(copying) >= 6 and copying == sorted(copying) and len(set(copying)) == len(copying), seen
    assert 0 <= copying[0] < 20 and copying[-1] > 80
    assert seen[-1] == (0, 0) and small.control.vm('SQL01')['owner'] == 'HV02'


def test_cancel_leaves_canceled_and_cancel_with_nothing_in_flight_is_an_error(small):
    small.ps_ok("Move-ClusterVirtualMachineRole -Name SQL01 -Node HV02 -Wait 0 | Out-Null; Start-Sleep -Seconds 10")
    assert state(small) == 2
    small.ps_ok("Move-ClusterVirtualMachineRole -Name SQL01 -Cancel | Out-Null")
    small.control.advance(300)
    vm = small.control.vm('SQL01')
    assert (vm['migration_state'], vm['owner'], vm['state']) == (4, 'HV01', 'Online')
    again = small.ps("Move-ClusterVirtualMachineRole -Name SQL01 -Cancel -ErrorAction SilentlyContinue | Out-Null")
    assert again.status_code == 1, 'a non-terminating error sets $? false: powershell exits 1'
    loud = small.ps("Move-ClusterVirtualMachineRole -Name SQL01 -Cancel")
    assert "There is no live migration of 'SQL01' in progress to cancel." in loud.std_err.decode()
    assert state(small) == 4


def test_stall_fault_holds_the_copy_until_cancelled_or_cleared(small):
    small.control.fault(stall_migrations={'SQL01': 70})
    seen = samples(small, "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV02 -Wait 0 | Out-Null", 4, 60)
    assert seen[-3:] == [(2, 70)] * 3, seen
    small.control.fault(stall_migrations=[])
    small.control.advance(8)  # the remaining 30% of 24576 MB at 1000 MB/s
    assert small.control.vm('SQL01')['owner'] == 'HV02' and state(small) == 0
    small.control.fault(stall_migrations=['SQL01'])
    seen = samples(small, "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV01 -Wait 0 | Out-Null", 2, 60)
    assert seen[-1] == (2, 50), 'a plain list stalls at 50%'
    small.ps_ok("Move-ClusterVirtualMachineRole -Name SQL01 -Cancel | Out-Null")
    assert small.control.vm('SQL01')['owner'] == 'HV02' and state(small) == 4


def test_quick_move_the_destination_cannot_start_comes_back_online_on_its_source(small):
    moved = small.ps("Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -MigrationType Quick")
    assert moved.status_code == 1
    assert "'SQL01' could not start on 'HV03': not enough memory" in moved.std_err.decode()
    vm = small.control.vm('SQL01')
    assert (vm['owner'], vm['state'], vm['migration_state']) == ('HV01', 'Online', 0)
    (event,) = vm['downtime']
    assert event['kind'] == 'quick' and (event['source'], event['target']) == ('HV01', 'HV01')
    assert event['end'] is not None and event['seconds'] > 20
    assert small.control.state()['migrations']['finished'] == {'move:Failed': 1}


def test_quick_move_off_a_paused_node_fails_over_elsewhere_or_stays_failed(small):
    small.ps_ok("Suspend-ClusterNode -Name HV01 | Out-Null")
    small.ps("Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -MigrationType Quick")
    vm = small.control.vm('SQL01')
    assert (vm['owner'], vm['state']) == ('HV02', 'Online'), 'a paused node brings no group online'
    small.ps_ok("Suspend-ClusterNode -Name HV02 | Out-Null")
    small.ps("Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -MigrationType Shutdown")
    vm = small.control.vm('SQL01')
    assert (vm['owner'], vm['state']) == ('HV02', 'Failed') and vm['downtime'][-1]['end'] is None
