"""An exact MILP (HiGHS) for a single-host drain: the lowest maximum memory utilization any
placement of the drained VMs can reach, with must rules and capacity exactly as the core reads them.

Model: binary x[v,h] for every VM v the drain moves and every eligible target h (up, not drained,
allowed by the VM's must rules, with room for it); continuous U. Interchangeable VMs (same size and
candidates, no rule tying them to another mover) share one integer count per host instead.
    minimize U
    sum_h x[v,h] = 1                                   each VM placed once
    used_h + sum_v mem_v x[v,h] <= capacity_h          capacity never exceeded
    used_h + sum_v mem_v x[v,h] <= U * capacity_h      U is the highest utilization ...
    U >= used_h / capacity_h for every host            ... including hosts that receive nothing
    must anti-affinity: at most one member per host, counting members already there
    must affinity: moved members together, on the host of unmoved members if any
    must vm_host / vm_anti_host: x = 0 outside / inside the listed hosts
Capacity = (memory_mb - reserved_memory_mb) x ram_allocation_ratio. Should rules are not modelled
(the tight instances have none).
"""

import time

import highspy

TIME_LIMIT = 10.0
EPS = 1e-9
MIP_GAP = 1e-6  # optimal within 0.0001 utilization points


def capacity(host):
    """Memory VMs may use, as the core computes it."""
    return max(0.0, (host["memory_mb"] - host.get("reserved_memory_mb", 0)) * host.get("ram_allocation_ratio", 1.0))


def active(vm):
    return vm.get("power_state", "on") != "off"


def moves(vm):
    """True when a running-scope drain moves the VM (the core's scope rules)."""
    return active(vm) and not vm.get("hold") and vm.get("managed", True) and not vm.get("maintenance")


class DrainModel:
    """The data of one drain: movers, targets, fixed usage and each mover's candidate hosts."""

    def __init__(self, instance):
        self.hosts = dict((h["name"], h) for h in instance["hosts"])
        self.capacity = dict((n, capacity(h)) for n, h in self.hosts.items())
        drained = set(instance["drain_hosts"])
        self.movers = [v for v in instance["vms"] if v["host"] in drained and moves(v)]
        mover_names = set(v["name"] for v in self.movers)
        self.host_of = dict((v["name"], v["host"]) for v in instance["vms"] if v["name"] not in mover_names)
        self.used = dict((n, 0.0) for n in self.hosts)
        self.vcpus = dict((n, 0.0) for n in self.hosts)
        for vm in instance["vms"]:
            if vm["name"] not in mover_names and active(vm):
                self.used[vm["host"]] += vm["memory_mb"]
                self.vcpus[vm["host"]] += vm.get("vcpus", 0)
        self.targets = sorted(n for n, h in self.hosts.items() if h.get("state", "up") == "up" and n not in drained)
        self.floor = max([self.used[n] / c for n, c in self.capacity.items() if c > 0] or [0.0])
        self.rules = [r for r in instance.get("rules", ()) if r.get("strength", "must") == "must"]
        self.allowed = dict((v["name"], self._candidates(v)) for v in self.movers)

    def _candidates(self, vm):
        hosts = [h for h in self.targets if vm["memory_mb"] <= self.capacity[h] - self.used[h] + 1e-6]
        hosts = [h for h in hosts if self._vcpu_fits(vm, h)]
        for rule in self.rules:
            if vm["name"] in rule["vms"]:
                hosts = [h for h in hosts if self._rule_allows(rule, h)]
        return hosts

    def _vcpu_fits(self, vm, host):
        limit = self.hosts[host].get("vcpus", 0) * self.hosts[host].get("cpu_allocation_ratio", 1.0)
        return not limit or not vm.get("vcpus") or self.vcpus[host] + vm["vcpus"] <= limit + EPS

    def _rule_allows(self, rule, host):
        kind = rule["kind"]
        if kind == "vm_host":
            return host in rule["hosts"]
        if kind == "vm_anti_host":
            return host not in rule["hosts"]
        placed = set(self.host_of[n] for n in rule["vms"] if n in self.host_of)
        if kind == "anti_affinity":
            return host not in placed
        if kind == "affinity":
            return not placed or host in placed
        return True

    def moving_members(self, rule):
        return [v["name"] for v in self.movers if v["name"] in rule["vms"]]


def solve(instance, time_limit=TIME_LIMIT):
    """Solve the drain exactly. Returns a dict:
    status: optimal | infeasible | feasible (time limit, not proven) | unknown (time limit, none found)
    utilization: the optimal (or best found) highest utilization as a fraction, else None
    assignment: {vm: target}; proven: optimality or infeasibility proven; seconds.
    """
    start = time.perf_counter()
    data = DrainModel(instance)
    if not data.movers:
        return _result("optimal", data.floor, {}, True, start)
    if any(not data.allowed[v["name"]] for v in data.movers):
        return _result("infeasible", None, {}, True, start)
    highs = highspy.Highs()
    highs.silent()
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("mip_rel_gap", MIP_GAP)
    highs.setOptionValue("mip_abs_gap", MIP_GAP)
    highs.setOptionValue("random_seed", 0)
    x, u = _build(highs, data)
    highs.run()
    return _read(highs, data, x, u, start)


def classes(data):
    """Movers grouped into interchangeable classes: same memory, vCPUs and candidate hosts, and
    no must rule binding them to another mover. One integer count per (class, host) replaces the
    VMs' binaries, which removes the symmetry between identical VMs."""
    bound = set()
    for rule in data.rules:
        members = data.moving_members(rule)
        if rule["kind"] in ("anti_affinity", "affinity") and len(members) > 1:
            bound.update(members)
    groups = {}
    for vm in data.movers:
        key = (vm["name"],)
        if vm["name"] not in bound:
            key = (vm["memory_mb"], vm.get("vcpus", 0), tuple(data.allowed[vm["name"]]))
        groups.setdefault(key, []).append(vm)
    return list(groups.values())


def _build(highs, data):
    groups = classes(data)
    y = {}
    for index, vms in enumerate(groups):
        for host in data.allowed[vms[0]["name"]]:
            y[index, host] = highs.addIntegral(lb=0, ub=len(vms))
    u = highs.addVariable(lb=data.floor, ub=highs.inf)
    for index, vms in enumerate(groups):
        highs.addConstr(sum(y[index, h] for h in data.allowed[vms[0]["name"]]) == len(vms))
    for host in data.targets:
        incoming = [(vms[0], y[i, host]) for i, vms in enumerate(groups) if (i, host) in y]
        if incoming:
            _host_rows(highs, data, host, incoming, u)
    x = dict(((vms[0]["name"], h), var) for (i, h), var in y.items() for vms in [groups[i]] if len(vms) == 1)
    for rule in data.rules:
        _rule_rows(highs, data, rule, x)
    highs.setObjective(u)
    highs.setMinimize()
    return (groups, y), u


def _host_rows(highs, data, host, incoming, u):
    """Capacity and utilization rows of a target; incoming: (a VM of the class, count variable)."""
    cap = data.capacity[host]
    load = sum(vm["memory_mb"] * var for vm, var in incoming)
    highs.addConstr(load <= cap - data.used[host])
    highs.addConstr(sum((vm["memory_mb"] / cap) * var for vm, var in incoming) - u <= -data.used[host] / cap)
    limit = data.hosts[host].get("vcpus", 0) * data.hosts[host].get("cpu_allocation_ratio", 1.0)
    if limit and any(vm.get("vcpus") for vm, _var in incoming):
        highs.addConstr(sum(vm.get("vcpus", 0) * var for vm, var in incoming) <= limit - data.vcpus[host])


def _rule_rows(highs, data, rule, x):
    """Rows of a must anti-affinity or affinity rule over its moving members (each its own class)."""
    members = data.moving_members(rule)
    if len(members) < 2:
        return
    if rule["kind"] == "anti_affinity":
        for host in data.targets:
            present = [x[m, host] for m in members if (m, host) in x]
            if len(present) > 1:
                highs.addConstr(sum(present) <= 1)
    elif rule["kind"] == "affinity":
        first = members[0]
        for other in members[1:]:
            for host in data.targets:
                a, b = x.get((first, host)), x.get((other, host))
                if a is not None and b is not None:
                    highs.addConstr(a - b == 0)
                elif a is not None:
                    highs.addConstr(a <= 0)
                elif b is not None:
                    highs.addConstr(b <= 0)


def _read(highs, data, x, u, start):
    status = highs.getModelStatus()
    info = highs.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return _result("infeasible", None, {}, True, start)
    has_solution = info.primal_solution_status == 2
    if not has_solution:
        return _result("unknown", None, {}, False, start)
    values = highs.allVariableValues()
    groups, y = x
    assignment = {}
    for index, vms in enumerate(groups):
        queue = list(vms)
        for host in data.allowed[vms[0]["name"]]:
            for _copy in range(int(round(values[y[index, host].index]))):
                assignment[queue.pop()["name"]] = host
    proven = status == highspy.HighsModelStatus.kOptimal
    return _result("optimal" if proven else "feasible", _utilization(data, assignment), assignment, proven, start)


def _utilization(data, assignment):
    """Highest utilization of the assignment, recomputed exactly (not the solver's rounded U)."""
    used = dict(data.used)
    memory = dict((v["name"], v["memory_mb"]) for v in data.movers)
    for vm, host in assignment.items():
        used[host] += memory[vm]
    return max([used[n] / c for n, c in data.capacity.items() if c > 0] or [0.0])


def _result(status, utilization, assignment, proven, start):
    return {"status": status, "utilization": utilization, "assignment": assignment, "proven": proven,
            "seconds": time.perf_counter() - start}
