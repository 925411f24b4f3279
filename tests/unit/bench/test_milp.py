# -*- coding: utf-8 -*-
"""The benchmark's exact MILP against brute force on tiny drains, and the core against the MILP.

Brute force tries every assignment of the drained VMs to the other hosts, so these instances stay
tiny (at most 4 targets and 6 movers). The checker here is written independently of bench/milp.py.
"""

import itertools
import random

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan

pytest.importorskip("highspy")

from bench import milp  # noqa: E402

GB = 1024


def usable(host):
    return (host["memory_mb"] - host.get("reserved_memory_mb", 0)) * host.get("ram_allocation_ratio", 1.0)


def keeps_rules(instance, where):
    for rule in instance["rules"]:
        hosts = [where[name] for name in rule["vms"]]
        if rule["kind"] == "anti_affinity" and len(set(hosts)) != len(hosts):
            return False
        if rule["kind"] == "affinity" and len(set(hosts)) > 1:
            return False
        if rule["kind"] == "vm_host" and any(h not in rule["hosts"] for h in hosts):
            return False
    return True


def max_utilization(instance, where):
    """Highest utilization of a placement, or None when some host is over capacity."""
    used = dict((h["name"], 0.0) for h in instance["hosts"])
    for vm in instance["vms"]:
        used[where[vm["name"]]] += vm["memory_mb"]
    worst = 0.0
    for host in instance["hosts"]:
        if used[host["name"]] > usable(host) + 1e-6:
            return None
        worst = max(worst, used[host["name"]] / usable(host))
    return worst


def brute_force(instance):
    """The lowest highest-utilization over every assignment of the drained VMs, or None."""
    drained = set(instance["drain_hosts"])
    movers = [v["name"] for v in instance["vms"] if v["host"] in drained]
    targets = [h["name"] for h in instance["hosts"] if h["name"] not in drained]
    best = None
    for combo in itertools.product(targets, repeat=len(movers)):
        where = dict((v["name"], v["host"]) for v in instance["vms"])
        where.update(zip(movers, combo))
        if not keeps_rules(instance, where):
            continue
        value = max_utilization(instance, where)
        if value is not None and (best is None or value < best):
            best = value
    return best


def core_utilization(instance):
    """The core's highest utilization after its drain, or None when it finds the drain infeasible."""
    plan = make_plan(instance["hosts"], instance["vms"], instance["rules"], drain_hosts=instance["drain_hosts"])
    if not plan["feasible"]:
        return None
    where = dict((v["name"], v["host"]) for v in instance["vms"])
    where.update((m["vm"], m["target"]) for m in plan["moves"])
    assert keeps_rules(instance, where), "core plan breaks a must rule"
    value = max_utilization(instance, where)
    assert value is not None, "core plan exceeds a capacity"
    return value


def instance(hosts, vms, rules=(), drained="h1"):
    return {"hosts": [dict({"name": n, "memory_mb": m}, **extra) for n, m, extra in hosts],
            "vms": [{"name": n, "host": h, "memory_mb": m} for n, h, m in vms],
            "rules": [dict(r, strength="must") for r in rules], "drain_hosts": [drained]}


HAND_BUILT = {
    "balance": instance([("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {})],
                        [("a", "h1", 300), ("b", "h1", 300), ("c", "h1", 200), ("d", "h2", 500), ("e", "h3", 300)]),
    "anti_affinity": instance(
        [("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {}), ("h4", 1000, {})],
        [("a", "h1", 300), ("b", "h1", 300), ("c", "h2", 100), ("d", "h3", 600), ("e", "h4", 200)],
        [{"kind": "anti_affinity", "vms": ["a", "b", "c"]}]),
    "affinity_pinned": instance(
        [("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {}), ("h4", 1000, {})],
        [("a", "h1", 200), ("b", "h1", 200), ("c", "h1", 300), ("d", "h2", 100), ("e", "h3", 700), ("f", "h4", 50)],
        [{"kind": "affinity", "vms": ["a", "b"]}, {"kind": "vm_host", "vms": ["a"], "hosts": ["h1", "h2", "h3"]}]),
    "affinity_follows_unmoved": instance(
        [("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {})],
        [("a", "h1", 200), ("b", "h1", 200), ("c", "h3", 100)],
        [{"kind": "affinity", "vms": ["a", "c"]}]),
    "reserved_and_ratio": instance(
        [("h1", 1000, {}), ("h2", 1000, {"reserved_memory_mb": 400}), ("h3", 800, {"ram_allocation_ratio": 1.5})],
        [("a", "h1", 350), ("b", "h1", 250), ("c", "h1", 150), ("d", "h2", 300), ("e", "h3", 600)]),
    "infeasible_anti_affinity": instance(
        [("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {})],
        [("a", "h1", 100), ("b", "h1", 100), ("c", "h1", 100)],
        [{"kind": "anti_affinity", "vms": ["a", "b"]}, {"kind": "anti_affinity", "vms": ["b", "c"]},
         {"kind": "anti_affinity", "vms": ["a", "c"]}]),
    "infeasible_memory": instance(
        [("h1", 1000, {}), ("h2", 1000, {}), ("h3", 1000, {})],
        [("a", "h1", 400), ("b", "h1", 400), ("c", "h1", 400), ("d", "h2", 700), ("e", "h3", 700)]),
}


def random_instance(seed):
    """A tiny seeded drain with identical VMs (to exercise the MILP's classes) and must rules."""
    rng = random.Random(seed)
    names = ["h%d" % i for i in range(1, rng.randint(3, 5) + 1)]
    hosts = [(n, rng.choice((64, 96, 128)) * GB, {"reserved_memory_mb": rng.choice((0, 4 * GB))}) for n in names]
    vms = []
    for index in range(rng.randint(6, 12)):
        host = "h1" if index < rng.randint(2, 6) else rng.choice(names[1:])
        vms.append(("vm%02d" % index, host, rng.choice((8, 8, 16, 16, 24)) * GB))
    base = instance(hosts, vms)
    free = dict((h["name"], usable(h)) for h in base["hosts"])
    for vm in base["vms"]:
        free[vm["host"]] -= vm["memory_mb"]
    while min(free.values()) < 0:  # keep the starting placement valid: shrink the biggest VM of the host
        host = min(free, key=free.get)
        vm = max((v for v in base["vms"] if v["host"] == host), key=lambda v: v["memory_mb"])
        vm["memory_mb"] -= 8 * GB
        free[host] += 8 * GB
    base["vms"] = [v for v in base["vms"] if v["memory_mb"] > 0]
    movers = [v["name"] for v in base["vms"] if v["host"] == "h1"][:6]
    base["vms"] = [v for v in base["vms"] if v["host"] != "h1" or v["name"] in movers]
    rules = []
    others = [v for v in base["vms"] if v["host"] != "h1"]
    if len(movers) >= 2 and others and rng.random() < 0.6:
        rules.append({"kind": "anti_affinity", "vms": [movers[0], rng.choice(others)["name"]], "strength": "must"})
    if len(movers) >= 3 and rng.random() < 0.5:
        rules.append({"kind": "affinity", "vms": movers[1:3], "strength": "must"})
    if movers and rng.random() < 0.5:
        rules.append({"kind": "vm_host", "vms": [movers[-1]], "hosts": ["h1"] + rng.sample(names[1:], 2),
                      "strength": "must"})
    base["rules"] = rules
    return base


CASES = sorted(HAND_BUILT.items()) + [("random-%d" % s, random_instance(s)) for s in range(25)]


@pytest.mark.parametrize("name,case", CASES, ids=[c[0] for c in CASES])
def test_milp_optimum_matches_brute_force(name, case):
    exact = milp.solve(case, time_limit=30)
    expected = brute_force(case)
    assert exact["proven"]
    if expected is None:
        assert exact["status"] == "infeasible"
        return
    assert exact["status"] == "optimal"
    assert exact["utilization"] == pytest.approx(expected, abs=1e-6)
    where = dict((v["name"], v["host"]) for v in case["vms"])
    where.update(exact["assignment"])
    assert keeps_rules(case, where)
    assert max_utilization(case, where) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("name,case", CASES, ids=[c[0] for c in CASES])
def test_core_never_beats_the_milp_optimum(name, case):
    exact = milp.solve(case, time_limit=30)
    core = core_utilization(case)
    if exact["status"] == "infeasible":
        assert core is None
    elif core is not None:
        assert core >= exact["utilization"] - 1e-9


def test_hand_built_optima():
    assert milp.solve(HAND_BUILT["balance"])["utilization"] == pytest.approx(0.8)
    assert milp.solve(HAND_BUILT["affinity_follows_unmoved"])["assignment"] == {"a": "h3", "b": "h2"}
    assert milp.solve(HAND_BUILT["infeasible_anti_affinity"])["status"] == "infeasible"
