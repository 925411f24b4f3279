# -*- coding: utf-8 -*-
"""The Hyper-V modules on a cluster whose nodes answer in Japanese (locale ja-JP in the mock): nothing they
decide may hang on English text — not "no events", not the 21502 failback failure they report."""

import os

import yaml

from module_runner import run_module

SCENARIOS = os.path.join(os.path.dirname(__file__), "..", "..", "mocks", "hyperv", "scenarios")
FAST = {"poll_seconds": 0.05}


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def japanese(mock, name, idle_speed=0.0):
    with open(os.path.join(SCENARIOS, name)) as handle:
        data = yaml.safe_load(handle)
    data["locale"] = "ja-JP"
    mock.control.reset(data)
    mock.control.set_idle_speed(idle_speed)
    return mock


def test_failback_failures_logged_in_japanese_are_read_like_english_ones(seed):
    mock = japanese(seed, "seed_tight_10node.yaml")
    quiet = ok(run_module("hyperv_migration_events", dict(mock.args, since="2024-05-14T02:00:00")))
    assert quiet["events"] == [], "Get-WinEvent's Japanese 'no events' error is no error"
    failed = run_module("cau_run", mock.args)  # the role as the GUI leaves it: Immediate failback
    assert failed["failed"] and failed["report"]["status"] == "Failed"
    run = mock.control.last_cau_run()
    assert run["events_21502"] > 0
    events = ok(run_module("hyperv_migration_events", dict(mock.args, since="2024-05-14T02:00:00")))["events"]
    memory = dict((v["name"], v["memory_mb"]) for v in mock.state()["vms"])
    assert len(events) == run["events_21502"]
    for event in events:
        assert u"\u30e9\u30a4\u30d6 \u30de\u30a4\u30b0\u30ec\u30fc\u30b7\u30e7\u30f3" in event["message"]  # Japanese
        assert event["target"] == "HV01" and event["reason"] == "insufficient_memory"
        assert event["memory_mb"] == memory[event["vm"]]


def test_drain_and_failback_on_a_japanese_ui_cluster(flowing):
    mock = japanese(flowing("small_3node.yaml", 100.0), "small_3node.yaml", 100.0)
    info = ok(run_module("hyperv_cluster_info", mock.args))
    assert all(h["memory_mb"] > 1024 for h in info["hosts"])
    args = dict(mock.args, node="HV03", **FAST)
    before = mock.owners()
    drained = ok(run_module("hyperv_node_drain", args))
    assert drained["changed"] and all(r["status"] == "moved" for r in drained["results"])
    assert mock.control.node("HV03")["vm_count"] == 0
    back = ok(run_module("hyperv_node_drain", dict(args, state="resumed", failback="planned",
                                                   home_vms=drained["home_vms"])))
    assert back["changed"] and mock.owners() == before
