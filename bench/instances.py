"""Deterministic, seeded benchmark instances as the plain dicts `planner.make_plan` takes.

(a) `scale_instance`: large clusters at about 80% memory, a fixed number of VMs a host, mixed VM
    sizes and a few rules of every kind (must anti-affinity, should affinity, must vm_host).
(b) `tight_instance`: small, tight clusters (6-12 hosts, 30-120 VMs) with must rules, and one host
    to drain. Their fill (85-97%) is the load the drain leaves on the remaining up hosts: at 85-97%
    before the drain, N-1 hosts could not hold N hosts' load, and nearly every drain would be
    infeasible by arithmetic alone.
"""

import heapq
import random

GB = 1024
# (size in GB, weight): mostly small and medium VMs, a few large ones
SCALE_SIZES = ((2, 8), (4, 12), (8, 16), (12, 8), (16, 14), (24, 9), (32, 8), (48, 4), (64, 3))
TIGHT_SIZES = ((1, 5), (2, 10), (4, 12), (6, 6), (8, 10), (12, 5), (16, 6), (24, 3), (32, 2))
MAX_VM_SHARE = 0.25  # no tight-instance VM above 25% of the smallest host
SCALE_SIZES_VM_HOSTS = ((100, 5), (1000, 50), (10000, 500), (100000, 2000))


def _host_name(index):
    return "esx%05d" % (index + 1)


def _vm_name(index):
    return "vm%06d" % (index + 1)


def _weighted(rng, table, count):
    values = [v for v, _w in table]
    weights = [w for _v, w in table]
    return rng.choices(values, weights=weights, k=count)


def _balanced(sizes, n_hosts):
    """Largest first to the least-loaded host that still has room for its share of VMs."""
    quota = [len(sizes) // n_hosts + (1 if i < len(sizes) % n_hosts else 0) for i in range(n_hosts)]
    heap = [(0, i) for i in range(n_hosts)]
    host_of = [0] * len(sizes)
    load = [0] * n_hosts
    for vm in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        while True:
            _load, host = heapq.heappop(heap)
            if quota[host]:
                break
        host_of[vm] = host
        load[host] += sizes[vm]
        quota[host] -= 1
        if quota[host]:
            heapq.heappush(heap, (load[host], host))
    return host_of, load


class _Picker:
    """Random VMs of a host, each VM used by at most one rule of a kind."""

    def __init__(self, rng, vm_hosts, n_hosts):
        self.rng = rng
        self.by_host = [[] for _host in range(n_hosts)]
        for vm, host in enumerate(vm_hosts):
            self.by_host[host].append(vm)
        for names in self.by_host:
            rng.shuffle(names)
        self.used = {}

    def take(self, host, kind):
        """A VM of host not yet in a rule of this kind, or None."""
        used = self.used.setdefault(kind, set())
        for vm in self.by_host[host]:
            if vm not in used:
                used.add(vm)
                return vm
        return None


def scale_instance(n_vms, n_hosts, seed=0, fill=None):
    """A cluster of n_vms VMs, all powered on, spread evenly over n_hosts at about `fill` memory.

    fill defaults to 0.80, or 0.75 below 10 hosts: at 80% five hosts hold 100% after one drains.
    Rules, per 100 VMs: two must anti-affinity pairs or triples, one should affinity group of 2-3
    VMs on one host, one must vm_host rule pinning 2-4 VMs to 3-6 hosts.
    """
    if fill is None:
        fill = 0.75 if n_hosts < 10 else 0.80
    rng = random.Random("scale-%d-%d-%d" % (n_vms, n_hosts, seed))
    sizes = [gb * GB for gb in _weighted(rng, SCALE_SIZES, n_vms)]
    host_of, load = _balanced(sizes, n_hosts)
    reserved = 8 * GB
    capacity = max(int(sum(load) / n_hosts / fill), *load)
    hosts = [{"name": _host_name(i), "memory_mb": capacity + reserved, "reserved_memory_mb": reserved}
             for i in range(n_hosts)]
    vms = [{"name": _vm_name(i), "host": _host_name(host_of[i]), "memory_mb": sizes[i], "vcpus": 2}
           for i in range(n_vms)]
    rules = _scale_rules(rng, host_of, n_hosts, max(1, n_vms // 100))
    return {"name": "scale-%d" % n_vms, "hosts": hosts, "vms": vms, "rules": rules,
            "rolling_order": [h["name"] for h in hosts], "drain_hosts": [hosts[0]["name"]]}


def _scale_rules(rng, host_of, n_hosts, per_100):
    picker = _Picker(rng, host_of, n_hosts)
    rules = []
    for i in range(2 * per_100):
        members = [picker.take(h, "scale") for h in rng.sample(range(n_hosts), min(n_hosts, rng.choice((2, 3))))]
        _add_rule(rules, "aa-%d" % i, "anti_affinity", members, "must")
    for i in range(per_100):
        host = rng.randrange(n_hosts)
        members = [picker.take(host, "scale") for _vm in range(rng.choice((2, 3)))]
        _add_rule(rules, "aff-%d" % i, "affinity", members, "should")
    for i in range(per_100):
        group = rng.sample(range(n_hosts), min(n_hosts - 1, rng.randint(3, 6)))
        members = [picker.take(rng.choice(group), "scale") for _vm in range(rng.randint(2, 4))]
        _add_rule(rules, "pin-%d" % i, "vm_host", members, "must", [_host_name(h) for h in group])
    return rules


def _add_rule(rules, name, kind, members, strength, hosts=None):
    members = sorted(set(_vm_name(m) for m in members if m is not None))
    if len(members) < (1 if kind == "vm_host" else 2):
        return
    rule = {"name": name, "kind": kind, "vms": members, "strength": strength}
    if hosts is not None:
        rule["hosts"] = sorted(hosts)
    rules.append(rule)


def tight_instance(index, seed=0):
    """Tight instance number `index`: 6-12 hosts, 30-120 VMs, one host to drain, must rules only."""
    rng = random.Random("tight-%d-%d" % (seed, index))
    n_hosts = rng.randint(6, 12)
    n_vms = rng.randint(max(30, 5 * n_hosts), 120)
    fill = rng.uniform(0.85, 0.97)
    hosts = _tight_hosts(rng, n_hosts)
    drained = rng.randrange(n_hosts)
    caps = [_capacity(h) for h in hosts]
    load = fill * (sum(caps) - caps[drained])
    weights = _clipped([float(gb) for gb in _weighted(rng, TIGHT_SIZES, n_vms)], load, MAX_VM_SHARE * min(caps))
    sizes = [max(256, int(round(w / 256.0)) * 256) for w in weights]
    host_of = _random_fit(rng, sizes, caps)
    vms = [{"name": _vm_name(i), "host": hosts[host_of[i]]["name"], "memory_mb": sizes[i]}
           for i in range(n_vms)]
    rules = _tight_rules(rng, host_of, hosts, drained, n_vms)
    return {"name": "tight-%03d" % index, "hosts": hosts, "vms": vms, "rules": rules,
            "drain_hosts": [hosts[drained]["name"]], "fill": fill}


def _clipped(weights, total, limit):
    """Weights scaled to sum to total, none above limit (the excess spread over the others)."""
    sizes = [w * total / sum(weights) for w in weights]
    for _round in range(20):
        over = [i for i, s in enumerate(sizes) if s > limit]
        if not over:
            break
        excess = sum(sizes[i] - limit for i in over)
        for i in over:
            sizes[i] = limit
        free = [i for i, s in enumerate(sizes) if s < limit]
        room = sum(sizes[i] for i in free)
        for i in free:
            sizes[i] += excess * sizes[i] / room
    return sizes


def tight_instances(count=200, seed=0):
    return [tight_instance(i, seed) for i in range(count)]


def _tight_hosts(rng, n_hosts):
    uniform = rng.random() < 0.5
    model = rng.choice((256, 384, 512))
    hosts = []
    for i in range(n_hosts):
        memory = model if uniform else rng.choice((256, 384, 512))
        host = {"name": _host_name(i), "memory_mb": memory * GB,
                "reserved_memory_mb": rng.choice((0, 2, 4, 8)) * GB}
        if rng.random() < 0.15:
            host["ram_allocation_ratio"] = 1.25
        hosts.append(host)
    return hosts


def _capacity(host):
    return (host["memory_mb"] - host.get("reserved_memory_mb", 0)) * host.get("ram_allocation_ratio", 1.0)


def _random_fit(rng, sizes, caps, tries=20):
    """Largest first, each VM to a random host with room (weighted by free memory); worst fit
    (the most free host) when random tries keep failing."""
    for attempt in range(tries + 1):
        free = list(caps)
        host_of = [0] * len(sizes)
        for vm in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
            room = [h for h in range(len(caps)) if free[h] >= sizes[vm]]
            if not room:
                break
            if attempt < tries:
                host = rng.choices(room, weights=[free[h] for h in room])[0]
            else:
                host = max(room, key=lambda h: (free[h], -h))
            host_of[vm] = host
            free[host] -= sizes[vm]
        else:
            return host_of
    raise ValueError("instance generator could not place every VM")


def _tight_rules(rng, host_of, hosts, drained, n_vms):
    """Must anti-affinity groups, must vm_host pins and must affinity pairs, most touching the
    drained host, all kept by the starting placement."""
    n_hosts = len(hosts)
    picker = _Picker(rng, host_of, n_hosts)
    others = [h for h in range(n_hosts) if h != drained]
    rules = []

    def home():
        return drained if rng.random() < 0.5 else rng.randrange(n_hosts)

    for i in range(rng.randint(1, max(1, n_vms // 20))):
        first = home()
        rest = rng.sample([h for h in range(n_hosts) if h != first], rng.choice((1, 1, 2)))
        _add_rule(rules, "aa-%d" % i, "anti_affinity", [picker.take(h, "aa") for h in [first] + rest], "must")
    for i in range(rng.randint(1, max(1, n_vms // 40))):
        host = home()
        pool = [h for h in others if h != host]
        group = [host] + rng.sample(pool, min(len(pool), rng.randint(3, 5)))
        members = [picker.take(host, "pin") for _vm in range(rng.randint(1, 3))]
        _add_rule(rules, "pin-%d" % i, "vm_host", members, "must", [hosts[h]["name"] for h in group])
    for i in range(rng.randint(1, max(1, n_vms // 40))):
        host = home()
        _add_rule(rules, "aff-%d" % i, "affinity", [picker.take(host, "aff") for _vm in range(2)], "must")
    return rules
