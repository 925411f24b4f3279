# -*- coding: utf-8 -*-
"""placement_plan through Ansible's module protocol: arguments in, JSON out, errors as one message."""

import os

import pytest

from module_runner import run_module, run_playbook

HOSTS = [{"name": "n%d" % i, "memory_mb": 65536, "reserved_memory_mb": 4096} for i in range(1, 5)]
VMS = [{"name": "n%d-vm%d" % (i, j), "host": "n%d" % i, "memory_mb": 8192} for i in range(1, 5) for j in range(5)]


def test_drain_plan_returns_moves_and_never_changes():
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": VMS, "drain_hosts": ["n1"]})
    assert not result.get("failed") and result["changed"] is False
    plan = result["plan"]
    assert plan["status"] == "ok" and plan["feasible"]
    assert sorted(m["vm"] for m in plan["moves"]) == ["n1-vm%d" % j for j in range(5)]
    assert all(m["target"] != "n1" and m["method"] == "live" for m in plan["moves"])
    assert plan["hosts_after"]["n1"]["memory_used_mb"] == 0


def test_the_old_option_name_evacuate_still_drains_with_a_deprecation():
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": VMS, "evacuate": ["n1"]})
    assert not result.get("failed") and result["plan"]["drain_hosts"] == ["n1"]
    assert any("evacuate" in str(d) and d["version"] == "1.0.0" for d in result["deprecations"])


def test_check_mode_gives_the_same_plan():
    args = {"hosts": HOSTS, "vms": VMS, "drain_hosts": ["n2"]}
    assert run_module("placement_plan", args, check_mode=True)["plan"] == run_module("placement_plan", args)["plan"]


def test_whole_rollout_plan():
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": VMS, "rolling_order": ["n1", "n2", "n3", "n4"]})
    rollout = result["plan"]["rollout"]
    assert rollout["feasible"] and rollout["steps_checked"] == 4
    assert sorted(set(m["step"] for m in result["plan"]["moves"])) == [1, 2, 3, 4]


def test_infeasible_drain_fails_with_reasons_unless_allow_partial():
    vms = VMS + [{"name": "huge", "host": "n1", "memory_mb": 60000}]
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": vms, "drain_hosts": ["n1"]})
    assert result["failed"]
    assert "the drain of n1 is infeasible: huge (insufficient_memory)" in result["msg"]
    assert result["plan"]["unplaced"][0]["reasons"][0]["code"] == "insufficient_memory"
    result = run_module("placement_plan", {"hosts": HOSTS, "vms": vms, "drain_hosts": ["n1"], "allow_partial": True})
    assert not result.get("failed") and result["plan"]["status"] == "error"


def test_infeasible_rollout_names_the_step():
    hosts = [{"name": "a", "memory_mb": 1000}, {"name": "b", "memory_mb": 1000}]
    vms = [{"name": "x", "host": "a", "memory_mb": 600}, {"name": "y", "host": "b", "memory_mb": 600}]
    result = run_module("placement_plan", {"hosts": hosts, "vms": vms, "rolling_order": ["a", "b"]})
    assert result["failed"] and result["msg"].startswith("step 1 cannot drain a: x (insufficient_memory)")


def test_rollout_two_hosts_at_a_time():
    light = [v for v in VMS if v["name"][-1] in "01"]
    args = {"hosts": HOSTS, "vms": light, "rolling_order": ["n1", "n2", "n3", "n4"], "max_hosts_down": 2}
    plan = run_module("placement_plan", args)["plan"]
    assert plan["max_hosts_down"] == 2 and plan["rollout"]["feasible"]
    assert [(s["step"], s["hosts"], s["host"]) for s in plan["rollout"]["steps"]] == [
        (1, ["n1", "n2"], "n1, n2"), (2, ["n3", "n4"], "n3, n4")]
    group = {1: ("n1", "n2"), 2: ("n3", "n4")}
    assert all(m["target"] not in group[m["step"]] for m in plan["moves"])


def test_infeasible_group_step_names_its_hosts():
    hosts = [{"name": n, "memory_mb": 1000} for n in ("a", "b", "c")]
    vms = [{"name": n + "-vm", "host": n, "memory_mb": 400} for n in ("a", "b", "c")]
    result = run_module("placement_plan", {"hosts": hosts, "vms": vms, "rolling_order": ["a", "b", "c"],
                                           "max_hosts_down": 2})
    assert result["failed"] and result["msg"].startswith("step 1 cannot drain a, b: ")
    assert result["plan"]["rollout"]["first_failure"]["hosts"] == ["a", "b"]


def test_no_downtime_unless_allowed_for_the_vm():
    hosts = HOSTS[:2]
    vms = [{"name": "web", "host": "n1", "memory_mb": 1024, "methods": ["live", "move", "failover"]},
           {"name": "gpu", "host": "n1", "memory_mb": 1024, "methods": ["move", "failover"]},
           {"name": "agent", "host": "n1", "memory_mb": 1024, "methods": ["move"], "allow_downtime": True},
           {"name": "batch", "host": "n1", "memory_mb": 1024, "methods": ["quick"]}]
    args = {"hosts": hosts, "vms": vms, "drain_hosts": ["n1"], "allow_downtime": False,
            "allow_downtime_vms": ["batch"], "allow_partial": True}
    plan = run_module("placement_plan", args)["plan"]
    moves = dict((m["vm"], (m["method"], m["downtime"])) for m in plan["moves"])
    assert moves == {"web": ("live", False), "agent": ("move", True), "batch": ("quick", True)}
    assert plan["unplaced"][0]["vm"] == "gpu"
    assert plan["unplaced"][0]["reasons"][0]["code"] == "no_allowed_method"
    assert "allow_downtime_vms or hold it" in plan["unplaced"][0]["reasons"][0]["detail"]
    default = run_module("placement_plan", dict(args, allow_downtime_vms=[], allow_downtime=True))["plan"]
    assert dict((m["vm"], m["downtime"]) for m in default["moves"])["gpu"] is True


@pytest.mark.parametrize("args, message", [
    ({"max_hosts_down": 0}, "max_hosts_down must be an integer >= 1 or 'auto', got 0"),
    ({"max_hosts_down": "auto", "max_hosts_down_cap": 0}, "max_hosts_down_cap must be an integer >= 1, got 0"),
    ({"rolling_order": ["n1", "n2", "n1"]}, "rolling_order lists n1 twice"),
    ({"drain_hosts": ["n9"]}, "drain_hosts names unknown host(s): n9"),
    ({"vms": [{"name": "v", "host": "ghost", "memory_mb": 1}]}, "vm 'v' runs on host 'ghost', which is not in hosts"),
    ({"vms": [{"name": "v", "host": "n1", "memory_mb": -1}]}, "vm 'v': 'memory_mb' must be >= 0"),
    ({"vms": [{"name": "v", "host": "n1", "memory_mb": 1, "methods": ["warp"]}]}, "value of methods must be one or more of"),
    ({"mode": "sideways"}, "value of mode must be one of: drain, failback"),
])
def test_bad_input_gives_one_clear_error(args, message):
    base = {"hosts": HOSTS, "vms": VMS, "drain_hosts": ["n1"]}
    base.update(args)
    result = run_module("placement_plan", base)
    assert result["failed"] and message in result["msg"]
    assert "plan" not in result or not result["plan"]["moves"]


def test_through_ansible_playbook():
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "placement_plan.yml")
    proc = run_playbook(playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout
