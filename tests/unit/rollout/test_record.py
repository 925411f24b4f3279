# -*- coding: utf-8 -*-
"""The rollout record: written ahead, journals folded in, reconciled with the platform, resumed."""

import json
import os

from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.record import Record, merge_move


def journal(path, host, moves, finished=False):
    with open(path, "w") as handle:
        json.dump({"host": host, "pid": 1, "finished": finished, "moves": moves}, handle)


def entry(vm, source, target, state, **extra):
    return dict({"vm": vm, "source": source, "target": target, "method": "live", "wave": 1, "memory_mb": 1024,
                 "state": state, "attempts": [{"method": "live"}], "error": None, "downtime": False}, **extra)


def new(tmp_path, run_id="r1"):
    record, resumed = Record.open(str(tmp_path), run_id, "nova", "c1", False)
    return record, resumed


def test_a_step_is_out_of_service_from_its_start_until_done(tmp_path):
    record, resumed = new(tmp_path)
    assert not resumed
    record.step_start(["n1", "n2"], 1)
    assert record.taken_out() == ["n1", "n2"]
    record.step_done(["n1"])
    assert record.taken_out() == ["n2"] and record.done_hosts() == ["n1"]
    summary = record.write()
    assert summary["status"] == "running" and summary["hosts_updated"] == 1


def test_a_resumed_run_knows_what_it_took_out_and_its_pending_job(tmp_path):
    record = new(tmp_path)[0]
    record.step_start(["n1"], 1)
    record.job("n1", "/tmp/job", str(tmp_path / "n1.json"))
    record.write()
    again, resumed = new(tmp_path)
    assert resumed and again.taken_out() == ["n1"]
    assert again.pending_jobs() == {"n1": {"results_file": "/tmp/job", "progress_file": str(tmp_path / "n1.json")}}
    other, resumed = new(tmp_path, "r2")
    assert not resumed and other.taken_out() == []


def test_journals_are_folded_in_and_a_moved_vm_is_never_replaced(tmp_path):
    record = new(tmp_path)[0]
    record.step_start(["n1"], 1)
    path = str(tmp_path / "n1.json")
    record.job("n1", None, path)
    journal(path, "n1", [entry("a", "n1", "n2", "moved"), entry("b", "n1", "n3", "running")])
    record.fold_journals()
    statuses = dict((m["vm"], m["status"]) for m in record.step("n1")["moves"])
    assert statuses == {"a": "moved", "b": "in_flight"}
    journal(path, "n1", [entry("a", "n1", "n2", "failed"), entry("b", "n1", "n3", "moved")])
    record.fold_journals()
    statuses = dict((m["vm"], m["status"]) for m in record.step("n1")["moves"])
    assert statuses == {"a": "moved", "b": "moved"}


def test_close_reconciles_with_the_platform(tmp_path):
    record = new(tmp_path)[0]
    record.step_start(["n1"], 1)
    record.step_start(["n2"], 2)
    path = str(tmp_path / "n1.json")
    record.job("n1", None, path)
    journal(path, "n1", [entry("a", "n1", "n2", "running"), entry("b", "n1", "n3", "running"),
                         entry("c", "n1", "n3", "waiting")])
    record.fold_journals()
    record.step_failed(["n1"], "drain of n1 incomplete.")
    record.reconcile([{"name": "a", "host": "n2"}, {"name": "b", "host": "n1"}, {"name": "c", "host": "n1"}],
                     {"n1": "maintenance", "n2": "up", "n3": "up"})
    record.close("failed", "drain of n1 incomplete", "nova: compute service disabled")
    moves = dict((m["vm"], m) for m in record.step("n1")["moves"])
    assert moves["a"]["status"] == "moved" and moves["a"]["final_host"] == "n2"
    assert moves["b"]["status"] == "failed" and "in flight" in moves["b"]["error"]
    assert moves["c"]["status"] == "not_started"
    assert [item["host"] for item in record.doc["left_behind"]] == ["n1"]
    assert "re-run" in record.doc["left_behind"][0]["why"]
    assert record.doc["migrated_mb"] == 1024
    summary = record.write()
    assert summary["vms_moved"] == 1 and summary["left_behind"] == 1 and summary["status"] == "failed"
    assert os.path.exists(str(tmp_path / "rollout.html"))


def test_merge_move_appends_new_vms():
    moves = [{"vm": "a", "source": "n1", "status": "failed"}]
    merge_move(moves, {"vm": "b", "source": "n1", "status": "moved"})
    merge_move(moves, {"vm": "a", "source": "n1", "status": "moved"})
    assert [(m["vm"], m["status"]) for m in moves] == [("a", "moved"), ("b", "moved")]


def test_a_hold_survives_a_resume_and_is_left_behind_unless_restored(tmp_path):
    hold = {"where": "Cluster-P", "what": "DRS automation level of cluster Cluster-P left at partiallyAutomated",
            "why": "set it back to fullyAutomated", "drs": {"cluster": "Cluster-P", "before": "fullyAutomated"}}
    record = new(tmp_path)[0]
    record.set_holds({"drs:Cluster-P": hold})
    record.write()
    again = new(tmp_path)[0]
    assert again.doc["holds"] == {"drs:Cluster-P": hold}
    again.close("failed", "stopped", "nova: compute service disabled")
    assert again.doc["left_behind"] == [{"host": "Cluster-P", "what": hold["what"], "why": hold["why"]}]
    again.write()
    restored = new(tmp_path)[0]
    restored.set_holds({})
    restored.close("ok", None, "nova: compute service disabled")
    assert restored.doc["left_behind"] == []
