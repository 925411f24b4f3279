"""The PowerShell subset and its Windows PowerShell 5.1 behaviours, through WinRM."""
from __future__ import annotations

import json


def test_compact_parameter_passing_pattern(small):
    script = ("$p = '{\"nodes\":[\"HV02\",\"HV03\"],\"depth\":3}' | ConvertFrom-Json; "
              "$r = @(); foreach ($n in (Get-ClusterNode -Name $p.nodes)) { "
              "$vms = @(Get-ClusterGroup | Where-Object { $_.GroupType -eq 'VirtualMachine' -and "
              "$_.OwnerNode.Name -eq $n.Name }); "
              "$r += [pscustomobject]@{Name=$n.Name; Vms=@($vms.Name); Count=$vms.Count} }; "
              "ConvertTo-Json -InputObject $r -Compress -Depth $p.depth")
    assert small.ps_json(script) == [{'Name': 'HV02', 'Vms': ['WEB02', 'APP01'], 'Count': 2},
                                     {'Name': 'HV03', 'Vms': ['APP02', 'BIG01'], 'Count': 2}]


def test_convertto_json_51_quirks(small):
    single = small.ps_json("Get-ClusterNode -Name HV01 | Select-Object 'Name' | ConvertTo-Json -Compress")
    assert single == {'Name': 'HV01'}, 'one pipeline item is not wrapped in an array'
    forced = small.ps_json("ConvertTo-Json -InputObject @(Get-ClusterNode -Name HV01 | Select-Object 'Name') "
                           "-Compress")
    assert forced == [{'Name': 'HV01'}]
    raw = small.ps_ok("@{When=[datetime]'2024-05-14T02:00:00'; Tag=\"a<b & 'c'\"} | ConvertTo-Json -Compress")
    assert '"\\/Date(1715652000000)\\/"' in raw
    assert '\\u003c' in raw and '\\u0026' in raw and '\\u0027' in raw
    deep = small.ps_json("@{a=@{b=@{c=@{d=1}}}} | ConvertTo-Json -Compress")
    assert deep == {'a': {'b': {'c': 'System.Collections.Hashtable'}}}, 'default -Depth 2'
    group = small.ps_json("Get-ClusterGroup -Name WEB01 | ConvertTo-Json -Compress -Depth 1")
    assert group['State'] == 0 and group['GroupType'] == 111
    assert group['OwnerNode']['Name'] == 'HV01' and group['OwnerNode']['Cluster'] == 'HVCLU02'
    flat = small.ps_json("Get-ClusterGroup -Name WEB01 | ConvertTo-Json -Compress -Depth 0")
    assert flat['OwnerNode'] == 'HV01', 'beyond -Depth an object becomes its ToString()'


def test_control_flow_and_operators(small):
    script = ("$out = @(); for ($i = 0; $i -lt 5; $i++) { if ($i % 2 -eq 0) { continue }; $out += $i }; "
              "$h = @{}; $h['x'] = 'A' + 1; $h.y = ('a,b' -split ',') -join '|'; "
              "$n = 0; do { $n++ } while ($n -lt 3); "
              "$s = switch ($n) { default { 'n' } }; "
              "[pscustomobject]@{Odd=$out; X=$h.x; Y=$h.y; N=$n; Like=('HV01' -like 'hv*'); "
              "Match=('VM-042' -match '(\\d+)'); Num=$Matches[1]; Fmt=('{0:N1}' -f 2.25)} | ConvertTo-Json -Compress")
    result = small.ps(script)
    # `switch` is outside the subset: the mock says so instead of guessing
    assert result.status_code == 1 and 'not supported by this mock' in result.std_err.decode()
    data = json.loads(small.ps_ok(script.replace("$s = switch ($n) { default { 'n' } }; ", '')))
    assert data == {'Odd': [1, 3], 'X': 'A1', 'Y': 'a|b', 'N': 3, 'Like': True, 'Match': True, 'Num': '042',
                    'Fmt': '2.3'}


def test_exit_codes_follow_the_last_statement(small):
    assert small.ps("Get-ClusterNode -Name NOPE; 'later'").status_code == 0
    assert small.ps("'first'; Get-ClusterNode -Name NOPE").status_code == 1
    assert small.ps("exit 7").status_code == 7
    result = small.ps("throw 'stop here'; 'never'")
    assert result.status_code == 1 and result.std_out == b''
    assert 'stop here' in result.std_err.decode()


def test_set_cau_role_needs_force_when_non_interactive(small):
    small.ps_ok('Add-CauClusterRole -Force')
    result = small.ps('Set-CauClusterRole -FailbackMode NoFailback')
    assert result.status_code == 1
    assert 'NonInteractive mode' in result.std_err.decode()
