# -*- coding: utf-8 -*-
"""rollout_report through Ansible's module protocol: files written once, check mode, clear errors."""

import json
import os

from module_runner import run_module

RECORD = {
    "run_id": "it-1", "platform": "nova", "cluster": "demo", "status": "ok",
    "started": "2024-06-11T09:00:00Z", "finished": "2024-06-11T09:10:00Z", "rolling_order": ["n1", "n2"],
    "steps": [
        {"host": "n1", "status": "done", "times": {"drain_start": 0, "drain_end": 60, "update_start": 61,
                                                   "update_end": 200, "back": 240},
         "moves": [{"vm": "<script>x</script>", "source": "n1", "target": "n2", "method": "live", "wave": 1,
                    "status": "moved", "duration_seconds": 55, "memory_mb": 2048, "attempts": [{"method": "live"}]}]},
        {"host": "n2", "status": "done", "times": {"drain_start": 300, "drain_end": 350, "update_start": 351,
                                                   "update_end": 500, "back": 560},
         "moves": [{"vm": "<script>x</script>", "source": "n2", "target": "n1", "method": "live", "wave": 1,
                    "status": "moved", "duration_seconds": 45, "memory_mb": 2048}]},
    ],
    "utilization": [{"label": "start", "t": 0, "hosts": {"n1": 40, "n2": 35}},
                    {"label": "n1 drained", "t": 60, "hosts": {"n1": 0, "n2": 75}},
                    {"label": "end", "t": 600, "hosts": {"n1": 40, "n2": 35}}],
    "restored": [{"host": "n1", "what": "nova-compute enabled"}, {"host": "n2", "what": "nova-compute enabled"}],
    "left_behind": [], "floor_mb": 2048, "migrated_mb": None,
}


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def test_writes_both_files_then_is_idempotent(tmp_path):
    target = str(tmp_path / "reports" / "nested")
    result = run_module("rollout_report", {"path": target, "name": "run1", "data": RECORD})
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["json_path"] == os.path.join(target, "run1.json")
    assert result["html_path"] == os.path.join(target, "run1.html")
    summary = result["summary"]
    assert summary["hosts_updated"] == 2 and summary["vms_moved"] == 2 and summary["failed_migrations"] == 0
    assert summary["migrated_mb"] == 4096 and summary["floor_mb"] == 2048 and summary["duration_seconds"] == 600
    document = json.loads(read(result["json_path"]))
    assert document["summary"] == summary and document["steps"][0]["host"] == "n1"
    page = read(result["html_path"]).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page and "&lt;script&gt;x" in page
    assert page.count('<polyline class="util"') == 2
    assert sorted(os.listdir(target)) == ["run1.html", "run1.json"]  # no temporary file left

    stamp = os.stat(result["html_path"]).st_mtime_ns
    again = run_module("rollout_report", {"path": target, "name": "run1", "data": RECORD})
    assert not again.get("failed") and again["changed"] is False and again["summary"] == summary
    assert os.stat(result["html_path"]).st_mtime_ns == stamp

    changed = dict(RECORD, status="failed")
    third = run_module("rollout_report", {"path": target, "name": "run1", "data": changed})
    assert third["changed"] is True and json.loads(read(result["json_path"]))["status"] == "failed"


def test_check_mode_writes_nothing_and_says_whether_it_would_change(tmp_path):
    target = str(tmp_path / "out")
    result = run_module("rollout_report", {"path": target, "data": RECORD}, check_mode=True)
    assert not result.get("failed") and result["changed"] is True
    assert result["html_path"] == os.path.join(target, "rollout.html")
    assert not os.path.exists(target)
    run_module("rollout_report", {"path": target, "data": RECORD})
    before = dict((n, read(os.path.join(target, n))) for n in os.listdir(target))
    assert sorted(before) == ["rollout.html", "rollout.json"]
    assert run_module("rollout_report", {"path": target, "data": RECORD}, check_mode=True)["changed"] is False
    result = run_module("rollout_report", {"path": target, "data": dict(RECORD, run_id="it-2")}, check_mode=True)
    assert result["changed"] is True
    assert dict((n, read(os.path.join(target, n))) for n in os.listdir(target)) == before


def test_bad_data_gives_one_clear_error(tmp_path):
    target = str(tmp_path / "bad")
    steps = [dict(RECORD["steps"][0], moves=[{"source": "n1", "target": "n2"}])]
    result = run_module("rollout_report", {"path": target, "data": dict(RECORD, steps=steps)})
    assert result["failed"]
    assert result["msg"] == "data is not a valid rollout record: data.steps[0] (host n1).moves[0]: 'vm' is required"
    result = run_module("rollout_report", {"path": target, "data": dict(RECORD, steps="n1,n2")})
    assert result["failed"] and "data.steps: must be a list, got str" in result["msg"]
    assert not os.path.exists(target)


def test_bad_name_or_path(tmp_path):
    result = run_module("rollout_report", {"path": str(tmp_path), "name": "../escape", "data": RECORD})
    assert result["failed"] and "name must be a plain file name" in result["msg"]
    plain = tmp_path / "file"
    plain.write_text("x")
    result = run_module("rollout_report", {"path": str(plain), "data": RECORD})
    assert result["failed"] and "is not a directory" in result["msg"]
    result = run_module("rollout_report", {"path": str(tmp_path)})
    assert result["failed"] and "missing required arguments: data" in result["msg"]
