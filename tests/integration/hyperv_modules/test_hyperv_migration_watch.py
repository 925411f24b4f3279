# -*- coding: utf-8 -*-
"""Watching Hyper-V moves as the cluster reports them (small_3node: HV03 has 20480 MB free, SQL01 needs 24576):
a Failure state left by an earlier migration, a quick move the destination cannot start, a cancel with nothing
left to cancel, and a live migration whose copy stalls."""

import os
import time

import pytest
import winrm
import yaml

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import PlanRunner
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import PowerShellError, PowerShellRunner
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import HyperVCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.moves import HyperVMoveAdapter
from module_runner import run_module

SMALL = os.path.join(os.path.dirname(__file__), "..", "..", "mocks", "hyperv", "scenarios", "small_3node.yaml")
FAIL_SQL01 = "Move-ClusterVirtualMachineRole -Name SQL01 -Node HV03 -ErrorAction SilentlyContinue | Out-Null; 'tried'"


def flowing_small(mock, speed, **timing):
    """Reset the mock to small_3node with these timing keys, time flowing at `speed` while no script runs."""
    with open(SMALL) as handle:
        data = yaml.safe_load(handle)
    data.setdefault("timing", {}).update(timing)
    mock.control.reset(data)
    mock.control.set_idle_speed(speed)
    return mock


def adapter_for(mock):
    args = mock.args
    shell = PowerShellRunner(mock.url, lambda: winrm.Protocol(endpoint=mock.url, transport=args["transport"],
                                                              username=args["username"], password=args["password"]))
    cluster = HyperVCluster(shell)
    return HyperVMoveAdapter(cluster, cluster.gather())


def move_scripts(mock):
    return [c["script"] for c in mock.commands_sent() if "Move-ClusterVirtualMachineRole" in c["script"]]


def test_vm_whose_last_live_migration_failed_is_drained_live(small):
    """Right after -Wait 0 the resource still shows the earlier Failure (5): that is no failure of this move."""
    mock = flowing_small(small, 4.0, migration_state_lag_seconds=15)
    mock.ps(FAIL_SQL01)
    assert mock.control.vm("SQL01")["migration_state"] == 5
    result = run_module("hyperv_node_drain", dict(mock.args, node="HV01", poll_seconds=0.05))
    assert not result.get("failed"), result.get("msg")
    sql = [r for r in result["results"] if r["vm"] == "SQL01"][0]
    assert (sql["status"], sql["method"], sql["attempts"]) == ("moved", "live", [{"method": "live"}])
    vm = mock.control.vm("SQL01")
    assert (vm["owner"], vm["state"], vm["migration_state"], vm["downtime"]) == ("HV02", "Online", 0, [])
    assert not [s for s in move_scripts(mock) if '"type":"' in s and '"type":"Live"' not in s], \
        "no colder fallback was started while the live migration ran"
    assert mock.state()["migrations"]["finished"] == {"move:Failed": 1, "move:Succeeded": 2}


def test_quick_move_to_a_node_without_room_fails_at_once_back_on_its_source(small):
    mock = flowing_small(small, 100.0)
    # simulated time flows while no script runs: poll gently so a loaded machine does not starve it
    runner = PlanRunner(adapter_for(mock), {"SQL01": ["quick"]}, timeout=120, poll_seconds=0.3)
    began = time.monotonic()
    (result,) = runner.run([{"vm": "SQL01", "source": "HV01", "target": "HV03", "method": "quick",
                             "memory_mb": 24576}])
    assert time.monotonic() - began < 60, "reported when the role is back, not at the timeout"
    assert result.status() == "failed" and result.final_host == "HV01"
    assert result.error == ("Quick move of SQL01 to HV03 failed: HV03 did not start it, and the role is online "
                            "again on its source HV01"), result.error
    vm = mock.control.vm("SQL01")
    assert (vm["owner"], vm["state"]) == ("HV01", "Online")
    (event,) = vm["downtime"]
    assert event["kind"] == "quick" and event["end"] is not None and event["target"] == "HV01"


def test_cancel_with_nothing_in_flight_does_not_fail_the_drain(small):
    """A shutdown move past the timeout is aborted; -Cancel finds no live migration (an error, exit 1 on its own):
    the per-VM report stands instead of the drain stopping on the cancel's error."""
    mock = flowing_small(small, 20.0)
    adapter = adapter_for(mock)
    runner = PlanRunner(adapter, {"APP01": ["move"]}, timeout=1, poll_seconds=0.05)
    (result,) = runner.run([{"vm": "APP01", "source": "HV02", "target": "HV01", "method": "move",
                             "memory_mb": 16384}])
    assert result.status() == "failed" and result.error == "timed out after 1s; migration aborted", result.error
    cancels = [c for c in mock.commands_sent() if "-Cancel" in c["script"]]
    assert [c["exit_code"] for c in cancels] == [0]
    adapter.abort({"vm": "WEB02"})
    with pytest.raises(PowerShellError):
        adapter.abort({"vm": "NOSUCHVM"})


@pytest.mark.parametrize("on_stall", ["abort", "fail"])
def test_stalled_live_migration_is_caught_by_stall_detection(small, on_stall):
    mock = flowing_small(small, 20.0)
    mock.control.fault(stall_migrations={"SQL01": 70})
    result = run_module("hyperv_node_drain", dict(mock.args, node="HV01", poll_seconds=0.05, stall_seconds=1,
                                                  on_stall=on_stall))
    assert result["failed"] and "SQL01: no progress for 1s (70% copied)" in result["msg"], result["msg"]
    sql = [r for r in result["results"] if r["vm"] == "SQL01"][0]
    vm = mock.control.vm("SQL01")
    assert (vm["owner"], vm["state"], vm["downtime"]) == ("HV01", "Online", [])
    if on_stall == "abort":
        assert sql["error"] == "no progress for 1s (70% copied); aborted"
        assert vm["migration_state"] == 4
    else:
        assert sql["error"] == "no progress for 1s (70% copied)"
        assert vm["migration_state"] == 2, "left copying, as asked"
