"""A fully automated DRS held for the whole rollout (issue 12 §4): partially automated during every host's update,
restored at the end, and reported as left behind when someone changed it meanwhile; playbooks/rolling_update's
role against vcsimx's production cluster."""

import json
import os

from module_runner import run_playbook
from test_vsphere_production import no_blockers

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "drs_rollout.yml")


def drs_level(vs):
    from pyVmomi import vim
    return vs.find(vim.ClusterComputeResource, "Cluster-P").configurationEx.drsConfig.defaultVmBehavior


def rollout(vs, tmp_path, **extra):
    record = tmp_path / "drs.txt"
    extra_vars = dict(vsphere_connection=vs.args, state_dir=str(tmp_path / "state"), drs_record=str(record),
                      mock_url=vs.mock.url.rsplit("/sdk", 1)[0], **extra)
    proc = run_playbook(PLAYBOOK, extra_vars, timeout=600)
    with open(tmp_path / "state" / "localhost" / "drs" / "rollout.json") as handle:
        report = json.load(handle)
    seen = dict(line.split() for line in record.read_text().splitlines()) if record.exists() else {}
    return proc, report, seen


def test_rollout_hold_sets_partially_automated_once_and_release_restores(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "drs_hold_rollout_ops.yml")
    proc = run_playbook(playbook, {"vsphere_connection": vs.args})
    assert proc.returncode == 0 and "failed=0" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert drs_level(vs) == "fullyAutomated"


def test_drs_changed_by_someone_during_the_rollout_is_left_behind(start_vsphere, tmp_path):
    """esx-01 and esx-02 are updated with DRS partially automated; during esx-02's update someone sets it to manual:
    the run leaves manual as it is and the report lists the DRS level as left behind, and the vCLS agent VMs as
    left to the platform."""
    vs = start_vsphere("production", no_blockers)
    proc, report, seen = rollout(vs, tmp_path, drs_set_on="esx-02", drs_set_to="manual",
                                 rolling_order=["esx-01", "esx-02"])
    assert proc.returncode == 0 and "failed=0" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert seen == {"esx-01": "partiallyAutomated", "esx-02": "partiallyAutomated"}, seen
    assert drs_level(vs) == "manual", "the run overwrote a level someone else set"
    left = [item for item in report["left_behind"] if "DRS" in item["what"]]
    assert len(left) == 1 and left[0]["host"] == "Cluster-P", report["left_behind"]
    assert report["status"] == "ok"
    vcls = [item for item in report["left_to_platform"] if item["what"].startswith("vCLS agent VMs vCLS-")]
    assert len(vcls) == 1 and "not planned" in vcls[0]["how"], report["left_to_platform"]
    with open(tmp_path / "state" / "localhost" / "drs" / "rollout.html") as handle:
        assert "Left to the platform" in handle.read()


def test_failback_brings_vms_home_through_the_platform_role(start_vsphere, tmp_path):
    """With rolling_update_failback, each updated host gets back the VMs its drain moved, where they fit (the
    platform role's failback entry point, vmfleet.maintenance.host_drain in failback mode)."""
    vs = start_vsphere("production", no_blockers)
    before = vs.placement()
    proc, report = rollout(vs, tmp_path, rolling_order=["esx-01"], rolling_update_failback=True)[:2]
    assert proc.returncode == 0 and "failed=0" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert report["status"] == "ok"
    home_of_first = sorted(vm for vm, where in before.items() if where[0] == "esx-01" and not vm.startswith("vCLS"))
    first = [step for step in report["steps"] if step["host"] == "esx-01"][0]
    assert sorted(move["vm"] for move in first["failback"]) == home_of_first, first["failback"]
    assert all(move["status"] == "moved" and move["target"] == "esx-01" and not move["downtime"]
               for move in first["failback"]), first["failback"]
    after = vs.placement()
    assert all(after[vm][0] == "esx-01" for vm in home_of_first), after
