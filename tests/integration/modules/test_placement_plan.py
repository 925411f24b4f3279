# -*- coding: utf-8 -*-
"""placement_plan through Ansible's module protocol: arguments in, JSON out, errors as one message."""

import os

import pytest

from module_runner import run_module, run_playbook

HOSTS = [{"name": "n%d" % i, "memory_mb": 65536, "reserved_memory_mb": 4096} for i in range(1, 5)]
VMS = [{"name": "n%d-vm%d" % (i, j), "host": "n%d" % i, "memory_mb": 8192} for i in range(1, 5) for j in range(5)]


def test_drain_plan_returns_moves_and_never_changes():
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": VMS, "evacuate": ["n1"]})
    assert not result.get("failed") and result["changed"] is False
    plan = result["plan"]
    assert plan["status"] == "ok" and plan["feasible"]
    assert sorted(m["vm"] for m in plan["moves"]) == ["n1-vm%d" % j for j in range(5)]
    assert all(m["target"] != "n1" and m["method"] == "live" for m in plan["moves"])
    assert plan["hosts_after"]["n1"]["memory_used_mb"] == 0


def test_check_mode_gives_the_same_plan():
    args = {"hosts": HOSTS, "vms": VMS, "evacuate": ["n2"]}
    assert run_module("placement_plan", args, check_mode=True)["plan"] == run_module("placement_plan", args)["plan"]


def test_whole_rollout_plan():
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": VMS, "rolling_order": ["n1", "n2", "n3", "n4"]})
    rollout = result["plan"]["rollout"]
    assert rollout["feasible"] and rollout["steps_checked"] == 4
    assert sorted(set(m["step"] for m in result["plan"]["moves"])) == [1, 2, 3, 4]


def test_infeasible_drain_fails_with_reasons_unless_allow_partial():
    vms = VMS + [{"name": "huge", "host": "n1", "memory_mb": 60000}]
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": vms, "evacuate": ["n1"]})
    assert result["failed"]
    assert "the drain of n1 is infeasible: huge (insufficient_memory)" in result["msg"]
    assert result["plan"]["unplaced"][0]["reasons"][0]["code"] == "insufficient_memory"
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": vms, "evacuate": ["n1"], "allow_partial": True})
    assert not result.get("failed") and result["plan"]["status"] == "error"


def test_infeasible_rollout_names_the_step():
    hosts = [{"name": "a", "memory_mb": 1000}, {"name": "b", "memory_mb": 1000}]
    vms = [{"name": "x", "host": "a", "memory_mb": 600}, {"name": "y", "host": "b", "memory_mb": 600}]
    result = run_module("placement_plan", {"hosts": hosts, "vms": vms, "rolling_order": ["a", "b"]})
    assert result["failed"] and result["msg"].startswith("step 1 cannot drain a: x (insufficient_memory)")


@pytest.mark.parametrize("args, message", [
    ({"evacuate": ["n9"]}, "evacuate names unknown host(s): n9"),
    ({"vms": [{"name": "v", "host": "ghost", "memory_mb": 1}]}, "vm 'v' runs on host 'ghost', which is not in hosts"),
    ({"vms": [{"name": "v", "host": "n1", "memory_mb": -1}]}, "vm 'v': 'memory_mb' must be >= 0"),
    ({"vms": [{"name": "v", "host": "n1", "memory_mb": 1, "methods": ["warp"]}]}, "value of methods must be one or more of"),
    ({"mode": "sideways"}, "value of mode must be one of: drain, failback"),
])
def test_bad_input_gives_one_clear_error(args, message):
    base = {"hosts": HOSTS, "vms": VMS, "evacuate": ["n1"]}
    base.update(args)
    result = run_module("placement_plan", base)
    assert result["failed"] and message in result["msg"]
    assert "plan" not in result or not result["plan"]["moves"]


def test_through_ansible_playbook():
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "placement_plan.yml")
    proc = run_playbook(playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout
