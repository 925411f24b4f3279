# -*- coding: utf-8 -*-
"""The plan's semantics, one rule at a time, on small hand-built clusters."""

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.waves import Move, schedule

from plan_checks import replay_violations


def hosts(*specs):
    return [dict({"name": n, "memory_mb": m}, **extra) for n, m, extra in specs]


def by_vm(plan):
    return dict((m["vm"], m) for m in plan["moves"])


def codes(plan, vm):
    return [r["code"] for u in plan["unplaced"] if u["vm"] == vm for r in u["reasons"]]


def test_methods_tried_in_canonical_order_whatever_the_user_order():
    plan = make_plan(hosts(("a", 1000, {}), ("b", 1000, {})),
                     [{"name": "v", "host": "a", "memory_mb": 100, "methods": ["move", "live"]}], drain_hosts=["a"])
    assert by_vm(plan)["v"]["method"] == "live"


def test_suspended_vm_moves_quick_and_powered_off_by_move():
    plan = make_plan(hosts(("a", 1000, {}), ("b", 1000, {})),
                     [{"name": "s", "host": "a", "memory_mb": 100, "power_state": "suspended"},
                      {"name": "o", "host": "a", "memory_mb": 100, "power_state": "off"}],
                     drain_hosts=["a"], scope="all")
    assert by_vm(plan)["s"]["method"] == "quick"
    assert by_vm(plan)["o"]["method"] == "move"


def test_scope_running_leaves_powered_off_vms():
    plan = make_plan(hosts(("a", 1000, {}), ("b", 1000, {})),
                     [{"name": "o", "host": "a", "memory_mb": 100, "power_state": "off"}], drain_hosts=["a"])
    assert plan["moves"] == [] and plan["skipped"][0]["reason"] == "powered_off"


def test_down_host_allows_failover_only():
    cluster = hosts(("a", 1000, {"state": "down"}), ("b", 1000, {}))
    vms = [{"name": "f", "host": "a", "memory_mb": 100},
           {"name": "n", "host": "a", "memory_mb": 100, "methods": ["live", "move"]}]
    plan = make_plan(cluster, vms, drain_hosts=["a"])
    assert by_vm(plan)["f"]["method"] == "failover"
    assert codes(plan, "n") == ["no_allowed_method"]
    assert plan["status"] == "error"


def test_live_needs_storage_reach_and_move_prefers_it():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {"storage": ["local-b"]}), ("c", 1000, {"storage": ["san"]}))
    vms = [{"name": "v", "host": "a", "memory_mb": 100, "storage": ["san"], "methods": ["live", "move"]},
           {"name": "w", "host": "a", "memory_mb": 100, "storage": ["nfs"], "methods": ["live", "move"]},
           {"name": "x", "host": "a", "memory_mb": 100, "storage": ["nfs"], "methods": ["live"]}]
    plan = make_plan(cluster, vms, drain_hosts=["a"])
    assert by_vm(plan)["v"]["target"] == "c" and by_vm(plan)["v"]["method"] == "live"
    assert by_vm(plan)["w"]["method"] == "move"
    assert codes(plan, "x") == ["no_storage_access"]


def test_move_prefers_hosts_with_storage_reach():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {"storage": []}), ("c", 2000, {"storage": ["san"]}))
    vms = [{"name": "v", "host": "a", "memory_mb": 100, "storage": ["san"], "methods": ["move"]},
           {"name": "fill", "host": "c", "memory_mb": 1500}]
    plan = make_plan(cluster, vms, drain_hosts=["a"])
    assert by_vm(plan)["v"]["target"] == "c"


def test_result_rules_hold_unmanaged_maintenance_busy():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}))
    vms = [{"name": "held", "host": "a", "memory_mb": 100, "hold": True, "busy": True},
           {"name": "free", "host": "a", "memory_mb": 100, "managed": False},
           {"name": "maint", "host": "a", "memory_mb": 100, "maintenance": True}]
    plan = make_plan(cluster, vms, drain_hosts=["a"])
    assert plan["status"] == "warning" and plan["feasible"]
    assert sorted(s["reason"] for s in plan["skipped"]) == ["hold", "maintenance", "unmanaged"]
    plan = make_plan(cluster, vms + [{"name": "busy", "host": "a", "memory_mb": 100, "busy": True}],
                     drain_hosts=["a"])
    assert plan["status"] == "error" and codes(plan, "busy") == ["busy"]


def test_anti_affinity_must_and_reason():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}))
    vms = [{"name": "x", "host": "a", "memory_mb": 100}, {"name": "y", "host": "b", "memory_mb": 100}]
    rules = [{"name": "apart", "kind": "anti_affinity", "vms": ["x", "y"]}]
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert codes(plan, "x") == ["anti_affinity"]
    rules[0]["strength"] = "should"
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert by_vm(plan)["x"]["target"] == "b"
    assert plan["metrics"]["should_violations"] == 1 and plan["status"] == "warning"


def test_anti_affinity_max_per_host_lets_that_many_share_a_host():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}), ("c", 1000, {}))
    vms = [{"name": "x", "host": "a", "memory_mb": 100}, {"name": "y", "host": "b", "memory_mb": 100},
           {"name": "z", "host": "b", "memory_mb": 100}, {"name": "w", "host": "c", "memory_mb": 100}]
    rules = [{"name": "spread", "kind": "anti_affinity", "vms": ["x", "y", "z", "w"], "max_per_host": 2}]
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert by_vm(plan)["x"]["target"] == "c"
    plan = make_plan(cluster, vms + [{"name": "v", "host": "c", "memory_mb": 100}],
                     [dict(rules[0], vms=["x", "y", "z", "w", "v"])], drain_hosts=["a"])
    assert codes(plan, "x") == ["anti_affinity"]
    with pytest.raises(PlacementInputError, match="max_per_host applies to anti_affinity"):
        make_plan(cluster, vms, [{"kind": "affinity", "vms": ["x", "y"], "max_per_host": 2}])
    with pytest.raises(PlacementInputError, match="whole number >= 1"):
        make_plan(cluster, vms, [dict(rules[0], max_per_host=0)])


def test_should_rule_respected_when_something_else_fits():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}), ("c", 1000, {}))
    vms = [{"name": "x", "host": "a", "memory_mb": 100}, {"name": "y", "host": "b", "memory_mb": 100}]
    rules = [{"name": "apart", "kind": "anti_affinity", "vms": ["x", "y"], "strength": "should"}]
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert by_vm(plan)["x"]["target"] == "c" and plan["status"] == "ok"


def test_affinity_group_moves_together_to_its_anchor():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}), ("c", 1000, {}))
    vms = [{"name": "x", "host": "a", "memory_mb": 100}, {"name": "y", "host": "a", "memory_mb": 100},
           {"name": "z", "host": "c", "memory_mb": 600}]
    rules = [{"name": "together", "kind": "affinity", "vms": ["x", "y", "z"]}]
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert by_vm(plan)["x"]["target"] == by_vm(plan)["y"]["target"] == "c"


def test_vm_host_rules():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}), ("c", 1000, {}))
    vms = [{"name": "x", "host": "a", "memory_mb": 100}]
    plan = make_plan(cluster, vms, [{"name": "only-c", "kind": "vm_host", "vms": ["x"], "hosts": ["c", "a"]}],
                     drain_hosts=["a"])
    assert by_vm(plan)["x"]["target"] == "c"
    plan = make_plan(cluster, vms, [{"name": "not-bc", "kind": "vm_anti_host", "vms": ["x"], "hosts": ["b", "c"]}],
                     drain_hosts=["a"])
    assert codes(plan, "x") == ["vm_host_rule"]


def test_emergency_host_only_when_nothing_else_fits():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}), ("r", 4000, {"emergency": True}))
    vms = [{"name": "x", "host": "a", "memory_mb": 400}, {"name": "y", "host": "a", "memory_mb": 700}]
    plan = make_plan(cluster, vms, drain_hosts=["a"])
    assert by_vm(plan)["y"]["target"] == "b" and by_vm(plan)["x"]["target"] == "r"


def test_capacity_and_vcpu_reasons():
    cluster = hosts(("a", 1000, {"vcpus": 8}), ("b", 1000, {"vcpus": 2, "reserved_memory_mb": 500}))
    plan = make_plan(cluster, [{"name": "big", "host": "a", "memory_mb": 600},
                               {"name": "wide", "host": "a", "memory_mb": 10, "vcpus": 4}], drain_hosts=["a"])
    assert codes(plan, "big") == ["insufficient_memory"]
    assert codes(plan, "wide") == ["insufficient_vcpu"]


def test_ram_allocation_ratio_and_headroom():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {"ram_allocation_ratio": 1.5}))
    vms = [{"name": "v", "host": "a", "memory_mb": 1400}]
    assert make_plan(cluster, vms, drain_hosts=["a"])["feasible"]
    assert not make_plan(cluster, vms, drain_hosts=["a"], headroom_percent=10)["feasible"]


def test_count_powered_off_keeps_stopped_memory():
    cluster = hosts(("a", 1000, {}), ("b", 1000, {}))
    vms = [{"name": "on", "host": "a", "memory_mb": 600},
           {"name": "stopped", "host": "b", "memory_mb": 600, "power_state": "off"}]
    assert make_plan(cluster, vms, drain_hosts=["a"])["feasible"]
    assert not make_plan(cluster, vms, drain_hosts=["a"], count_powered_off=True)["feasible"]


def test_waves_respect_parallel_limits_priority_and_dependencies():
    cluster = hosts(("a", 10000, {}), ("b", 10000, {}), ("c", 10000, {}))
    vms = [{"name": "v%d" % i, "host": "a", "memory_mb": 100} for i in range(7)]
    vms[6]["priority"] = 5
    vms[0]["depends_on"] = ["v1"]
    plan = make_plan(cluster, vms, drain_hosts=["a"], max_parallel_per_host=2)
    moves = by_vm(plan)
    assert moves["v6"]["wave"] == 1
    assert moves["v0"]["wave"] > moves["v1"]["wave"]
    assert replay_violations(cluster, vms, plan, max_per_host=2) == []
    assert plan["metrics"]["waves"] == 4


def test_disruption_budget_limits_group_moves_per_wave():
    cluster = hosts(("a", 10000, {}), ("b", 10000, {}), ("c", 10000, {}), ("d", 10000, {}))
    vms = [{"name": "v%d" % i, "host": "a", "memory_mb": 100} for i in range(4)]
    rules = [{"name": "quorum", "kind": "disruption_budget", "vms": ["v0", "v1", "v2"], "max_unavailable": 1}]
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"], max_parallel_per_host=4)
    waves = [by_vm(plan)[n]["wave"] for n in ("v0", "v1", "v2")]
    assert len(set(waves)) == 3
    rules[0]["max_unavailable"] = 0
    plan = make_plan(cluster, vms, rules, drain_hosts=["a"])
    assert codes(plan, "v0") == ["budget"]


def test_continuous_capacity_never_overfills_mid_wave():
    # a swap between two full hosts cannot start in any wave: both targets are full until the end
    moves = [Move("x", "a", "b", "live", 600, 0, 0), Move("y", "b", "a", "live", 600, 0, 0)]
    stuck = schedule(moves, {"a": 600, "b": 600}, {"a": 0, "b": 0}, lambda h: 1000, lambda h: 0, {}, [])
    assert len(stuck) == 2 and stuck[0][1][0] == "insufficient_memory"
    # a chain frees room only at the end of a wave, so the second move waits for the next wave
    moves = [Move("x", "a", "b", "live", 600, 0, 0), Move("y", "b", "c", "live", 600, 0, 0)]
    stuck = schedule(moves, {"a": 600, "b": 600, "c": 0}, {"a": 0, "b": 0, "c": 0},
                     lambda h: 1000, lambda h: 0, {}, [])
    assert not stuck and moves[1].wave == 1 and moves[0].wave == 2


def test_rolling_order_prefers_updated_hosts_so_vms_move_once():
    names = ["n1", "n2", "n3", "n4"]
    cluster = hosts(*[(n, 10000, {}) for n in names])
    vms = [{"name": "%s-%d" % (n, i), "host": n, "memory_mb": 1000} for n in names for i in range(6)]
    plan = make_plan(cluster, vms, rolling_order=names)
    assert plan["feasible"] and plan["rollout"]["feasible"]
    moved = {}
    for move in plan["moves"]:
        moved[move["vm"]] = moved.get(move["vm"], 0) + 1
    twice = sorted(v for v, n in moved.items() if n > 1)
    assert all(v.startswith("n1-") for v in twice)
    step2 = [m for m in plan["moves"] if m["step"] == 2]
    assert all(m["target"] == "n1" for m in step2)


def test_whole_rollout_names_the_first_step_that_cannot_drain():
    cluster = hosts(("n1", 1000, {}), ("n2", 1000, {}), ("n3", 1000, {}))
    vms = [{"name": "a", "host": "n1", "memory_mb": 400}, {"name": "b", "host": "n2", "memory_mb": 400},
           {"name": "big", "host": "n3", "memory_mb": 900}]
    rules = [{"name": "big-on-1-or-3", "kind": "vm_host", "vms": ["big"], "hosts": ["n1", "n3"]}]
    plan = make_plan(cluster, vms, rules, rolling_order=["n1", "n2", "n3"])
    failure = plan["rollout"]["first_failure"]
    assert not plan["feasible"] and failure["step"] == 3 and failure["host"] == "n3"
    assert [r["code"] for r in failure["unplaced"][0]["reasons"]] == ["insufficient_memory", "vm_host_rule"]
    assert [s["feasible"] for s in plan["rollout"]["steps"]] == [True, True, False]


def test_failback_only_where_capacity_allows():
    cluster = hosts(("n1", 1000, {}), ("n2", 1000, {}), ("n3", 1000, {}))
    vms = [{"name": "a", "host": "n2", "memory_mb": 400, "home": "n1"},
           {"name": "b", "host": "n3", "memory_mb": 400, "home": "n1"},
           {"name": "c", "host": "n3", "memory_mb": 600, "home": "n1"}]
    plan = make_plan(cluster, vms, mode="failback", drain_hosts=["n1"])
    assert sorted(m["vm"] for m in plan["moves"]) == ["a", "c"]
    assert [(s["vm"], s["reason"]) for s in plan["skipped"]] == [("b", "insufficient_memory")]


def test_failback_keeps_the_next_drain_possible():
    cluster = hosts(("n1", 1000, {}), ("n2", 1000, {}), ("n3", 1000, {}))
    vms = [{"name": "a", "host": "n2", "memory_mb": 400, "home": "n1"},
           {"name": "b", "host": "n3", "memory_mb": 400, "home": "n1"},
           {"name": "d", "host": "n2", "memory_mb": 500, "home": "n2"},
           {"name": "e", "host": "n3", "memory_mb": 600, "home": "n3"}]
    assert len(make_plan(cluster, vms, mode="failback", drain_hosts=["n1"])["moves"]) == 2
    plan = make_plan(cluster, vms, mode="failback", drain_hosts=["n1"], rolling_order=["n1", "n2", "n3"])
    assert [m["vm"] for m in plan["moves"]] == ["a"]
    assert plan["skipped"][0]["vm"] == "b" and "n2 can still be drained" in plan["skipped"][0]["detail"]


@pytest.mark.parametrize("change, message", [
    ({"drain_hosts": ["nope"]}, "drain_hosts names unknown host(s): nope"),
    ({"vms": [{"name": "v", "host": "ghost", "memory_mb": 1}]}, "runs on host 'ghost', which is not in hosts"),
    ({"vms": [{"name": "v", "host": "a", "memory_mb": -5}]}, "'memory_mb' must be >= 0"),
    ({"vms": [{"name": "v", "host": "a", "memory_mb": 5, "methods": ["teleport"]}]}, "unknown method(s) teleport"),
    ({"hosts": [{"name": "a", "memory_mb": -1}]}, "'memory_mb' must be >= 0"),
    ({"rules": [{"kind": "affinity", "vms": ["zz"]}]}, "names unknown VM(s): zz"),
])
def test_bad_input_gives_one_clear_error(change, message):
    args = {"hosts": hosts(("a", 1000, {}), ("b", 1000, {})), "vms": [], "rules": [], "drain_hosts": ["a"]}
    args.update(change)
    with pytest.raises(PlacementInputError) as error:
        make_plan(args["hosts"], args["vms"], args["rules"], drain_hosts=args["drain_hosts"])
    assert message in str(error.value)


def test_every_plan_reports_usage_before_and_after():
    cluster = hosts(("n1", 1000, {}), ("n2", 1000, {}))
    vms = [{"name": "a", "host": "n2", "memory_mb": 400, "home": "n1"}]
    for plan in (make_plan(cluster, vms, drain_hosts=["n2"]),
                 make_plan(cluster, vms, mode="failback", drain_hosts=["n1"]),
                 make_plan(cluster, vms, rolling_order=["n1", "n2"]), make_plan(cluster, vms)):
        assert plan["hosts_before"]["n2"]["memory_used_mb"] == 400
        assert set(plan["hosts_after"]) == {"n1", "n2"}
    assert make_plan(cluster, vms)["mode"] == "snapshot"


def test_later_hosts_tie_broken_towards_the_one_drained_last():
    names = ["n1", "n2", "n3", "n4"]
    cluster = hosts(*[(n, 10000, {}) for n in names])
    vms = [{"name": "big", "host": "n1", "memory_mb": 3000}]
    plan = make_plan(cluster, vms, drain_hosts=["n1"], rolling_order=names)
    assert plan["moves"][0]["target"] == "n4"
