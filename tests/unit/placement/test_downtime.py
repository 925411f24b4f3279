# -*- coding: utf-8 -*-
"""No silent downtime: running VMs move only by methods that keep the guest running unless allowed."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.downtime import allowed_methods, downtime_free
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan

from plan_checks import method_violations, replay_violations
from strategies import clusters

STOP_DETAIL = "moving it would stop the guest (cold migration); allow downtime for it with allow_downtime_vms or hold it"


def two_hosts(**first):
    return [dict({"name": "a", "memory_mb": 1000}, **first), {"name": "b", "memory_mb": 1000}]


def only_move(plan, vm):
    moves = [m for m in plan["moves"] if m["vm"] == vm]
    assert len(moves) == 1, plan
    return moves[0]


def reasons(plan, vm):
    return [r for u in plan["unplaced"] if u["vm"] == vm for r in u["reasons"]]


@pytest.mark.parametrize("method, power_state, source_down, free", [
    ("live", "on", False, True),
    ("storage", "on", False, True),
    ("quick", "on", False, False),
    ("move", "on", False, False),
    ("failover", "on", False, False),
    ("failover", "on", True, True),
    ("quick", "suspended", False, True),
    ("move", "off", False, True),
    ("move", "suspended", False, True),
])
def test_downtime_free(method, power_state, source_down, free):
    assert downtime_free(method, power_state, source_down) is free


def test_allowed_methods_for_runners_follow_the_policy_in_canonical_order():
    vms = [{"name": "nova", "host": "a", "methods": ["move", "failover", "live"]},
           {"name": "pci", "host": "a", "methods": ["move", "failover"]},
           {"name": "pci-down", "host": "down-1", "methods": ["move", "failover"]},
           {"name": "stopped", "host": "a", "power_state": "off", "methods": ["move", "live"]},
           {"name": "paused", "host": "a", "power_state": "suspended"},
           {"name": "batch", "host": "a", "methods": ["quick", "move"]},
           {"name": "flagged", "host": "a", "methods": ["move"], "allow_downtime": True},
           {"name": "any", "host": "a"}]
    assert allowed_methods(vms, False, ["batch"], down_hosts=["down-1"]) == {
        "nova": ["live"], "pci": [], "pci-down": ["failover"], "stopped": ["live", "move"],
        "paused": ["live", "quick", "move", "storage", "failover"], "batch": ["quick", "move"],
        "flagged": ["move"], "any": ["live", "storage"]}
    assert allowed_methods(vms, True, [])["pci"] == ["move", "failover"]
    assert allowed_methods(vms, True, [])["nova"] == ["live", "move", "failover"]


def test_nova_vm_moves_live_without_downtime():
    vms = [{"name": "web", "host": "a", "memory_mb": 100, "methods": ["live", "move", "failover"]}]
    move = only_move(make_plan(two_hosts(), vms, drain_hosts=["a"], allow_downtime=False), "web")
    assert move["method"] == "live" and move["downtime"] is False


def test_vm_only_cold_migration_is_unplaced_unless_allowed():
    vms = [{"name": "pci", "host": "a", "memory_mb": 100, "methods": ["move", "failover"]}]
    plan = make_plan(two_hosts(), vms, drain_hosts=["a"], allow_downtime=False)
    assert not plan["feasible"]
    assert reasons(plan, "pci") == [{"code": "no_allowed_method", "detail": STOP_DETAIL}]
    for options, flagged in (({"allow_downtime_vms": ["pci"]}, False), ({}, True), ({"allow_downtime_vms": "pci"}, False)):
        vm = dict(vms[0], allow_downtime=True) if flagged else vms[0]
        move = only_move(make_plan(two_hosts(), [vm], drain_hosts=["a"], allow_downtime=False, **options), "pci")
        assert move["method"] == "move" and move["downtime"] is True


def test_reason_said_once_however_many_hosts():
    hosts = [{"name": n, "memory_mb": 1000} for n in ("a", "b", "c", "d", "e", "f")]
    vms = [{"name": "pci", "host": "a", "memory_mb": 100, "methods": ["move"]}]
    plan = make_plan(hosts, vms, drain_hosts=["a"], allow_downtime=False)
    assert reasons(plan, "pci") == [{"code": "no_allowed_method", "detail": STOP_DETAIL}]


def test_cold_migration_needed_for_storage_is_refused_too():
    hosts = [{"name": "a", "memory_mb": 1000}, {"name": "b", "memory_mb": 1000, "storage": ["local-b"]}]
    vms = [{"name": "v", "host": "a", "memory_mb": 100, "storage": ["san"], "methods": ["live", "move"]}]
    plan = make_plan(hosts, vms, drain_hosts=["a"], allow_downtime=False)
    assert reasons(plan, "v") == [{"code": "no_allowed_method", "detail": STOP_DETAIL}]
    move = only_move(make_plan(hosts, vms, drain_hosts=["a"]), "v")
    assert move["method"] == "move" and move["downtime"] is True


def test_suspended_and_powered_off_vms_move_by_any_method_without_downtime():
    vms = [{"name": "s", "host": "a", "memory_mb": 100, "power_state": "suspended"},
           {"name": "o", "host": "a", "memory_mb": 100, "power_state": "off", "methods": ["move"]}]
    plan = make_plan(two_hosts(), vms, drain_hosts=["a"], scope="all", allow_downtime=False)
    assert (only_move(plan, "s")["method"], only_move(plan, "s")["downtime"]) == ("quick", False)
    assert (only_move(plan, "o")["method"], only_move(plan, "o")["downtime"]) == ("move", False)


def test_failover_from_a_down_host_is_no_downtime():
    vms = [{"name": "f", "host": "a", "memory_mb": 100, "methods": ["move", "failover"]}]
    move = only_move(make_plan(two_hosts(state="down"), vms, drain_hosts=["a"], allow_downtime=False), "f")
    assert move["method"] == "failover" and move["downtime"] is False


def test_default_still_moves_by_quick_but_says_it_is_downtime():
    vms = [{"name": "q", "host": "a", "memory_mb": 100, "methods": ["quick"]}]
    move = only_move(make_plan(two_hosts(), vms, drain_hosts=["a"]), "q")
    assert move["method"] == "quick" and move["downtime"] is True


def test_failback_without_downtime_leaves_a_cold_only_vm_where_it_is():
    vms = [{"name": "pci", "host": "b", "memory_mb": 100, "methods": ["move"], "home": "a"},
           {"name": "web", "host": "b", "memory_mb": 100, "home": "a"}]
    plan = make_plan(two_hosts(), vms, mode="failback", drain_hosts=["a"], allow_downtime=False)
    assert [(m["vm"], m["method"], m["downtime"]) for m in plan["moves"]] == [("web", "live", False)]
    assert [(s["vm"], s["reason"], s["detail"]) for s in plan["skipped"]] == [("pci", "no_allowed_method", STOP_DETAIL)]


def test_rollout_without_downtime_names_the_step():
    hosts = [{"name": n, "memory_mb": 1000} for n in ("n1", "n2", "n3")]
    vms = [{"name": "pci", "host": "n2", "memory_mb": 100, "methods": ["move"]}]
    plan = make_plan(hosts, vms, rolling_order=["n1", "n2", "n3"], allow_downtime=False)
    failure = plan["rollout"]["first_failure"]
    assert failure["step"] == 2 and failure["message"] == "step 2 cannot drain n2: pci (no_allowed_method)"


@pytest.mark.parametrize("options, message", [
    ({"allow_downtime": "no"}, "allow_downtime must be true or false, got 'no'"),
    ({"allow_downtime_vms": 5}, "allow_downtime_vms must be a list of VM names, got 5"),
    ({"allow_downtime_vms": ["ok", 3]}, "allow_downtime_vms must be a list of VM names"),
])
def test_bad_policy_input(options, message):
    with pytest.raises(PlacementInputError) as error:
        make_plan(two_hosts(), [], drain_hosts=["a"], **options)
    assert message in str(error.value)


def test_unknown_names_in_allow_downtime_vms_are_ignored():
    assert make_plan(two_hosts(), [], drain_hosts=["a"], allow_downtime_vms=["elsewhere"])["feasible"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_no_move_stops_a_guest_that_may_not_be_stopped(cluster, data):
    hosts, vms, rules = cluster
    names = [v["name"] for v in vms]
    allowed = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if names else []
    drained = data.draw(st.lists(st.sampled_from([h["name"] for h in hosts]), min_size=1, max_size=2,
                                 unique=True))
    plan = make_plan(copy.deepcopy(hosts), copy.deepcopy(vms), copy.deepcopy(rules), drain_hosts=drained,
                     scope="all", allow_downtime=False, allow_downtime_vms=allowed)
    state = dict((h["name"], h.get("state", "up")) for h in hosts)
    power = dict((v["name"], v.get("power_state", "on")) for v in vms)
    for move in plan["moves"]:
        free = downtime_free(move["method"], power[move["vm"]], state[move["source"]] == "down")
        assert move["downtime"] is (not free)
        assert free or move["vm"] in allowed
    assert replay_violations(hosts, vms, plan) == []
    assert method_violations(hosts, vms, plan) == []
