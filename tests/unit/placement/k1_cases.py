# -*- coding: utf-8 -*-
"""Seeded clusters whose one-host-at-a-time plans are pinned in data/k1_plans.json.

The file was written by the planner as it was before N-k rollouts and the downtime policy
(`python tests/unit/placement/k1_cases.py` from that commit; `PYTHONPATH=build/collections` before it now): per case the moves, readable, and a
digest of the whole plan. test_rollout_groups checks that the default options (max_hosts_down=1,
allow_downtime=true) still give exactly those plans, once the keys added since are taken out.
"""

import hashlib
import json
import os
import random

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "k1_plans.json")
METHODS = ["live", "quick", "move", "storage", "failover"]
SEEDS = range(40)


def cluster(seed):
    """A small cluster (up, down and maintenance hosts), its VMs and rules; and a rolling order
    over its hosts that are not in maintenance."""
    rng = random.Random(seed)
    hosts = []
    for i in range(rng.randint(3, 6)):
        host = {"name": "h%d" % i, "memory_mb": rng.choice([16384, 32768, 65536]),
                "reserved_memory_mb": rng.choice([0, 2048]),
                "state": rng.choice(["up"] * 8 + ["down", "maintenance"])}
        if rng.random() < 0.3:
            host["storage"] = rng.sample(["ds1", "ds2", "local"], rng.randint(0, 2))
        if rng.random() < 0.1:
            host["emergency"] = True
        hosts.append(host)
    vms = []
    for i in range(rng.randint(0, 18)):
        vm = {"name": "vm%d" % i, "host": rng.choice(hosts)["name"],
              "memory_mb": rng.choice([1024, 2048, 4096, 8192, 12288]),
              "power_state": rng.choice(["on"] * 6 + ["off", "suspended"]), "priority": rng.randint(0, 2)}
        if rng.random() < 0.25:
            vm["methods"] = rng.sample(METHODS, rng.randint(1, 3))
        if rng.random() < 0.2:
            vm["storage"] = rng.sample(["ds1", "ds2"], 1)
        vms.append(vm)
    return hosts, vms, _rules(rng, hosts, vms), _order(rng, hosts)


def _rules(rng, hosts, vms):
    rules = []
    if len(vms) >= 2 and rng.random() < 0.5:
        by_host = {}
        for vm in vms:
            by_host.setdefault(vm["host"], vm["name"])
        if len(by_host) >= 2:
            rules.append({"name": "apart", "kind": "anti_affinity", "vms": sorted(by_host.values())[:3],
                          "strength": rng.choice(["must", "should"])})
    if vms and rng.random() < 0.3:
        vm = rng.choice(vms)
        rules.append({"name": "pinned", "kind": "vm_host", "vms": [vm["name"]],
                      "hosts": sorted(set([vm["host"], rng.choice(hosts)["name"]]))})
    if len(vms) >= 3 and rng.random() < 0.3:
        rules.append({"name": "quorum", "kind": "disruption_budget", "vms": [v["name"] for v in vms[:3]],
                      "max_unavailable": 1})
    return rules


def _order(rng, hosts):
    order = [h["name"] for h in hosts if h["state"] != "maintenance"]
    rng.shuffle(order)
    return order


def plans(seed):
    """name -> make_plan keyword arguments for the seed's cluster: the whole rollout, one drain
    inside it (the rest proven), and a plain drain."""
    hosts, vms, rules, order = cluster(seed)
    base = {"hosts": hosts, "vms": vms, "rules": rules}
    cases = {"rollout": dict(base, rolling_order=order)}
    if order:
        middle = order[len(order) // 2]
        cases["drain_in_order"] = dict(base, rolling_order=order, drain_hosts=[middle])
        cases["drain"] = dict(base, drain_hosts=[order[0]], scope="all")
    return cases


def pinned(plan):
    """What the file keeps of a plan: its moves, one readable line each, and a digest of all of it."""
    line = "%s %s>%s %s wave %s step %s"
    moves = [line % (m["vm"], m["source"], m["target"], m["method"], m["wave"], m.get("step")) for m in plan["moves"]]
    text = json.dumps(plan, sort_keys=True, separators=(",", ":"))
    return {"moves": moves, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def write_golden(make_plan):
    """Write every case's pinned plan (for regenerating the file)."""
    out = {}
    for seed in SEEDS:
        for name, kwargs in sorted(plans(seed).items()):
            out["%d/%s" % (seed, name)] = pinned(make_plan(**kwargs))
    with open(GOLDEN, "w") as handle:
        json.dump(out, handle, sort_keys=True, indent=0)


if __name__ == "__main__":  # PYTHONPATH=build/collections python tests/unit/placement/k1_cases.py
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan as _make_plan
    write_golden(_make_plan)
