# -*- coding: utf-8 -*-
"""k-parallel rollouts in the what-if (`placement.simulation.whatif`): group steps, auto's groups, the bound."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import build_cluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation import whatif
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.vmfleet import PlannedRollout
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.whatif import (
    capacity_hosts_down, movable_vms, out_of_service_seconds, rollout_lower_bound_seconds, simulate)
from module_runner import run_module

from test_simulation import SETTINGS, clusters, host, vm


class RecordedRollout(PlannedRollout):
    """A planned rollout that logs when each step's hosts start updating and when each host is back."""

    runs = []

    def __init__(self, *args, **kwargs):
        super(RecordedRollout, self).__init__(*args, **kwargs)
        self.log = []
        RecordedRollout.runs.append(self)

    def start_update(self, group):
        super(RecordedRollout, self).start_update(group)
        self.log.append(("update", self.clock.now, sorted(n for n in self.status if self.status[n] == "updating")))

    def resume(self, node):
        self.log.append(("back", self.clock.now, node))
        super(RecordedRollout, self).resume(node)


@pytest.fixture
def recorded(monkeypatch):
    RecordedRollout.runs = []
    monkeypatch.setattr(whatif, "PlannedRollout", RecordedRollout)
    return RecordedRollout.runs


def four_hosts():
    """a and b hold one VM each (100 and 200 MB); c and d are empty: every timing below is placement-free."""
    hosts = [host(n, 1000) for n in "abcd"]
    vms = [vm("x", "a", 100), vm("y", "b", 200)]
    return hosts, vms


# -- group steps --------------------------------------------------------------------------------

def test_two_hosts_a_step_drain_and_update_together_and_the_next_step_waits_for_both(recorded):
    hosts, vms = four_hosts()
    result = simulate(hosts, vms, [], rolling_order=["a", "b", "c", "d"], migration_bandwidth_mb_s=10.0,
                      update_seconds={"a": 100.0, "b": 150.0, "c": 50.0, "d": 80.0}, reboot_seconds=0.0,
                      strategies=["vmfleet_fixed"], max_hosts_down=2)
    item = result["strategies"]["vmfleet_fixed"]
    run = recorded[0]
    # step 1: x (10 s) and y (20 s) leave a and b at once; both update from 20 s; a back at 120, b at 170.
    # step 2 starts at 170: x and y leave c/d for a/b in parallel (20 s); c back at 240, d at 270.
    assert run.log == [("update", 20.0, ["a", "b"]), ("back", 120.0, "a"), ("back", 170.0, "b"),
                       ("update", 190.0, ["c", "d"]), ("back", 240.0, "c"), ("back", 270.0, "d")]
    assert run.drain_started == {"a": 0.0, "b": 0.0, "c": 170.0, "d": 170.0}
    assert item["makespan_seconds"] == pytest.approx(270.0)
    assert item["groups"] == [["a", "b"], ["c", "d"]]
    assert item["steps"] == 2 and item["largest_step"] == 2
    assert item["failed_migrations"] == 0 and item["hosts_updated"] == 4 and item["plan_feasible"]
    assert item["migrations"] == 4 and item["migrated_mb"] == 600 and item["floor_mb"] == 300


def test_one_host_a_step_is_the_one_at_a_time_rollout():
    hosts, vms = four_hosts()
    result = simulate(hosts, vms, [], rolling_order=["a", "b", "c", "d"], migration_bandwidth_mb_s=10.0,
                      strategies=["vmfleet", "vmfleet_fixed"], max_hosts_down=1)
    one, fixed = result["strategies"]["vmfleet"], result["strategies"]["vmfleet_fixed"]
    assert one == fixed
    assert one["groups"] == [["a"], ["b"], ["c"], ["d"]] and one["largest_step"] == 1


def test_auto_reports_its_groups_and_takes_hosts_out_of_the_rolling_order(recorded):
    # ha and hb stay on a and b (held) and must not stop together: auto takes c along with a, b with d
    hosts = [host(n, 1000) for n in "abcd"]
    vms = [vm("ha", "a", 100, hold=True), vm("hb", "b", 100, hold=True), vm("x", "a", 100), vm("y", "b", 200)]
    rules = [{"name": "apart", "kind": "anti_affinity", "vms": ["ha", "hb"], "strength": "must"}]
    result = simulate(hosts, vms, rules, rolling_order=["a", "b", "c", "d"], migration_bandwidth_mb_s=10.0,
                      update_seconds=100.0, reboot_seconds=0.0, strategies=["vmfleet_auto", "cau_no_failback"],
                      max_hosts_down_cap=2)
    auto = result["strategies"]["vmfleet_auto"]
    plan = make_plan(hosts, vms, rules, rolling_order=["a", "b", "c", "d"], max_hosts_down="auto",
                     max_hosts_down_cap=2)
    assert auto["groups"] == [s["hosts"] for s in plan["rollout"]["steps"]] == [["a", "c"], ["b", "d"]]
    assert auto["steps"] == 2 and auto["largest_step"] == 2
    assert recorded[0].drain_started == {"a": 0.0, "c": 0.0, "b": 110.0, "d": 110.0}
    assert auto["failed_migrations"] == 0 and auto["hosts_updated"] == 4 and auto["vms_interrupted"] == 2
    # CAU stays one node at a time, in the rolling order
    cau = result["strategies"]["cau_no_failback"]
    assert cau["groups"] == [["a"], ["b"], ["c"], ["d"]] and cau["steps"] == 4 and cau["largest_step"] == 1


def test_the_simulation_stops_at_the_step_the_plan_cannot_prove():
    # two hosts out of four at 60% cannot be drained together
    hosts = [host(n, 1000) for n in "abcd"]
    vms = [vm("%s%d" % (n, i), n, 200) for n in "abcd" for i in range(3)]
    result = simulate(hosts, vms, [], rolling_order=["a", "b", "c", "d"], strategies=["vmfleet_fixed", "vmfleet_auto"],
                      max_hosts_down=2, max_hosts_down_cap=2)
    fixed, auto = result["strategies"]["vmfleet_fixed"], result["strategies"]["vmfleet_auto"]
    assert not fixed["plan_feasible"] and fixed["stopped_at"] == "a, b"
    assert fixed["hosts_updated"] == 0 and fixed["migrations"] == 0 and fixed["failed_migrations"] == 0
    assert auto["plan_feasible"] and auto["largest_step"] == 1 and auto["hosts_updated"] == 4


# -- the bound ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spans, hosts_down, bound", [
    ({"a": 100.0, "b": 100.0, "c": 100.0, "d": 100.0, "e": 100.0}, 2, 300.0),   # ceil(5/2) = 3 in one chain
    ({"a": 100.0, "b": 100.0, "c": 100.0, "d": 100.0, "e": 100.0}, 4, 200.0),   # ceil(5/4) = 2
    ({"a": 100.0, "b": 100.0, "c": 100.0, "d": 100.0, "e": 100.0}, 1, 500.0),   # one after another
    ({"a": 10.0, "b": 10.0, "c": 500.0}, 2, 500.0),                               # the longest host
    ({"a": 300.0, "b": 300.0, "c": 300.0, "d": 10.0}, 2, 455.0),                 # sum / K
])
def test_bound_formula(spans, hosts_down, bound):
    assert rollout_lower_bound_seconds(spans, hosts_down) == pytest.approx(bound)


def bound_cluster():
    """a, b, c in the order (1000, 1000, 2000 MB), d outside it (1000 MB) running 500 MB."""
    hosts = [host("a", 1000), host("b", 1000), host("c", 2000), host("d", 1000)]
    vms = [vm("a1", "a", 600), vm("b1", "b", 200), vm("b2", "b", 200), vm("c1", "c", 400), vm("c2", "c", 400),
           vm("d1", "d", 500), vm("off", "c", 900, power_state="off")]
    return hosts, vms, ["a", "b", "c"]


def test_capacity_limit_counts_the_vms_that_keep_running_against_the_smallest_hosts_out():
    hosts, vms, order = bound_cluster()
    cluster = build_cluster(hosts, vms, [])
    movers = movable_vms(cluster, order)
    # keep running: 600 + 400 + 800 (movers) + 500 (d1) = 2300 MB of 5000; without a and b 3000 is left,
    # without c too 1000: two hosts at most
    assert capacity_hosts_down(cluster, order, movers) == 2
    # 30% headroom: 3500 usable, 2800 without a, 2100 < 2300 without b as well
    assert capacity_hosts_down(cluster, order, movers, headroom_percent=30) == 1
    # 60% headroom: d counts with the 500 MB it holds (1900 < 2300 with every host in): none out
    assert capacity_hosts_down(cluster, order, movers, headroom_percent=60) == 0
    spans = out_of_service_seconds(cluster, order, {h: (100.0, 0.0) for h in "abcd"}, movers, 2, 10.0)
    # a: its 600 MB VM takes 60 s; b: 400 MB over two slots 20 s; c: 800 MB over two slots 40 s
    assert spans == {"a": 160.0, "b": 120.0, "c": 140.0}


def test_each_strategy_gets_its_own_bound():
    hosts, vms, order = bound_cluster()
    result = simulate(hosts, vms, [], rolling_order=order, migration_bandwidth_mb_s=10.0, update_seconds=100.0,
                      reboot_seconds=0.0, strategies=["vmfleet", "vmfleet_fixed", "vmfleet_auto", "cau_immediate"],
                      max_hosts_down=3, max_hosts_down_cap=4)
    bounds = dict((n, r["lower_bound_seconds"]) for n, r in result["strategies"].items())
    # K = 1: 160 + 120 + 140; K = min(3 or 4, capacity 2) = 2: the two shortest in one chain, 120 + 140
    assert bounds == {"vmfleet": 420.0, "cau_immediate": 420.0, "vmfleet_fixed": 260.0, "vmfleet_auto": 260.0}
    # the top-level bound stays the one-at-a-time one: updates 300 s + 1800 MB over 2 x 10 MB/s
    assert result["lower_bound_seconds"] == pytest.approx(390.0)
    with_headroom = simulate(hosts, vms, [], rolling_order=order, migration_bandwidth_mb_s=10.0, update_seconds=100.0,
                             reboot_seconds=0.0, strategies=["vmfleet_auto"], headroom_percent=30)
    assert with_headroom["strategies"]["vmfleet_auto"]["lower_bound_seconds"] == 420.0


@SETTINGS
@given(clusters(max_fill=0.7), st.integers(1, 3))
def test_group_rollouts_never_fail_and_never_beat_their_bound(case, k):
    hosts, vms, order, timing = case
    result = simulate(hosts, vms, [], rolling_order=order, strategies=["vmfleet_fixed", "vmfleet_auto"],
                      max_hosts_down=k, max_hosts_down_cap=k, **timing)
    for name, item in result["strategies"].items():
        assume(item["plan_feasible"])
        assert item["failed_migrations"] == 0, (name, item["failures"])
        assert item["peak_utilization_percent"] <= 100.0 + 1e-9
        assert item["hosts_updated"] == len(order) and item["vms_not_running"] == 0
        assert sorted(h for g in item["groups"] for h in g) == sorted(order)
        assert item["largest_step"] <= k
        assert item["makespan_seconds"] >= item["lower_bound_seconds"] - 0.2, name


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"max_hosts_down": 0}, "max_hosts_down must be an integer >= 1"),
    ({"max_hosts_down": "auto"}, "max_hosts_down must be an integer >= 1"),
    ({"max_hosts_down_cap": True}, "max_hosts_down_cap must be an integer >= 1"),
    ({"strategies": ["vmfleet_parallel"]}, "unknown strateg"),
])
def test_bad_input_gives_one_clear_error(kwargs, message):
    with pytest.raises(whatif.PlacementInputError, match=message):
        simulate([host("a", 1000), host("b", 1000)], [vm("x", "a", 100)], [], rolling_order=["a", "b"], **kwargs)


@pytest.mark.parametrize("args, message", [
    ({"max_hosts_down": 0}, "max_hosts_down must be an integer >= 1, got 0"),
    ({"max_hosts_down_cap": -1}, "max_hosts_down_cap must be an integer >= 1, got -1"),
    ({"max_hosts_down": "auto"}, "max_hosts_down"),
    ({"strategies": ["vmfleet_parallel"]}, "value of strategies must be one or more of"),
])
def test_module_bad_input_is_one_clear_error(args, message):
    hosts, vms = four_hosts()
    arguments = {"hosts": hosts, "vms": vms, "rolling_order": ["a", "b", "c", "d"]}
    arguments.update(args)
    result = run_module("maintenance_simulate", arguments)
    assert result.get("failed") and message in result["msg"], result


def test_module_reports_the_group_strategies():
    hosts, vms = four_hosts()
    result = run_module("maintenance_simulate", {"hosts": hosts, "vms": vms, "rolling_order": ["a", "b", "c", "d"],
                                                 "strategies": ["vmfleet", "vmfleet_fixed", "vmfleet_auto"],
                                                 "max_hosts_down": 2, "max_hosts_down_cap": 3})
    assert not result.get("failed") and result["changed"] is False
    strategies = result["simulation"]["strategies"]
    assert list(strategies) == ["vmfleet", "vmfleet_fixed", "vmfleet_auto"]
    assert strategies["vmfleet_fixed"]["groups"] == [["a", "b"], ["c", "d"]]
    assert strategies["vmfleet_auto"]["largest_step"] == 3
