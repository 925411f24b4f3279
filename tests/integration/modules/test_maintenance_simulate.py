# -*- coding: utf-8 -*-
"""maintenance_simulate through Ansible's module protocol."""

import random

from module_runner import run_module


def seed_cluster(nodes=6, fill=0.85, seed=3):
    """A tight cluster in the spirit of seed 000: N-1 nearly full."""
    rng = random.Random(seed)
    hosts = [{"name": "node%02d" % i, "memory_mb": 131072, "reserved_memory_mb": 4096} for i in range(1, nodes + 1)]
    vms = []
    for host in hosts:
        used = 0
        while True:
            size = rng.choice([2048, 4096, 8192, 16384])
            if used + size > fill * 126976:
                break
            used += size
            vms.append({"name": "%s-vm%02d" % (host["name"], len(vms)), "host": host["name"], "memory_mb": size})
    return hosts, vms


def test_compares_strategies_and_vmfleet_never_fails():
    hosts, vms = seed_cluster()
    order = [h["name"] for h in hosts]
    result = run_module("maintenance_simulate", {"hosts": hosts, "vms": vms, "rolling_order": order})
    assert not result.get("failed") and result["changed"] is False
    sim = result["simulation"]
    assert set(sim["strategies"]) == {"cau_immediate", "cau_no_failback", "cau_sleep", "vmfleet", "vmfleet_fixed",
                                      "vmfleet_auto"}
    for name in ("vmfleet_fixed", "vmfleet_auto"):
        grouped = sim["strategies"][name]
        if grouped["plan_feasible"]:
            assert grouped["failed_migrations"] == 0 and grouped["hosts_updated"] == len(hosts), name
            assert sorted(h for g in grouped["groups"] for h in g) == sorted(order), name
            assert grouped["makespan_seconds"] >= grouped["lower_bound_seconds"], name
    fleet = sim["strategies"]["vmfleet"]
    assert fleet["failed_migrations"] == 0 and fleet["vms_not_running"] == 0
    assert fleet["hosts_updated"] == len(hosts)
    assert fleet["peak_utilization_percent"] <= 100.0
    assert fleet["makespan_seconds"] >= sim["lower_bound_seconds"]
    assert fleet["migrated_mb"] >= sim["floor_mb"]
    for name, outcome in sim["strategies"].items():
        assert outcome["vms_not_running"] == 0, name


def test_same_seed_same_result_and_check_mode():
    hosts, vms = seed_cluster(nodes=4)
    args = {"hosts": hosts, "vms": vms, "rolling_order": [h["name"] for h in hosts], "seed": 7,
            "strategies": ["cau_immediate", "vmfleet"]}
    assert run_module("maintenance_simulate", args)["simulation"] == \
        run_module("maintenance_simulate", args, check_mode=True)["simulation"]


def test_bad_input_is_one_clear_error():
    hosts, vms = seed_cluster(nodes=3)
    result = run_module("maintenance_simulate", {"hosts": hosts, "vms": vms, "rolling_order": ["node01", "nodeX"]})
    assert result["failed"] and "nodeX" in result["msg"]
    args = {"hosts": hosts, "vms": vms, "rolling_order": ["node01"], "strategies": ["yolo"]}
    result = run_module("maintenance_simulate", args)
    assert result["failed"] and "value of strategies must be one or more of" in result["msg"]
