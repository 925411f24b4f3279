"""The second hop: a WinRM session without delegated credentials (NTLM, Basic) cannot reach another node.

Scripts run straight on the model (`run_script` with a `Logon`), the way the WinRM server runs them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.mocks.hyperv.host import Logon, run_script
from tests.mocks.hyperv.scenario import load

ROOT = Path(__file__).resolve().parents[3]

SCENARIO = ROOT / 'tests' / 'mocks' / 'hyperv' / 'scenarios' / 'small_3node.yaml'
NTLM = Logon('CONTOSO\\Administrator', 'ntlm', False)
CREDSSP = Logon('CONTOSO\\Administrator', 'credssp', True)
UNC = '\\\\HV02\\C$\\Scripts\\hello.ps1'


@pytest.fixture
def cluster():
    return load(SCENARIO)[0]


def run(cluster, script, logon=NTLM):
    """Run on the endpoint node HV01; (stdout lines, error records, exit code)."""
    result = run_script(cluster, cluster.node('HV01'), script, logon=logon)
    return result.stdout.split(), result.errors, result.exit_code


def only_error(errors):
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0]


def test_cim_on_another_node_fails_without_delegation(cluster):
    out, errors, _code = run(cluster, "(Get-CimInstance Win32_OperatingSystem -ComputerName HV02).CSName")
    error = only_error(errors)
    assert out == []
    assert error.fqid == 'HRESULT 0x8009030e,Microsoft.PowerShell.Commands.GetCimInstanceCommand'
    assert error.category_text.startswith('AuthenticationError: (HV02:String)')
    assert 'logon session does not exist' in error.message


def test_cim_on_own_node_and_with_credssp_works(cluster):
    script = "@(Get-CimInstance Win32_OperatingSystem -ComputerName 'HV01','HV02','HV03').CSName -join ','"
    assert run(cluster, script.replace(",'HV02','HV03'", ''))[:2] == (['HV01'], [])
    assert run(cluster, script, CREDSSP)[:2] == (['HV01,HV02,HV03'], [])


def test_event_log_of_another_node_is_an_unauthorized_operation(cluster):
    out, errors, code = run(cluster, "Get-WinEvent -ComputerName HV02 -FilterHashtable @{LogName='System'; Id=21502}")
    error = only_error(errors)
    assert (out, code) == ([], 1)
    assert error.message == 'Attempted to perform an unauthorized operation.'
    assert error.fqid == 'System.UnauthorizedAccessException,Microsoft.PowerShell.Commands.GetWinEventCommand'


def test_no_events_on_a_reachable_node_keeps_its_own_error_id(cluster):
    for logon, node in ((NTLM, 'HV01'), (CREDSSP, 'HV02')):
        _out, errors, _code = run(cluster, f"Get-WinEvent -ComputerName {node} -FilterHashtable @{{LogName='System'}}",
                                  logon)
        assert only_error(errors).fqid.startswith('NoMatchingEventsFound,')


def test_get_vm_through_a_group_owned_elsewhere_is_denied(cluster):
    out, errors, _code = run(cluster, "Get-ClusterGroup | Get-VM | ForEach-Object { $_.Name }")
    assert sorted(out) == ['OFF01', 'SQL01', 'WEB01'], 'the VMs on the session node still answer'
    denied = sorted(e.category_text.split('(')[1].split(':')[0] for e in errors)
    assert denied == ['APP01', 'APP02', 'BIG01', 'WEB02']
    assert {e.fqid.split(',')[0] for e in errors} == {'AccessDenied'}
    assert "authorization policy for the computer 'HV02'" in errors[0].message or \
        "authorization policy for the computer 'HV03'" in errors[0].message
    assert run(cluster, "@(Get-ClusterGroup | Get-VM).Count", CREDSSP)[:2] == (['7'], [])


def test_hyperv_cmdlets_with_computer_name_of_another_node_are_denied(cluster):
    for script in ("Get-VM -ComputerName HV02", "Get-VMNetworkAdapter -VMName APP01 -ComputerName HV02",
                   "Get-VMHost -ComputerName HV03"):
        out, errors, _code = run(cluster, script)
        assert out == [] and only_error(errors).category_text.startswith('PermissionDenied'), script


def test_adapter_change_on_another_node_is_denied_and_changes_nothing(cluster):
    script = "Set-VMNetworkAdapter -VMName APP01 -ComputerName HV02 -NotMonitoredInCluster $true"
    only_error(run(cluster, script)[1])
    assert all(a.cluster_monitored for a in cluster.vm('APP01').adapters)
    assert run(cluster, script, CREDSSP)[1] == []
    assert not any(a.cluster_monitored for a in cluster.vm('APP01').adapters)


def test_admin_share_of_another_node_denied_is_not_a_missing_file(cluster):
    assert run(cluster, f"Test-Path '{UNC}'")[:2] == (['False'], [])
    assert run(cluster, f"Test-Path '{UNC}'", CREDSSP)[:2] == (['True'], [])
    assert run(cluster, "Test-Path '\\\\HV01\\C$\\Scripts\\hello.ps1'")[:2] == (['True'], [])
    _out, errors, _code = run(cluster, f"Get-Content -Path '{UNC}' -Raw")
    error = only_error(errors)
    assert error.fqid == 'GetContentReaderUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetContentCommand'
    assert error.category_text.startswith('PermissionDenied')
    assert error.message == f"Access to the path '{UNC}' is denied."


def test_writing_to_another_node_share_fails_and_writes_nothing(cluster):
    before = cluster.read_file(cluster.node('HV02'), 'C:\\Scripts\\hello.ps1')
    for script, fqid in ((f"Set-Content -Path '{UNC}' -Value 'x'", 'GetContentWriterUnauthorizedAccessError'),
                         ("New-Item -ItemType Directory -Path '\\\\HV02\\C$\\New' -Force",
                          'CreateDirectoryUnauthorizedAccessError')):
        _out, errors, code = run(cluster, script + ' -ErrorAction Stop')
        assert code == 1 and only_error(errors).fqid.startswith(fqid + ','), script
    assert cluster.read_file(cluster.node('HV02'), 'C:\\Scripts\\hello.ps1') == before
    assert cluster.node('HV02').dirs.isdisjoint({'c:\\new'})


def test_invoke_command_on_another_node_fails_to_connect(cluster):
    out, errors, _code = run(cluster, "Invoke-Command -ComputerName HV02 -ScriptBlock { $env:COMPUTERNAME }")
    error = only_error(errors)
    assert out == []
    assert error.message.startswith('[HV02] Connecting to remote server HV02 failed')
    assert error.fqid.startswith('-2146893810,PSSessionStateBroken')
    assert run(cluster, "Invoke-Command -ComputerName HV02 -ScriptBlock { $env:COMPUTERNAME }", CREDSSP)[:2] == \
        (['HV02'], [])


def test_move_vm_role_is_refused_in_a_remote_session_without_credssp(cluster):
    """Every move, even of a VM on the session's own node: the cmdlet needs CredSSP to run remotely at all."""
    out, errors, code = run(cluster, "Move-ClusterVirtualMachineRole -Name WEB01 -Node HV03 -Wait 0")
    error = only_error(errors)
    assert (out, code) == ([], 1)
    assert error.message.startswith("An error occurred while moving the clustered role 'WEB01'.")
    assert error.category_text.startswith('PermissionDenied')
    assert cluster.migrations.for_vm(cluster.vm('WEB01')) is None
    caught = run(cluster, "try { Move-ClusterVirtualMachineRole -Name APP01 -Node HV01 -ErrorAction Stop } "
                          "catch { 'caught' }")[0]
    assert caught == ['caught']


def test_move_vm_role_runs_with_credssp_and_locally(cluster):
    from tests.mocks.hyperv.host import LOCAL
    for logon, vm in ((CREDSSP, 'WEB01'), (LOCAL, 'APP01')):
        assert run(cluster, f"Move-ClusterVirtualMachineRole -Name {vm} -Node HV03 -Wait 0 | Out-Null", logon)[1] == []
        assert cluster.migrations.for_vm(cluster.vm(vm)) is not None


def test_unreachable_node_fails_even_with_credssp(cluster):
    cluster.faults['unreachable'] = {'hv02'}
    _out, errors, _code = run(cluster, "Get-CimInstance Win32_OperatingSystem -ComputerName HV02", CREDSSP)
    assert only_error(errors).category_text.startswith('ConnectionError')
    _out, errors, _code = run(cluster, "Get-WinEvent -ComputerName HV02 -LogName System", CREDSSP)
    assert only_error(errors).message == 'The RPC server is unavailable'
    assert run(cluster, f"Test-Path '{UNC}'", CREDSSP)[:2] == (['False'], [])
    assert run(cluster, "Get-CimInstance Win32_OperatingSystem -ComputerName HV03", CREDSSP)[1] == []


def test_unreachable_fault_through_the_control_api():
    from tests.mocks.hyperv.server import MockState
    state = MockState(SCENARIO)
    state.fault({'unreachable': ['hv02', 'HV03']})
    assert state.cluster.faults['unreachable'] == {'hv02', 'hv03'}
    state.fault({'reachable': 'HV03'})
    assert state.cluster.faults['unreachable'] == {'hv02'}


def test_work_the_cluster_runs_locally_is_not_a_second_hop(cluster):
    from tests.mocks.hyperv.host import LOCAL
    out, errors, _code = run(cluster, f"(Get-CimInstance Win32_OperatingSystem -ComputerName HV02).CSName; "
                                      f"Test-Path '{UNC}'", LOCAL)
    assert (out, errors) == (['HV02', 'True'], [])
