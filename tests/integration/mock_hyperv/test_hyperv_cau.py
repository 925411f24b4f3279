"""Cluster-Aware Updating: role settings, the two kinds of updating run, and seed 000's race on the tight
10-node cluster."""
from __future__ import annotations

import json

import pytest
import winrm

USER, PASSWORD = 'CONTOSO\\Administrator', 'Passw0rd!'


SEED = 'seed_tight_10node.yaml'
REPORT = ("[pscustomobject]@{Status=$r.Status.ToString(); Nodes=@($r.NodeResults | ForEach-Object { "
          "[pscustomobject]@{Node=$_.Node; Status=$_.Status.ToString()} })} | ConvertTo-Json -Compress -Depth 3")
# The clustered role's own run (self-updating), followed to its end, then its report.
ROLE_RUN = ('Set-CauClusterRole -UpdateNow -Force; Get-CauRun -WaitForCompletion | Out-Null; '
            '$r = Get-CauReport -Last -Detailed; ' + REPORT)
# A remote-updating run from ADMIN01 (not a node) with Invoke-CauRun's defaults.
REMOTE_RUN = '$r = Invoke-CauRun -ClusterName HVCLU01 -Force -ErrorAction SilentlyContinue; ' + REPORT


def coordinator(mock, transport: str = 'credssp') -> winrm.Session:
    """A session on ADMIN01, the scenario's machine with the CAU tools (reached as localhost)."""
    return winrm.Session(mock.url.replace('127.0.0.1', 'localhost'), auth=(USER, PASSWORD), transport=transport)


def from_mapping(mock, data: dict):
    """The fixture's mock reset to a scenario given as a mapping."""
    mock.control.reset(data)
    return mock


def coordinator_json(mock, script: str):
    result = coordinator(mock).run_ps(script)
    assert result.status_code == 0, result.std_err.decode(errors='replace')
    return json.loads(result.std_out.decode())


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


def test_weekly_interval_reads_back_as_weeks_interval_and_schedule_sets_do_not_mix(small):
    small.ps_ok("Add-CauClusterRole -DaysOfWeek Tuesday -IntervalWeeks 2 -Force")
    settings = _settings(small)
    assert settings['WeeksInterval'] == '2' and 'IntervalWeeks' not in settings, 'Set-CauClusterRole.md Example 2'
    small.ps_ok('Set-CauClusterRole -FailbackMode NoFailback -Force')
    assert _settings(small)['WeeksInterval'] == '2', 'no schedule parameter: the schedule is kept'
    mixed = small.ps('Set-CauClusterRole -DaysOfWeek Tuesday -WeeksOfMonth 2 -IntervalWeeks 2 -Force')
    assert mixed.status_code == 1
    assert 'Parameter set cannot be resolved using the specified named parameters.' in mixed.std_err.decode()
    small.ps_ok('Set-CauClusterRole -DaysOfWeek Tuesday -WeeksOfMonth 2 -Force')
    settings = _settings(small)
    assert settings['WeeksOfMonth'] == '2' and 'WeeksInterval' not in settings, 'now the monthly set'
    small.ps_ok('Set-CauClusterRole -RunOnce -Force')
    settings = _settings(small)
    assert not {'DaysOfWeek', 'WeeksOfMonth', 'WeeksInterval'} & set(settings) and settings['RunOnce'] == 'True'
    once = small.ps('Set-CauClusterRole -RunOnce -DaysOfWeek Tuesday -Force')
    assert 'Parameter set cannot be resolved' in once.std_err.decode()
    now = small.ps('Set-CauClusterRole -UpdateNow -FailbackMode NoFailback -Force')
    assert 'Parameter set cannot be resolved' in now.std_err.decode()
    cleared = small.ps("Set-CauClusterRole -DaysOfWeek '' -Force")
    assert "Cannot bind parameter 'DaysOfWeek'" in cleared.std_err.decode(), 'an empty string is no Weekdays value'
    small.ps_ok('Set-CauClusterRole -DaysOfWeek Monday -IntervalWeeks 1 -Force')
    small.ps_ok('Set-CauClusterRole -DaysOfWeek None -IntervalWeeks 1 -Force')
    assert 'DaysOfWeek' not in _settings(small), 'None clears the days'


@pytest.mark.parametrize('release,refused,accepted', [
    ('2016', 'RebootMode', 'SuspendClusterNodeTimeoutMinutes'),
    ('2019', 'ForcePauseAndDrain', 'FailbackMode'),
    ('2022', 'SuspendRetriesPerNode', 'RebootMode'),
    ('2025', None, 'WaitForStorageRepairTimeoutMinutes'),
])
def test_parameters_of_newer_releases_are_not_found_on_older_ones(small, release, refused, accepted):
    mock = from_mapping(small, {'cluster': {'name': 'OLD', 'os': int(release)},
                                'nodes': [{'name': 'N1'}, {'name': 'N2'}], 'cau': {'role': {'MaxFailedNodes': 0}}})
    os_info = mock.ps_json("Get-CimInstance Win32_OperatingSystem | Select-Object 'Version','BuildNumber','Caption' | "
                           "ConvertTo-Json -Compress")
    assert os_info['Caption'].startswith('Microsoft Windows Server %s' % release)
    values = {'RebootMode': 'FullReboot', 'FailbackMode': 'NoFailback'}
    if refused:
        result = mock.ps('Set-CauClusterRole -%s %s -Force' % (refused, values.get(refused, '1')))
        assert result.status_code == 1
        assert "A parameter cannot be found that matches parameter name '%s'." % refused in result.std_err.decode()
    mock.ps_ok('Set-CauClusterRole -%s %s -Force' % (accepted, values.get(accepted, '1')))
    assert mock.ps('Set-CauClusterRole -RebootMode SoftReboot -Force').status_code == (1 if release < '2022' else 0)
    if release >= '2022':
        bad = mock.ps('Set-CauClusterRole -RebootMode FastReboot -Force').std_err.decode()
        assert 'ClusProp, FullReboot, SoftReboot, PluginCustomReboot, OrchestratorDefault' in bad


# ------------------------------------------------------------ the two kinds of updating run
def test_invoke_cau_run_on_a_node_is_refused(small):
    small.ps_ok('Add-CauClusterRole -Force')
    result = small.ps('Invoke-CauRun -Force')
    assert result.status_code == 1
    error = result.std_err.decode()
    assert "The computer 'HV01' is a node of cluster 'HVCLU02'." in error and 'not a member' in error
    assert small.control.state()['cau']['runs'] == [], 'nothing ran'
    no_name = coordinator(small).run_ps('Invoke-CauRun -Force')
    assert no_name.status_code == 1 and 'Specify the cluster with the ClusterName parameter' in \
        no_name.std_err.decode()


def test_remote_run_uses_only_its_own_parameters(fresh):
    mock = fresh(SEED)
    mock.ps_ok('Set-CauClusterRole -FailbackMode NoFailback -Force')
    report = coordinator_json(mock, REMOTE_RUN)
    run = mock.control.last_cau_run()
    assert report['Status'] == 'Failed' and run['events_21502'] > 0, "the role's NoFailback is not inherited"
    mock = fresh(SEED)
    report = coordinator_json(mock, '$r = Invoke-CauRun -ClusterName HVCLU01 -FailbackMode NoFailback -Force; ' +
                              REPORT)
    assert report['Status'] == 'Succeeded' and mock.control.last_cau_run()['events_21502'] == 0


def test_remote_run_needs_delegated_credentials(fresh):
    mock = fresh(SEED)
    result = coordinator(mock, transport='ntlm').run_ps('Invoke-CauRun -ClusterName HVCLU01 -Force')
    assert result.status_code == 1 and 'Access is denied' in result.std_err.decode()
    assert mock.control.state()['cau']['runs'] == []


def test_japanese_ui_answers_in_japanese(small):
    mock = from_mapping(small, {'locale': 'ja-JP', 'cluster': {'name': 'JP'}, 'nodes': [{'name': 'N1'}, {'name': 'N2'}]})
    protocol = mock.protocol()
    shell = protocol.open_shell(codepage=65001)  # UTF-8, as the modules ask for
    command = protocol.run_command(shell, 'powershell', ['-Command', 'Get-CauClusterRole'])
    out, err, code = protocol.get_command_output(shell, command)
    protocol.close_shell(shell)
    error = err.decode('utf-8')  # the CLIXML error stream carries the text as it is
    assert code == 1 and 'クラスター対応更新' in error and 'not configured' not in error
    caught = mock.ps_ok('try { Get-CauClusterRole -ErrorAction Stop } catch { '
                        '"$($_.FullyQualifiedErrorId)|$($_.CategoryInfo.Category)" }').strip()
    assert caught.startswith('CauRoleNotFound,') and caught.endswith('|ObjectNotFound'), 'ids are not translated'


# ------------------------------------------------------------ seed 000's race
def _run(mock, setup: str = '') -> dict:
    if setup:
        mock.ps_ok(setup)
    report = mock.ps_json(ROLE_RUN)
    run = mock.control.last_cau_run()
    run['report'] = report
    return run


@pytest.fixture(scope='module')
def seed_runs(fresh) -> dict[str, dict]:
    """One CAU run per configuration on a fresh copy of the seed cluster (the role's own run)."""
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
    seed.ps_ok(ROLE_RUN)
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
    assert small.ps_json(ROLE_RUN)['Status'] == 'Succeeded'
    attempts = {n['node']: n['attempts'] for n in small.control.last_cau_run()['nodes']}
    assert attempts == {'HV01': 1, 'HV02': 2, 'HV03': 1}
    small.control.fault(node_down='HV03')
    report = coordinator_json(small, '$r = Invoke-CauRun -ClusterName HVCLU02 -RequireAllNodesOnline -Force '
                                     '-ErrorAction SilentlyContinue; ' + REPORT)
    assert report['Status'] == 'Failed'
    assert 'RequireAllNodesOnline' in small.control.last_cau_run()['error']
