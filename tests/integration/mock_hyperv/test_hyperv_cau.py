"""Cluster-Aware Updating: role settings, and seed 000's race on the tight 10-node cluster."""
from __future__ import annotations

import pytest


SEED = 'seed_tight_10node.yaml'
REPORT = ("[pscustomobject]@{Status=$r.Status.ToString(); Nodes=@($r.NodeResults | ForEach-Object { "
          "[pscustomobject]@{Node=$_.Node; Status=$_.Status.ToString()} })} | ConvertTo-Json -Compress -Depth 3")
RUN = '$r = Invoke-CauRun -Force -ErrorAction SilentlyContinue; ' + REPORT
WRITE_EVERYWHERE = ("$text = @'\n{text}\n'@\nforeach ($n in @((Get-ClusterNode).Name)) {{ "
                    "New-Item -ItemType Directory -Path \"\\\\$n\\C$\\Scripts\" -Force | Out-Null; "
                    "Set-Content -Path \"\\\\$n\\C$\\Scripts\\{name}\" -Value $text }}")
QUIESCENCE = """$deadline = (Get-Date).AddMinutes(30)
do {
  $busy = @(Get-ClusterResource | Where-Object { $_.ResourceType -like 'Virtual Machine' } |
    Get-ClusterParameter -Name MigrationState | Where-Object { $_.Value -in 1,2,3 }).Count
  if ($busy -eq 0) { break }
  Start-Sleep -Seconds 10
} while ((Get-Date) -lt $deadline)"""


# ------------------------------------------------------------------ role settings
def test_no_role_gives_the_documented_error(small):
    result = small.ps('Get-CauClusterRole')
    assert result.status_code == 1
    assert 'The current cluster is not configured with a Cluster-Aware Updating clustered role.' in \
        result.std_err.decode()


def _settings(mock) -> dict:
    pairs = mock.ps_json("Get-CauClusterRole | ForEach-Object { [pscustomobject]@{Name=$_.Name; "
                         "Value=$(if ($_.Value -is [array]) { $_.Value -join ',' } else { $_.Value.ToString() })} } "
                         "| ConvertTo-Json -Compress")
    return {p['Name']: p['Value'] for p in pairs}


def test_set_keeps_settings_it_is_not_given(small):
    small.ps_ok("Add-CauClusterRole -MaxFailedNodes 1 -RebootTimeoutMinutes 30 -RequireAllNodesOnline "
                "-PreUpdateScript 'C:\\Scripts\\pre.ps1' -NodeOrder 'HV03','HV01','HV02' -DaysOfWeek 'Tuesday' "
                "-WeeksOfMonth 2,4 -Force")
    small.ps_ok('Set-CauClusterRole -FailbackMode NoFailback -Force')
    settings = _settings(small)
    assert settings['FailbackMode'] == 'NoFailback'
    assert settings['MaxFailedNodes'] == '1' and settings['RebootTimeoutMinutes'] == '30'
    assert settings['PreUpdateScript'] == 'C:\\Scripts\\pre.ps1'
    assert settings['NodeOrder'] == 'HV03,HV01,HV02' and settings['WeeksOfMonth'] == '2,4'
    assert settings['RequireAllNodesOnline'] == 'True' and settings['DaysOfWeek'] == 'Tuesday'
    assert settings['MaxRetriesPerNode'] == '3', 'documented default'
    raw = small.ps_json("Get-CauClusterRole | Where-Object { $_.Name -eq 'FailbackMode' } | ConvertTo-Json -Compress")
    assert raw['Value'] == 0, 'FailbackType is an enum: a number in ConvertTo-Json'
    small.ps_ok('Set-CauClusterRole -UseDefault -PostUpdateScript C:\\Scripts\\post.ps1 -Force')
    settings = _settings(small)
    assert settings['FailbackMode'] == 'Immediate' and 'PreUpdateScript' not in settings
    assert settings['PostUpdateScript'] == 'C:\\Scripts\\post.ps1'


def test_bad_settings_are_refused(small):
    small.ps_ok('Add-CauClusterRole -Force')
    result = small.ps("Set-CauClusterRole -PreUpdateScript 'C:\\Scripts\\pre.txt' -Force")
    assert result.status_code == 1 and 'extension must be .ps1' in result.std_err.decode()
    result = small.ps("Set-CauClusterRole -FailbackMode Sometimes -Force")
    assert "Cannot bind parameter 'FailbackMode'" in result.std_err.decode()
    assert small.ps_ok('Get-CauRun | ForEach-Object { $_.ToString() }').strip() == 'RunNotInProgress'
    small.ps_ok('Remove-CauClusterRole -Force')
    assert small.ps('Get-CauClusterRole').status_code == 1


# ------------------------------------------------------------ seed 000's race
def _run(mock, setup: str = '') -> dict:
    if setup:
        mock.ps_ok(setup)
    report = mock.ps_json(RUN)
    run = mock.control.last_cau_run()
    run['report'] = report
    return run


@pytest.fixture(scope='module')
def seed_runs(fresh) -> dict[str, dict]:
    """One CAU run per configuration on a fresh copy of the seed cluster."""
    runs = {'defaults': _run(fresh(SEED))}
    runs['no_failback'] = _run(fresh(SEED), 'Set-CauClusterRole -FailbackMode NoFailback -Force')
    measure = fresh(SEED)
    drain_seconds = float(measure.ps_ok("$t = Get-Date; Suspend-ClusterNode -Name HV01 -Drain -Wait | Out-Null; "
                                        "((Get-Date) - $t).TotalSeconds"))
    wait_seconds = round(drain_seconds * 1.5)  # the seed's rule: 1.5 x one node's drain
    runs['sleep'] = _run(fresh(SEED),
                         WRITE_EVERYWHERE.format(text=f'Start-Sleep -s {wait_seconds}', name='cau-wait.ps1') +
                         "\nSet-CauClusterRole -PostUpdateScript 'C:\\Scripts\\cau-wait.ps1' -Force")
    runs['sleep']['wait_seconds'] = wait_seconds
    runs['quiescence'] = _run(fresh(SEED),
                              WRITE_EVERYWHERE.format(text=QUIESCENCE, name='cau-quiet.ps1') +
                              "\nSet-CauClusterRole -PostUpdateScript 'C:\\Scripts\\cau-quiet.ps1' -Force")
    return runs


def test_defaults_fail_with_21502_and_stop(seed_runs):
    run = seed_runs['defaults']
    assert run['events_21502'] > 0 and run['failback_migrations_failed'] == run['events_21502']
    assert run['status'] == 'Failed' and run['stopped']
    assert run['failed_nodes'] == ['HV01'], 'the first failback raced the second drain'
    statuses = {n['Node']: n['Status'] for n in run['report']['Nodes']}
    assert statuses['HV01'] == 'Failed' and statuses['HV10'] == 'NotStarted'
    assert run['report']['Status'] == 'Failed'


def test_failures_show_in_the_system_log_of_the_failback_sources(seed):
    seed.ps(RUN)
    events = seed.ps_json("$f = @{LogName='System'; ProviderName='Microsoft-Windows-Hyper-V-High-Availability'; "
                          "Id=21502}; $all = foreach ($n in @((Get-ClusterNode).Name)) { Get-WinEvent -ComputerName "
                          "$n -FilterHashtable $f -ErrorAction SilentlyContinue }; "
                          "ConvertTo-Json -InputObject @($all | ForEach-Object { $_.Message }) -Compress")
    assert events and all("failed at migration destination 'HV01'" in e for e in events)
    assert seed.ps_ok('(Get-CauReport -Last).Status.ToString()').strip() == 'Failed'


def test_no_failback_runs_clean(seed_runs):
    run = seed_runs['no_failback']
    assert run['events_21502'] == 0 and run['status'] == 'Succeeded' and not run['stopped']
    assert {n['Status'] for n in run['report']['Nodes']} == {'Succeeded'}


def test_sleep_script_avoids_the_race_but_costs_time(seed_runs):
    run = seed_runs['sleep']
    assert run['events_21502'] < seed_runs['defaults']['events_21502']
    assert run['status'] == 'Succeeded'
    assert run['duration_seconds'] > seed_runs['no_failback']['duration_seconds'] + 9 * run['wait_seconds'] * 0.9


def test_quiescence_script_is_clean_and_faster_than_sleeping(seed_runs):
    run = seed_runs['quiescence']
    assert run['events_21502'] == 0 and run['status'] == 'Succeeded'
    assert run['duration_seconds'] < seed_runs['sleep']['duration_seconds']


def test_failed_install_is_retried_and_offline_nodes_block_strict_runs(small):
    small.ps_ok('Add-CauClusterRole -MaxFailedNodes 0 -Force')
    small.control.fault(update_failures={'HV02': 1})
    assert small.ps_json(RUN)['Status'] == 'Succeeded'
    attempts = {n['node']: n['attempts'] for n in small.control.last_cau_run()['nodes']}
    assert attempts == {'HV01': 1, 'HV02': 2, 'HV03': 1}
    small.control.fault(node_down='HV03')
    report = small.ps_json('$r = Invoke-CauRun -RequireAllNodesOnline -Force -ErrorAction SilentlyContinue; ' + REPORT)
    assert report['Status'] == 'Failed'
    assert 'RequireAllNodesOnline' in small.control.last_cau_run()['error']
