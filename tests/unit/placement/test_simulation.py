# -*- coding: utf-8 -*-
"""The rolling-update what-if (`placement.simulation.whatif`): floors, invariants, and seed 000's race."""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.whatif import STRATEGIES, simulate

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def host(name, memory_mb, **extra):
    return dict({"name": name, "memory_mb": memory_mb}, **extra)


def vm(name, on, memory_mb, **extra):
    return dict({"name": name, "host": on, "memory_mb": memory_mb}, **extra)


def tight_cluster(nodes=6, fill=None, capacity=64 * 1024):
    """Seed 000 in small: every node at `fill` (default: one node out leaves the rest 96% full),
    VMs of 2-8 GB."""
    fill = 0.96 * (nodes - 1) / nodes if fill is None else fill
    sizes = [8192, 2048, 6144, 4096]
    hosts, vms = [], []
    for n in range(nodes):
        name = "n%d" % n
        hosts.append(host(name, capacity))
        room, i = fill * capacity, n
        while room >= 2048:
            size = sizes[i % len(sizes)]
            size = size if size <= room else 2048
            vms.append(vm("v%03d" % len(vms), name, size))
            room -= size
            i += 1
    return hosts, vms, [h["name"] for h in hosts]


@st.composite
def clusters(draw, max_hosts=6, max_fill=0.8):
    """Random clusters (no host over capacity), a rolling order over some or all hosts."""
    count = draw(st.integers(2, max_hosts))
    hosts = [host("h%d" % i, draw(st.sampled_from([4096, 6144, 8192])),
                  reserved_memory_mb=draw(st.sampled_from([0, 512]))) for i in range(count)]
    vms = []
    for h in hosts:
        room = (h["memory_mb"] - h["reserved_memory_mb"]) * draw(st.floats(0.0, max_fill))
        for vm_slot in range(draw(st.integers(0, 8))):
            size = draw(st.sampled_from([256, 512, 1024, 1536]))
            if size > room:
                break
            room -= size
            state = draw(st.sampled_from(["on"] * 8 + ["off", "suspended"]))
            vms.append(vm("vm%d" % len(vms), h["name"], size, power_state=state,
                          hold=draw(st.integers(0, 15)) == 0))
    names = [h["name"] for h in hosts]
    order = draw(st.permutations(names))
    order = order[:draw(st.integers(1, len(order)))]
    timing = {"migration_bandwidth_mb_s": draw(st.sampled_from([100.0, 500.0, 1000.0])),
              "max_parallel_per_host": draw(st.integers(1, 3)),
              "update_seconds": draw(st.sampled_from([0.0, 60.0, 600.0])),
              "reboot_seconds": draw(st.sampled_from([0.0, 30.0])),
              "seed": draw(st.integers(0, 1000))}
    return hosts, vms, list(order), timing


def run(hosts, vms, order, **kwargs):
    return simulate(hosts, vms, [], rolling_order=order, **kwargs)


# -- floors and exact timings -------------------------------------------------------------------

def test_floors_on_a_hand_built_case():
    hosts = [host("a", 1000), host("b", 1000), host("c", 1000)]
    vms = [vm("a1", "a", 100), vm("a2", "a", 200, power_state="suspended"), vm("a3", "a", 300, power_state="off"),
           vm("b1", "b", 150), vm("b2", "b", 50, hold=True), vm("c1", "c", 400)]
    result = run(hosts, vms, ["a", "b"], migration_bandwidth_mb_s=10.0, max_parallel_per_host=2,
                 update_seconds={"a": 100.0, "b": 200.0}, reboot_seconds=50.0)
    # running and movable on the ordered hosts: a1, a2 (suspended), b1; not a3 (off), b2 (hold), c1 (not in order)
    assert result["floor_mb"] == 100 + 200 + 150
    assert result["lower_bound_seconds"] == pytest.approx(150.0 + 250.0 + 450.0 / (2 * 10.0))
    # each strategy's own bound: L_a = max(200/10, 300/20) + 150 = 170, L_b = max(150/10, 150/20) + 250 = 265;
    # one host at a time sum L = 435 (>= the top-level 422.5); two out at once (room for both) max L = 265
    own = {"vmfleet_fixed": 265.0, "vmfleet_auto": 265.0}
    for name, item in result["strategies"].items():
        assert item["floor_mb"] == result["floor_mb"]
        assert item["lower_bound_seconds"] == pytest.approx(own.get(name, 435.0)), name
        assert item["vms_not_running"] == 0
        assert item["vms_interrupted"] == 1   # the held VM b2 goes down with its host
        assert item["hosts_updated"] == 2


def test_exact_timeline_of_a_two_host_rollout():
    hosts = [host("a", 100), host("b", 100)]
    vms = [vm("x", "a", 10), vm("y", "b", 20)]
    result = run(hosts, vms, ["a", "b"], migration_bandwidth_mb_s=10.0, update_seconds=100.0,
                 reboot_seconds=0.0, strategies=["vmfleet", "cau_no_failback"])
    for name in ("vmfleet", "cau_no_failback"):
        item = result["strategies"][name]
        # x: a -> b (1 s); a updates (100 s); x and y: b -> a in parallel (2 s); b updates (100 s)
        assert item["makespan_seconds"] == pytest.approx(203.0)
        assert item["migrations"] == 3
        assert item["migrated_mb"] == 40
        assert item["peak_utilization_percent"] == pytest.approx(30.0)
    assert result["floor_mb"] == 30
    assert result["lower_bound_seconds"] == pytest.approx(201.5)


def test_cau_sleep_defaults_to_one_and_a_half_times_the_longest_drain():
    hosts, vms, order = tight_cluster(nodes=4, fill=0.6)
    result = run(hosts, vms, order, strategies=["cau_no_failback", "cau_sleep"])
    longest = result["strategies"]["cau_no_failback"]["max_drain_seconds"]
    assert result["sleep_seconds"] == pytest.approx(1.5 * longest, abs=0.2)
    explicit = run(hosts, vms, order, strategies=["cau_sleep"], sleep_seconds=0)
    assert explicit["sleep_seconds"] == 0


# -- determinism --------------------------------------------------------------------------------

def test_same_seed_same_result():
    hosts, vms, order = tight_cluster()
    assert run(hosts, vms, order, seed=7) == run(hosts, vms, order, seed=7)


def test_same_result_whatever_the_hash_seed():
    script = ("import json; from test_simulation import tight_cluster, run;"
              "h, v, o = tight_cluster(); print(json.dumps(run(h, v, o, seed=3), sort_keys=True))")
    outputs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        outputs.add(subprocess.check_output([sys.executable, "-c", script], env=env, cwd=HERE))
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["strategies"]["vmfleet"]["failed_migrations"] == 0


# -- invariants on random clusters --------------------------------------------------------------

@SETTINGS
@given(clusters())
def test_no_vm_is_lost_whatever_the_strategy(case):
    hosts, vms, order, timing = case
    result = run(hosts, vms, order, **timing)
    for name, item in result["strategies"].items():
        assert item["vms_not_running"] == 0, name
        assert item["makespan_seconds"] >= 0
        assert item["migrated_mb"] >= 0
    for name in ("cau_immediate", "cau_no_failback", "cau_sleep"):
        assert result["strategies"][name]["hosts_updated"] == len(order)


@SETTINGS
@given(clusters(max_fill=0.85))
def test_vmfleet_never_fails_and_never_overfills_when_the_rollout_is_feasible(case):
    hosts, vms, order, timing = case
    item = run(hosts, vms, order, strategies=["vmfleet"], **timing)["strategies"]["vmfleet"]
    assume(item["plan_feasible"])
    assert item["failed_migrations"] == 0, item["failures"]
    assert item["peak_utilization_percent"] <= 100.0 + 1e-9
    assert item["hosts_updated"] == len(order)
    assert item["migrated_mb"] >= item["floor_mb"] - 1
    assert item["makespan_seconds"] >= item["lower_bound_seconds"] - 0.2


@st.composite
def roomy_clusters(draw):
    """Every step N-1 feasible with room: the other hosts' spare memory holds one largest VM each."""
    hosts, vms, order, timing = draw(clusters(max_fill=0.6))
    capacity = dict((h["name"], h["memory_mb"] - h["reserved_memory_mb"]) for h in hosts)
    counted = [v for v in vms if v.get("power_state", "on") != "off"]
    load = sum(v["memory_mb"] for v in counted)
    largest = max([v["memory_mb"] for v in counted] or [0])
    for node in order:
        others = [c for n, c in capacity.items() if n != node]
        assume(sum(others) - load >= len(others) * largest)
    return hosts, vms, order, timing


@SETTINGS
@given(roomy_clusters())
def test_cau_no_failback_never_fails_when_every_step_has_room(case):
    hosts, vms, order, timing = case
    item = run(hosts, vms, order, strategies=["cau_no_failback"], **timing)["strategies"]["cau_no_failback"]
    assert item["failed_migrations"] == 0, item["failures"]
    assert item["cau_would_stop_at"] is None
    assert item["peak_utilization_percent"] <= 100.0 + 1e-9


# -- seed 000 -----------------------------------------------------------------------------------

def test_seed_000_immediate_failback_races_the_next_drain():
    hosts, vms, order = tight_cluster(nodes=6)
    result = run(hosts, vms, order, seed=0)
    immediate = result["strategies"]["cau_immediate"]
    assert immediate["failed_migrations"] > 0
    failure = immediate["failures"][0]
    assert failure["event_id"] == 21502 and failure["kind"] == "failback"
    assert failure["memory_mb"] > failure["free_mb"]
    assert immediate["cau_would_stop_at"] in order[1:]
    assert immediate["vms_not_running"] == 0
    assert result["strategies"]["cau_no_failback"]["failed_migrations"] == 0
    fleet = result["strategies"]["vmfleet"]
    assert fleet["plan_feasible"] and fleet["hosts_updated"] == len(order)
    assert fleet["failed_migrations"] == 0 and fleet["peak_utilization_percent"] <= 100.0
    assert fleet["makespan_seconds"] < immediate["makespan_seconds"]


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"strategies": ["cau_never"]}, "unknown strateg"),
    ({"rolling_order": []}, "rolling_order must list"),
    ({"rolling_order": ["a", "zz"]}, "unknown host"),
    ({"migration_bandwidth_mb_s": 0}, "migration_bandwidth_mb_s"),
    ({"max_parallel_per_host": 0}, "max_parallel_per_host"),
    ({"update_seconds": -1}, "update_seconds"),
    ({"sleep_seconds": -5}, "sleep_seconds"),
])
def test_bad_input_gives_one_clear_error(kwargs, message):
    arguments = {"rolling_order": ["a", "b"]}
    arguments.update(kwargs)
    with pytest.raises(PlacementInputError, match=message):
        simulate([host("a", 1000), host("b", 1000)], [vm("x", "a", 100)], [], **arguments)


def test_every_strategy_is_reported_in_the_order_asked():
    hosts, vms, order = tight_cluster(nodes=3, fill=0.5)
    result = run(hosts, vms, order, strategies=list(reversed(STRATEGIES)))
    assert list(result["strategies"]) == list(reversed(STRATEGIES))
    assert set(result["strategies"]["vmfleet"]) >= {
        "failed_migrations", "failures", "makespan_seconds", "migrations", "migrated_mb",
        "peak_utilization_percent", "vms_not_running", "hosts_updated", "floor_mb", "lower_bound_seconds"}
    assert "cau_would_stop_at" in result["strategies"]["cau_immediate"]
