"""The WinRM endpoint's outage (control API), and downtime records for offline moves."""
from __future__ import annotations

import time

import pytest
import requests
from winrm.exceptions import WinRMTransportError

QUICK = "Move-ClusterVirtualMachineRole -Name {vm} -Node {node} -MigrationType {kind} | Out-Null"


def test_outage_503_then_up(small):
    assert small.ps_ok("'before'").strip() == 'before'
    assert small.control.api_down('503') == {'api_down': '503', 'seconds': None}
    with pytest.raises(WinRMTransportError) as err:
        small.ps("'during'")
    assert err.value.code == 503
    assert small.control.state()['api_down'] == '503'   # the control API keeps answering
    raw = requests.post(small.url, data=b'<x/>', timeout=5)  # HTTP.sys answers before auth
    assert raw.status_code == 503 and 'Service Unavailable' in raw.text
    small.control.api_up()
    assert small.control.state()['api_down'] is None
    assert small.ps_ok("'after'").strip() == 'after'


def test_outage_reset_closes_the_connection(small):
    small.control.api_down('reset')
    try:
        with pytest.raises(requests.exceptions.ConnectionError):
            small.ps("'during'")
        assert small.control.state()['api_down'] == 'reset'
    finally:
        small.control.api_up()
    assert small.ps_ok("'after'").strip() == 'after'


def test_outage_for_some_seconds_ends_by_itself(small):
    small.control.api_down('503', seconds=0.5)
    with pytest.raises(WinRMTransportError):
        small.ps("'during'")
    time.sleep(0.6)
    assert small.ps_ok("'after'").strip() == 'after'
    assert small.control.state()['api_down'] is None


def test_bad_outage_mode_is_refused_and_reset_clears_an_outage(small):
    with pytest.raises(Exception) as err:
        small.control.api_down('teapot')
    assert '400' in str(err.value)
    small.control.api_down('503')
    small.control.reset()
    assert small.ps_ok("'up again'").strip() == 'up again'


def test_quick_move_of_running_vm_is_downtime(small):
    before = small.control.state()['clock']['seconds']
    small.ps_ok(QUICK.format(vm='APP01', node='HV01', kind='Quick'))
    vm = small.control.vm('APP01')
    assert vm['owner'] == 'HV01' and vm['state'] == 'Online'
    (event,) = vm['downtime']
    assert event['kind'] == 'quick' and (event['source'], event['target']) == ('HV02', 'HV01')
    assert event['start'] == pytest.approx(before)
    assert event['seconds'] == pytest.approx(20 + 16384 / 2000.0)   # save, move, restore
    assert small.control.downtime() == {'events': 1, 'open': 0, 'seconds': pytest.approx(28.192),
                                        'by_kind': {'quick': 1}}


def test_quick_move_is_open_downtime_while_it_runs(small):
    small.ps_ok("Move-ClusterVirtualMachineRole -Name WEB02 -Node HV03 -MigrationType Shutdown -Wait 0 | Out-Null")
    (event,) = small.control.downtime('WEB02')
    assert event['kind'] == 'shutdown' and event['end'] is None
    assert small.control.downtime()['open'] == 1
    small.control.advance(61)
    (event,) = small.control.downtime('WEB02')
    assert event['seconds'] == pytest.approx(60.0)


def test_live_move_and_offline_vm_move_record_no_downtime(small):
    small.ps_ok(QUICK.format(vm='APP01', node='HV01', kind='Live'))
    small.ps_ok(QUICK.format(vm='OFF01', node='HV02', kind='Quick'))   # not running: nothing to lose
    assert small.control.vm('APP01')['owner'] == 'HV01'
    assert small.control.vm('OFF01')['owner'] == 'HV02'
    assert small.control.downtime() == {'events': 0, 'open': 0, 'seconds': 0.0, 'by_kind': {}}


def test_node_crash_is_failover_downtime(small):
    small.control.fault(node_down='HV03')
    assert small.control.downtime()['by_kind'] == {'failover': 2}   # APP02, BIG01
    small.control.advance(31)
    events = small.control.downtime('BIG01')
    assert events[0]['kind'] == 'failover' and events[0]['seconds'] == pytest.approx(30.0)
    assert events[0]['target'] == small.control.vm('BIG01')['owner']
