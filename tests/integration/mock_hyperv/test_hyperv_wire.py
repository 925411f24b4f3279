"""The WS-Management shell protocol as pywinrm 0.5 speaks it, against the mock."""
from __future__ import annotations

import base64

import pytest
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError


def _encoded(script: str) -> str:
    return 'powershell -encodedcommand ' + base64.b64encode(script.encode('utf-16-le')).decode('ascii')


def test_wrong_password_is_rejected_with_401(small):
    with pytest.raises(InvalidCredentialsError):
        small.session(password='wrong', transport='ntlm').run_ps('Get-ClusterNode')


def test_cluster_nodes_round_trip_as_json(small):
    nodes = small.ps_json('Get-ClusterNode | ConvertTo-Json -Compress')
    assert [n['Name'] for n in nodes] == ['HV01', 'HV02', 'HV03']
    assert nodes[0]['State'] == 0, 'Windows PowerShell 5.1 writes enums as numbers'
    named = small.ps_json('Get-ClusterNode | ForEach-Object { [pscustomobject]@{Name=$_.Name; '
                          'State=$_.State.ToString(); Drain=$_.DrainStatus.ToString()} } | ConvertTo-Json -Compress')
    assert named[0] == {'Name': 'HV01', 'State': 'Up', 'Drain': 'NotInitiated'}


def test_unknown_cmdlet_fails_with_powershell_error(small):
    result = small.ps('Get-Frobnicator -Name x')
    assert result.status_code != 0
    err = result.std_err.decode()
    assert "The term 'Get-Frobnicator' is not recognized as the name of a cmdlet" in err
    assert 'CommandNotFoundException' in err


def test_unknown_parameter_fails_with_binding_error(small):
    result = small.ps('Get-ClusterNode -Bogus 1')
    assert result.status_code != 0
    err = result.std_err.decode()
    assert "A parameter cannot be found that matches parameter name 'Bogus'." in err
    assert 'NamedParameterNotFound,Microsoft.FailoverClusters.PowerShell.GetClusterNodeCommand' in err


def test_command_line_over_cmd_limit_is_rejected(small):
    filler = '#' + 'x' * 2998
    assert small.ps(f'{filler}\n1').status_code == 0  # ~8.0 K characters on the command line
    result = small.ps('#' + 'x' * 3500 + '\n1')       # ~9.4 K: cmd.exe refuses it
    assert result.status_code == 1
    assert result.std_out == b''
    assert b'The command line is too long.' in result.std_err


@pytest.mark.parametrize('script', ['if ($x {', 'Select-Object Name, State', '$a = @(1,2'])
def test_unparsable_script_is_rejected_before_running(small, script):
    result = small.ps(f"Suspend-ClusterNode -Name HV02; {script}")
    assert result.status_code == 1
    assert 'ParserError' in result.std_err.decode()
    assert small.control.node('HV02')['state'] == 'Up', 'nothing of an unparsable script may run'


def test_stderr_is_clixml_with_error_lines(small):
    protocol = small.session().protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, _encoded("Write-Error 'boom'"))
    out, err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert err.startswith(b'#< CLIXML\r\n')
    assert b'<S S="Error">Write-Error : boom_x000D__x000A_</S>' in err
    assert code == 1


def test_signal_and_delete_reply_relate_to_request(small):
    protocol = small.protocol()
    shell = protocol.open_shell()
    command = protocol.run_command(shell, _encoded('(Get-ClusterNode).Count'))
    out, err, code = protocol.get_command_output(shell, command)
    assert (out, code) == (b'3\r\n', 0)
    protocol.cleanup_command(shell, command)   # asserts RelatesTo == MessageID
    protocol.close_shell(shell)                # same for Delete
    with pytest.raises(WSManFaultError) as fault:
        protocol.run_command(shell, _encoded('1'))
    assert 'the shell was not found on the server' in fault.value.reason
    assert fault.value.wsman_fault_code == 2150858843


def test_receive_times_out_then_signal_stops_the_command(small):
    protocol = small.protocol(operation_timeout_sec=1, read_timeout_sec=5)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, _encoded('while ($true) { }'))
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert small.ps_ok('1') == '1\r\n'
