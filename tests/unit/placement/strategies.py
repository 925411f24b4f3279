# -*- coding: utf-8 -*-
"""Hypothesis strategies: random clusters whose rules hold before the plan starts."""

from hypothesis import strategies as st

METHODS = ["live", "quick", "move", "storage", "failover"]


@st.composite
def clusters(draw, max_hosts=7, max_vms=30, with_rules=True, allow_down=True):
    host_count = draw(st.integers(2, max_hosts))
    datastores = ["ds1", "ds2", "local"]
    hosts = []
    for i in range(host_count):
        host = {"name": "h%d" % i, "memory_mb": draw(st.sampled_from([16384, 32768, 65536])),
                "reserved_memory_mb": draw(st.sampled_from([0, 1024, 2048]))}
        if draw(st.booleans()):
            host["storage"] = draw(st.lists(st.sampled_from(datastores), unique=True, max_size=3))
        state = draw(st.sampled_from(["up"] * 6 + (["down", "maintenance"] if allow_down else [])))
        host["state"] = state
        if draw(st.integers(0, 9)) == 0:
            host["emergency"] = True
        hosts.append(host)
    vms = []
    for i in range(draw(st.integers(0, max_vms))):
        vm = {"name": "vm%d" % i, "host": draw(st.sampled_from(hosts))["name"],
              "memory_mb": draw(st.sampled_from([512, 1024, 2048, 4096, 8192])),
              "power_state": draw(st.sampled_from(["on"] * 6 + ["off", "suspended"]))}
        if draw(st.integers(0, 3)) == 0:
            vm["storage"] = draw(st.lists(st.sampled_from(datastores), unique=True, max_size=2))
        if draw(st.integers(0, 3)) == 0:
            vm["methods"] = draw(st.lists(st.sampled_from(METHODS), unique=True, min_size=1))
        flag = draw(st.integers(0, 19))
        if flag == 0:
            vm["hold"] = True
        elif flag == 1:
            vm["managed"] = False
        elif flag == 2:
            vm["maintenance"] = True
        vm["priority"] = draw(st.integers(0, 3))
        vms.append(vm)
    rules = draw(_rules(hosts, vms)) if with_rules and vms else []
    return hosts, vms, rules


@st.composite
def _rules(draw, hosts, vms):
    """Rules that the initial placement already satisfies."""
    rules = []
    by_host = {}
    for vm in vms:
        by_host.setdefault(vm["host"], []).append(vm["name"])
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["anti_affinity", "affinity", "vm_host", "vm_anti_host"]))
        strength = draw(st.sampled_from(["must", "must", "should"]))
        if kind == "anti_affinity":
            picks = {}
            for vm in draw(st.permutations(vms)):
                picks.setdefault(vm["host"], vm["name"])
            members = list(picks.values())[:draw(st.integers(2, 4))]
            if len(members) < 2:
                continue
            rule = {"name": "aa%d" % i, "kind": kind, "vms": members, "strength": strength}
            if draw(st.booleans()):  # nova's max_server_per_host; the members sit on distinct hosts already
                rule["max_per_host"] = draw(st.integers(1, 3))
            rules.append(rule)
        elif kind == "affinity":
            host = draw(st.sampled_from(sorted(by_host)))
            members = by_host[host][:draw(st.integers(2, 3))]
            if len(members) < 2:
                continue
            rules.append({"name": "af%d" % i, "kind": kind, "vms": members, "strength": strength})
        else:
            vm = draw(st.sampled_from(vms))
            names = [h["name"] for h in hosts]
            if kind == "vm_host":
                allowed = sorted(set([vm["host"]] + draw(st.lists(st.sampled_from(names), max_size=3))))
                rules.append({"name": "vh%d" % i, "kind": kind, "vms": [vm["name"]], "hosts": allowed,
                              "strength": strength})
            else:
                banned = [n for n in draw(st.lists(st.sampled_from(names), max_size=2)) if n != vm["host"]]
                if banned:
                    rules.append({"name": "vx%d" % i, "kind": kind, "vms": [vm["name"]],
                                  "hosts": sorted(set(banned)), "strength": strength})
    # a VM may be in at most one affinity rule with distinct anchors; drop overlapping ones
    seen = set()
    kept = []
    for rule in rules:
        if rule["kind"] == "affinity":
            if seen.intersection(rule["vms"]):
                continue
            seen.update(rule["vms"])
        kept.append(rule)
    return kept
