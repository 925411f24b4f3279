# -*- coding: utf-8 -*-
"""Invariants every plan keeps, on random clusters (hypothesis)."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan

from plan_checks import final_locations, method_violations, must_rule_violations, replay_violations, usable_mb
from strategies import clusters

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _drain(data, cluster, **options):
    hosts, vms, rules = cluster
    drained = data.draw(st.lists(st.sampled_from([h["name"] for h in hosts]), min_size=1, max_size=2,
                                 unique=True))
    return drained, make_plan(copy.deepcopy(hosts), copy.deepcopy(vms), copy.deepcopy(rules),
                              drain_hosts=drained, **options)


@SETTINGS
@given(st.data(), clusters(), st.sampled_from(["running", "all"]), st.sampled_from([0, 10]),
       st.sampled_from([1, 2, 3]), st.sampled_from([0, 3]))
def test_drain_invariants(data, cluster, scope, headroom, per_host, total):
    hosts, vms, rules = cluster
    drained, plan = _drain(data, cluster, scope=scope, headroom_percent=headroom,
                           max_parallel_per_host=per_host, max_parallel_total=total)
    assert replay_violations(hosts, vms, plan, headroom, per_host, total) == []
    assert method_violations(hosts, vms, plan) == []
    location = final_locations(vms, plan)
    assert must_rule_violations(rules, location) == []
    moved = [m["vm"] for m in plan["moves"]]
    assert len(moved) == len(set(moved)), "a VM moves twice in one drain"
    assert not set(m["target"] for m in plan["moves"]) & set(drained)
    vm_by = dict((v["name"], v) for v in vms)
    for name in moved:
        assert not vm_by[name].get("hold") and vm_by[name].get("managed", True)
    # every VM in scope is accounted for exactly once
    in_scope = [v["name"] for v in vms if v["host"] in drained]
    accounted = moved + [s["vm"] for s in plan["skipped"]] + [u["vm"] for u in plan["unplaced"]]
    assert sorted(accounted) == sorted(in_scope)
    for item in plan["unplaced"]:
        assert item["reasons"] and all(r["code"] and r["detail"] for r in item["reasons"])
    assert plan["feasible"] == (not plan["unplaced"])
    host_by = dict((h["name"], h) for h in hosts)
    for name, info in plan["hosts_after"].items():
        if any(m["target"] == name for m in plan["moves"]):
            assert info["memory_used_mb"] <= usable_mb(host_by[name], headroom) + 1


@SETTINGS
@given(st.data(), clusters(max_vms=20))
def test_same_input_same_plan(data, cluster):
    drained, first = _drain(data, cluster)
    second = make_plan(*copy.deepcopy(cluster), drain_hosts=drained)
    assert first == second


@SETTINGS
@given(clusters(max_hosts=6, max_vms=25, allow_down=False))
def test_rollout_invariants(cluster):
    hosts, vms, rules = cluster
    order = [h["name"] for h in hosts]
    plan = make_plan(copy.deepcopy(hosts), copy.deepcopy(vms), copy.deepcopy(rules), rolling_order=order)
    assert replay_violations(hosts, vms, plan) == []
    assert method_violations(hosts, vms, plan) == []
    location = final_locations(vms, plan)
    assert must_rule_violations(rules, location) == []
    rollout = plan["rollout"]
    if rollout["feasible"]:
        assert rollout["steps_checked"] == len(order)
        assert plan["feasible"]
    else:
        failure = rollout["first_failure"]
        assert failure["host"] == order[failure["step"] - 1]
        assert failure["unplaced"]


@SETTINGS
@given(clusters(max_hosts=5, max_vms=20, allow_down=False), st.data())
def test_failback_never_overfills(cluster, data):
    hosts, vms, rules = cluster
    vms = copy.deepcopy(vms)
    for vm in vms:
        vm["home"] = data.draw(st.sampled_from([h["name"] for h in hosts]))
    back = data.draw(st.sampled_from([h["name"] for h in hosts]))
    plan = make_plan(copy.deepcopy(hosts), vms, copy.deepcopy(rules), mode="failback", drain_hosts=[back])
    assert replay_violations(hosts, vms, plan) == []
    assert all(m["target"] == back for m in plan["moves"])
    location = final_locations(vms, plan)
    assert must_rule_violations(rules, location) == []
