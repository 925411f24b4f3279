# -*- coding: utf-8 -*-
"""Independent checks of a plan against its input: what every plan must satisfy."""

METHODS = ("live", "quick", "move", "storage", "failover")


def usable_mb(host, headroom_percent=0.0):
    cap = (host["memory_mb"] - host.get("reserved_memory_mb", 0)) * host.get("ram_allocation_ratio", 1.0)
    return cap * (1 - headroom_percent / 100.0)


def counts(vm, count_powered_off=False):
    return vm.get("power_state", "on") != "off" or count_powered_off


def initial_usage(hosts, vms, count_powered_off=False):
    used = dict((h["name"], 0.0) for h in hosts)
    for vm in vms:
        if counts(vm, count_powered_off):
            used[vm["host"]] += vm["memory_mb"]
    return used


def replay_violations(hosts, vms, plan, headroom_percent=0.0, max_per_host=2, max_total=0,
                      count_powered_off=False):
    """Replay the plan wave by wave; a list of capacity or parallelism violations."""
    host_by = dict((h["name"], h) for h in hosts)
    vm_by = dict((v["name"], v) for v in vms)
    used = initial_usage(hosts, vms, count_powered_off)
    problems = []
    waves = {}
    for move in plan["moves"]:
        waves.setdefault((move.get("step", 0), move["wave"]), []).append(move)
    for key in sorted(waves):
        batch = waves[key]
        if max_total and len(batch) > max_total:
            problems.append("%s: %d moves in one wave" % (key, len(batch)))
        for side in ("source", "target"):
            per = {}
            for move in batch:
                per[move[side]] = per.get(move[side], 0) + 1
            problems.extend("%s: %d moves at %s %s" % (key, n, side, h) for h, n in per.items() if n > max_per_host)
        for move in batch:
            if counts(vm_by[move["vm"]], count_powered_off):
                used[move["target"]] += vm_by[move["vm"]]["memory_mb"]
        for target in set(m["target"] for m in batch):
            if used[target] > usable_mb(host_by[target], headroom_percent) + 1e-6:
                limit = usable_mb(host_by[target], headroom_percent)
                problems.append("%s: %s at %.0f MB > %.0f MB" % (key, target, used[target], limit))
        for move in batch:
            if counts(vm_by[move["vm"]], count_powered_off):
                used[move["source"]] -= vm_by[move["vm"]]["memory_mb"]
    return problems


def final_locations(vms, plan):
    location = dict((v["name"], v["host"]) for v in vms)
    ordered = sorted(plan["moves"], key=lambda m: (m.get("step", 0), m["wave"]))
    for move in ordered:
        assert location[move["vm"]] == move["source"], "move of %s from a host it is not on" % move["vm"]
        location[move["vm"]] = move["target"]
    return location


def must_rule_violations(rules, location):
    problems = []
    for rule in rules:
        if rule.get("strength", "must") != "must":
            continue
        hosts = [location[n] for n in rule["vms"]]
        kind = rule["kind"]
        if kind == "anti_affinity" and max(hosts.count(h) for h in hosts) > (rule.get("max_per_host") or 1):
            problems.append("anti_affinity %s: %s" % (rule.get("name"), hosts))
        elif kind == "affinity" and len(set(hosts)) > 1:
            problems.append("affinity %s: %s" % (rule.get("name"), hosts))
        elif kind == "vm_host" and any(h not in rule["hosts"] for h in hosts):
            problems.append("vm_host %s: %s" % (rule.get("name"), hosts))
        elif kind == "vm_anti_host" and any(h in rule["hosts"] for h in hosts):
            problems.append("vm_anti_host %s: %s" % (rule.get("name"), hosts))
    return problems


def method_violations(hosts, vms, plan):
    host_by = dict((h["name"], h) for h in hosts)
    vm_by = dict((v["name"], v) for v in vms)
    problems = []
    for move in plan["moves"]:
        vm = vm_by[move["vm"]]
        source, target = host_by[move["source"]], host_by[move["target"]]
        method = move["method"]
        allowed = vm.get("methods") or METHODS
        reach = target.get("storage") is None or all(s in target["storage"] for s in vm.get("storage", []))
        power = vm.get("power_state", "on")
        if method not in allowed:
            problems.append("%s: %s not allowed" % (vm["name"], method))
        if target.get("state", "up") != "up":
            problems.append("%s: target %s is %s" % (vm["name"], target["name"], target.get("state")))
        if source.get("state", "up") == "down" and method != "failover":
            problems.append("%s: %s from a down host" % (vm["name"], method))
        if method == "failover" and source.get("state", "up") != "down":
            problems.append("%s: failover from a host that is up" % vm["name"])
        if method in ("live", "quick", "failover") and not reach:
            problems.append("%s: %s to %s without storage reach" % (vm["name"], method, target["name"]))
        if method == "live" and power != "on":
            problems.append("%s: live migration of a %s VM" % (vm["name"], power))
        if method == "quick" and power == "off":
            problems.append("%s: quick migration of a powered-off VM" % vm["name"])
    return problems
