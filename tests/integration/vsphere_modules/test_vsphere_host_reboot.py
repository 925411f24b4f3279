"""vsphere_host_reboot against vcsimx: RebootHost_Task, the host down and back with a newer boot time; refused
outside maintenance mode and in check mode nothing happens (read through pyvmomi and the mock's own state).
And the platform role's default update of one ESXi host: esxcli with a depot (a stand-in on PATH), then the reboot."""

import datetime
import os
import time

import pytest
from module_runner import ROOT, run_module, run_playbook

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.reboot import RebootWatch, wait_until_back

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "esxi_default_update.yml")
STANDINS = os.path.join(ROOT, "tests", "faults", "standins")   # esxcli


def quick_reboots(scenario):
    """basic.json: esx-02 (only a powered-off VM) starts in maintenance mode; reboots keep a host down 1 s."""
    scenario["reboot"] = {"down_seconds": 1, "shutdown_seconds": 0.3}
    scenario["clusters"][0]["hosts"][1]["in_maintenance"] = True


@pytest.fixture
def basic(start_vsphere):
    return start_vsphere("basic.json", quick_reboots)


def mock_host(vs, name):
    return [h for h in vs.mock.state()["hosts"] if h["name"] == name][0]


def test_reboot_in_maintenance_mode_goes_down_and_comes_back_with_a_newer_boot_time(basic):
    boot_before = basic.host("esx-02").runtime.bootTime
    result = run_module("vsphere_host_reboot", dict(basic.args, host="esx-02", poll_seconds=0.1, timeout=60))
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["rebooted"]
    assert result["states"] == ["connected", "notResponding", "connected"]
    runtime = basic.host("esx-02").runtime
    assert runtime.bootTime > boot_before
    assert result["boot_time_before"] == boot_before.isoformat() and result["boot_time_after"] == runtime.bootTime.isoformat()
    assert str(runtime.connectionState) == "connected" and runtime.inMaintenanceMode and result["in_maintenance_mode"]
    state = mock_host(basic, "esx-02")
    assert state["reboots"] == 1 and state["in_maintenance"]
    assert mock_host(basic, "esx-01")["reboots"] == 0
    assert [t["name"] for t in basic.mock.state()["tasks"]] == ["RebootHost_Task"]


def test_reboot_refused_outside_maintenance_mode_changes_nothing(basic):
    boot_before = basic.host("esx-01").runtime.bootTime
    placement = basic.placement()
    result = run_module("vsphere_host_reboot", dict(basic.args, host="esx-01", poll_seconds=0.1, timeout=60))
    assert result.get("failed")
    assert "esx-01 is not in maintenance mode" in result["msg"] and "force=true" in result["msg"], result["msg"]
    assert not result["changed"] and not result["rebooted"]
    assert basic.host("esx-01").runtime.bootTime == boot_before
    assert basic.placement() == placement   # vm-01 and vm-02 still running on esx-01
    assert mock_host(basic, "esx-01")["reboots"] == 0 and basic.mock.state()["tasks"] == []


def test_check_mode_reports_the_reboot_and_does_nothing(basic):
    boot_before = basic.host("esx-02").runtime.bootTime
    result = run_module("vsphere_host_reboot", dict(basic.args, host="esx-02", poll_seconds=0.1), check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and not result["rebooted"] and result["boot_time_after"] is None
    time.sleep(0.5)   # a reboot would have taken the host down by now
    assert basic.host("esx-02").runtime.bootTime == boot_before
    assert mock_host(basic, "esx-02")["reboots"] == 0 and basic.mock.state()["tasks"] == []
    refused = run_module("vsphere_host_reboot", dict(basic.args, host="esx-01"), check_mode=True)
    assert refused.get("failed") and "not in maintenance mode" in refused["msg"]


def test_mock_refuses_an_unforced_reboot_outside_maintenance_mode(basic):
    """vCenter's own refusal, as the mock gives it to a caller that does not check first."""
    task = basic.host("esx-01").RebootHost_Task(force=False)
    while task.info.state in ("queued", "running"):
        time.sleep(0.05)
    assert task.info.state == "error" and type(task.info.error).__name__.endswith("InvalidState")
    assert mock_host(basic, "esx-01")["reboots"] == 0


def test_watch_needs_a_newer_boot_time_not_just_connected():
    """Right after the task the host may still show connected with its old boot time: that is not back."""
    old = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    new = old + datetime.timedelta(days=3)
    reads = iter([("connected", old), ("connected", old), ("notResponding", old), ("connected", new)])
    ticks = iter(range(100))

    def read():
        state, boot = next(reads)
        return {"connection_state": state, "boot_time": boot, "in_maintenance_mode": True}

    watch = RebootWatch(old)
    back = wait_until_back("esx-9", read, watch, 50, 0, clock=lambda: next(ticks), sleep=lambda s: None)
    assert back["boot_time"] == new and watch.states == ["connected", "notResponding", "connected"]

    stuck = RebootWatch(old)
    with pytest.raises(VsphereError, match="esx-9 did not come back from its reboot within 3 s.*notResponding"):
        wait_until_back("esx-9", lambda: {"connection_state": "notResponding", "boot_time": old,
                                          "in_maintenance_mode": True},
                        stuck, 3, 0, clock=lambda: next(ticks), sleep=lambda s: None)


def update_one(vs, monkeypatch, record, **knobs):
    """The platform role's default update of esx-02 (in maintenance mode) with a stand-in esxcli first on PATH."""
    monkeypatch.setenv("PATH", STANDINS + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("ESXCLI_RECORD", record)
    proc = run_playbook(PLAYBOOK, dict(knobs, vsphere_connection=vs.args, host="esx-02"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    with open(record) as handle:
        return handle.read().splitlines(), proc.stdout


def test_default_update_applies_the_depot_then_reboots_when_esxcli_says_so(basic, tmp_path, monkeypatch):
    depot = "/vmfs/volumes/shared-ds/VMware-ESXi-8.0U3b-depot.zip"
    calls, output = update_one(basic, monkeypatch, str(tmp_path / "esxcli.txt"), platform_update_esxi_depot=depot,
                               platform_update_esxi_profile="ESXi-8.0U3b-standard")
    assert calls == ["profile update -d %s -p ESXi-8.0U3b-standard" % depot]
    assert mock_host(basic, "esx-02")["reboots"] == 1
    assert "esx-02: image profile ESXi-8.0U3b-standard applied from %s; rebooted in" % depot in output

    # a profile that needs no reboot: when_needed leaves the host as it is
    calls, output = update_one(basic, monkeypatch, str(tmp_path / "esxcli-2.txt"), platform_update_esxi_depot=depot,
                               platform_update_esxi_profile="ESXi-8.0U3b-no-reboot")
    assert calls == ["profile update -d %s -p ESXi-8.0U3b-no-reboot" % depot]
    assert mock_host(basic, "esx-02")["reboots"] == 1 and "not rebooted (platform_update_reboot when_needed)" in output


def test_default_update_without_depot_is_a_reboot_unless_never(basic, tmp_path, monkeypatch):
    record = str(tmp_path / "esxcli.txt")
    open(record, "w").close()
    calls = update_one(basic, monkeypatch, record, platform_update_reboot="never")[0]
    assert calls == [] and mock_host(basic, "esx-02")["reboots"] == 0 and basic.mock.state()["tasks"] == []
    calls, output = update_one(basic, monkeypatch, record)
    assert calls == [] and mock_host(basic, "esx-02")["reboots"] == 1
    assert "esx-02: rebooted in" in output
