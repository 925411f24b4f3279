# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What-if of a rolling update: a deterministic discrete-event simulation of each strategy.

`simulate(hosts, vms, rules, rolling_order, ...)` takes the core's plain dicts and compares
Cluster-Aware Updating's failback modes with our planned rollout:

- `cau_immediate`: drain by most free memory, immediate blind failback racing the next drain.
- `cau_no_failback`: FailbackMode NoFailback.
- `cau_sleep`: immediate failback plus a wait before each next drain (default 1.5 x the longest
  drain measured in a no-failback pass, as Microsoft's support advises).
- `vmfleet`: the core's whole-rollout plan (`make_plan(..., rolling_order=...)`), one host at a
  time, executed under continuous capacity; no migration ever fails.
- `vmfleet_fixed`: the same with `max_hosts_down` hosts out of service per step (groups of k along
  the rolling order); `vmfleet_auto`: with max_hosts_down "auto", each step the largest group (at most
  `max_hosts_down_cap` hosts) the plan proves. Every host of a step is drained at once; the step's
  hosts update together once all are empty; the next step starts when all are back.

Each migration takes memory_mb / migration_bandwidth_mb_s seconds; at most
`max_parallel_per_host` migrations leave, and at most that many enter, one host at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import random

from ..model import PlacementInputError, build_cluster
from ..planner import make_plan
from ..scope import classify
from .cau import CauRollout
from .fleet import Fleet
from .vmfleet import PlannedRollout

STRATEGIES = ("cau_immediate", "cau_no_failback", "cau_sleep", "vmfleet", "vmfleet_fixed", "vmfleet_auto")
PLANNED = ("vmfleet", "vmfleet_fixed", "vmfleet_auto")
SLEEP_FACTOR = 1.5


def simulate(hosts, vms, rules=(), rolling_order=(), migration_bandwidth_mb_s=1000.0,
             max_parallel_per_host=2, update_seconds=1200.0, reboot_seconds=300.0, seed=0,
             sleep_seconds=None, strategies=STRATEGIES, headroom_percent=0, count_powered_off=False,
             max_hosts_down=2, max_hosts_down_cap=4):
    """Simulate the rollout under each strategy; raises PlacementInputError on bad input.

    update_seconds / reboot_seconds: one number, or a dict host -> seconds.
    headroom_percent / count_powered_off: passed to the core's plan (and memory accounting).
    max_hosts_down: hosts out of service per step of vmfleet_fixed; max_hosts_down_cap: the most
    vmfleet_auto takes out at once.
    Returns {"strategies": {name: result}, "floor_mb", "lower_bound_seconds", "sleep_seconds",
    "rolling_order", "seed"}; each result has failed_migrations, failures (21502-like records),
    makespan_seconds, migrations, migrated_mb, peak_utilization_percent, vms_not_running,
    vms_interrupted, hosts_updated, max_drain_seconds, steps, largest_step, groups, floor_mb,
    lower_bound_seconds (its own, see `rollout_lower_bound_seconds`), and cau_would_stop_at (CAU
    strategies) or plan_feasible / stopped_at (vmfleet strategies). The top-level
    lower_bound_seconds is the one-at-a-time bound of `lower_bound_seconds`.
    """
    cluster = build_cluster(hosts, vms, rules)
    order = checked_order(cluster, rolling_order)
    strategies = checked_strategies(strategies)
    bandwidth, parallel = checked_rates(migration_bandwidth_mb_s, max_parallel_per_host)
    fixed = checked_whole_number("max_hosts_down", max_hosts_down)
    cap = checked_whole_number("max_hosts_down_cap", max_hosts_down_cap)
    timing = host_timing(cluster, update_seconds, reboot_seconds)
    movers = movable_vms(cluster, order)
    floor = floor_mb(cluster, movers)
    bound = lower_bound_seconds(order, timing, floor, parallel, bandwidth)
    spans = out_of_service_seconds(cluster, order, timing, movers, parallel, bandwidth)
    room = capacity_hosts_down(cluster, order, movers, headroom_percent)
    hosts_down = {"vmfleet": 1, "vmfleet_fixed": fixed, "vmfleet_auto": cap}
    plan_hosts_down = {"vmfleet": 1, "vmfleet_fixed": fixed, "vmfleet_auto": "auto"}
    context = {"cluster": cluster, "order": order, "timing": timing, "movers": movers,
               "bandwidth": bandwidth, "parallel": parallel, "seed": seed,
               "count_powered_off": count_powered_off}
    sleep = None
    if "cau_sleep" in strategies:
        sleep = checked_sleep(sleep_seconds) if sleep_seconds is not None else measured_sleep(context)
    results = {}
    for name in strategies:
        if name in PLANNED:
            plan = make_plan(hosts, vms, rules, rolling_order=order, headroom_percent=headroom_percent,
                             max_parallel_per_host=parallel, count_powered_off=count_powered_off,
                             max_hosts_down=plan_hosts_down[name], max_hosts_down_cap=cap)
            result = run_planned(context, plan)
        else:
            result = run_cau(context, failback=name != "cau_no_failback",
                             sleep_seconds=sleep if name == "cau_sleep" else 0.0)
        result["floor_mb"] = floor
        result["lower_bound_seconds"] = rollout_lower_bound_seconds(
            spans, max(1, min(hosts_down.get(name, 1), room)))
        results[name] = result
    return {"strategies": results, "floor_mb": floor, "lower_bound_seconds": bound,
            "sleep_seconds": None if sleep is None else round(sleep, 1),
            "rolling_order": list(order), "seed": seed}


def run_cau(context, failback, sleep_seconds):
    """One CAU run (fresh fleet, RNG seeded with the simulation seed); its result dict."""
    return cau_rollout(context, failback, sleep_seconds).summary(running_vms(context["cluster"]))


def cau_rollout(context, failback, sleep_seconds):
    """The finished CauRollout for one failback mode."""
    rollout = CauRollout(new_fleet(context), context["order"], context["timing"], context["movers"],
                         random.Random(context["seed"]), failback, sleep_seconds)
    return rollout.run()


def run_planned(context, plan):
    """The core's plan executed event by event; its result dict."""
    rollout = PlannedRollout(new_fleet(context), context["order"], context["timing"], context["movers"], plan)
    return rollout.run().summary(running_vms(context["cluster"]))


def measured_sleep(context):
    """Microsoft's advice for the wait: 1.5 x the drain time of the busiest node, measured without failback."""
    rollout = cau_rollout(context, failback=False, sleep_seconds=0.0)
    return SLEEP_FACTOR * max(rollout.drain_seconds.values() or [0.0])


def new_fleet(context):
    return Fleet(context["cluster"], context["bandwidth"], context["parallel"], context["count_powered_off"])


def running_vms(cluster):
    """Names of the VMs running (powered on or suspended, on a host not down) at the start."""
    return [v.name for v in cluster.vms.values() if v.active and cluster.hosts[v.host].state != "down"]


def movable_vms(cluster, order):
    """Names of the VMs a drain of the ordered hosts moves (scope running: on, suspended, managed,
    not held, not in maintenance, not busy)."""
    names = set()
    for host in order:
        names.update(v.name for v in classify(cluster.vms_on(host), "running").movers)
    return names


def floor_mb(cluster, movers):
    """Memory of every VM that must leave a host at least once (running VMs of the ordered hosts)."""
    return int(round(sum(cluster.vms[n].memory_mb for n in movers)))


def lower_bound_seconds(order, timing, floor, parallel, bandwidth):
    """Every host's update and reboot one after another, plus moving the floor at full parallelism."""
    serial = sum(timing[h][0] + timing[h][1] for h in order)
    return round(serial + floor / (parallel * bandwidth), 1)


def out_of_service_seconds(cluster, order, timing, movers, parallel, bandwidth):
    """Host -> the least time L_h it can be out of service: from the start of its drain (every platform
    puts the host in maintenance, pauses or disables it first) to its return. Its running VMs leave
    through at most `parallel` outgoing migrations, each at `bandwidth`, so the drain takes at least
    d_h = max(largest mover / bandwidth, sum of movers / (parallel x bandwidth)); then update + reboot."""
    spans = {}
    for host in order:
        sizes = [cluster.vms[n].memory_mb for n in movers if cluster.vms[n].host == host]
        drain = max(max(sizes or [0.0]) / bandwidth, sum(sizes) / (parallel * bandwidth))
        spans[host] = drain + timing[host][0] + timing[host][1]
    return spans


def capacity_hosts_down(cluster, order, movers, headroom_percent=0):
    """K_capacity: the most ordered hosts that can be out of service together and still leave room for
    every VM that must keep running (the movers of the ordered hosts and the running VMs of up hosts
    outside the order) on the up hosts left: their usable capacity, headroom applied, minus the k
    smallest ordered hosts. A host already fuller than that counts with what it holds (the plan never
    fills it further, nor empties it before its own step)."""
    ordered = set(order)
    keep = 1.0 - float(headroom_percent or 0) / 100.0
    load = dict((n, 0.0) for n in cluster.hosts)
    for vm in cluster.vms.values():
        if vm.active:
            load[vm.host] += vm.memory_mb
    up = [n for n, h in cluster.hosts.items() if h.state == "up"]
    capacity = dict((n, max(cluster.hosts[n].memory_capacity_mb * keep, load[n])) for n in up)
    demand = sum(cluster.vms[n].memory_mb for n in movers)
    demand += sum(v.memory_mb for v in cluster.vms.values()
                  if v.active and v.host not in ordered and v.host in capacity)
    left = sum(capacity.values())
    out = 0
    for size in sorted(capacity[h] for h in order):
        left -= size
        if left + 1e-6 < demand:
            break
        out += 1
    return out


def rollout_lower_bound_seconds(spans, hosts_down):
    """The least makespan of a rollout with at most hosts_down (K) hosts out of service at once, for a
    run in which every mover leaves its host: its N out-of-service intervals, each at least L_h
    (`out_of_service_seconds`), overlap at most K at a time, so
    makespan >= max(max L_h, sum L_h / K, sum of the ceil(N/K) smallest L_h): the intervals split into
    at most K chains of intervals that do not overlap (an interval graph of clique K is K-colourable),
    and one chain holds at least ceil(N/K) of them. With K = 1 it is sum L_h, one host after another.
    The caller passes K = min(the strategy's k or cap, K_capacity of `capacity_hosts_down`), at least 1."""
    lengths = sorted(spans.values())
    if not lengths:
        return 0.0
    chain = int(math.ceil(len(lengths) / float(hosts_down)))
    return round(max(lengths[-1], sum(lengths) / hosts_down, sum(lengths[:chain])), 1)


def host_timing(cluster, update_seconds, reboot_seconds):
    """Host -> (update, reboot) seconds, from numbers or per-host dicts."""
    timing = {}
    for name in cluster.hosts:
        timing[name] = (_seconds(update_seconds, name, "update_seconds"),
                        _seconds(reboot_seconds, name, "reboot_seconds"))
    return timing


def _seconds(value, host, label):
    if isinstance(value, dict):
        value = value.get(host, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PlacementInputError("%s must be a number >= 0 (or a dict host -> number), got %r"
                                  % (label, value))
    return float(value)


def checked_order(cluster, rolling_order):
    """The rolling order, validated: known, distinct, up hosts."""
    order = list(rolling_order or ())
    if not order:
        raise PlacementInputError("rolling_order must list the hosts to update, in order")
    unknown = [h for h in order if h not in cluster.hosts]
    if unknown:
        raise PlacementInputError("rolling_order names unknown host(s): %s" % ", ".join(unknown))
    if len(set(order)) != len(order):
        raise PlacementInputError("rolling_order lists a host twice")
    not_up = [h for h in order if cluster.hosts[h].state != "up"]
    if not_up:
        raise PlacementInputError("rolling_order host(s) not up: %s; the simulation rolls through up hosts"
                                  % ", ".join(not_up))
    return order


def checked_strategies(strategies):
    """The strategies, validated, in the order given."""
    names = [strategies] if isinstance(strategies, str) else list(strategies or STRATEGIES)
    unknown = [s for s in names if s not in STRATEGIES]
    if unknown:
        raise PlacementInputError("unknown strateg(ies) %s; choose from %s"
                                  % (", ".join(map(str, unknown)), ", ".join(STRATEGIES)))
    return list(dict.fromkeys(names))


def checked_rates(bandwidth, parallel):
    """(bandwidth MB/s > 0, migrations per host >= 1)."""
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or bandwidth <= 0:
        raise PlacementInputError("migration_bandwidth_mb_s must be > 0, got %r" % (bandwidth,))
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise PlacementInputError("max_parallel_per_host must be an integer >= 1, got %r" % (parallel,))
    return float(bandwidth), parallel


def checked_whole_number(label, value):
    """An integer >= 1 (max_hosts_down, max_hosts_down_cap)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PlacementInputError("%s must be an integer >= 1, got %r" % (label, value))
    return value


def checked_sleep(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PlacementInputError("sleep_seconds must be >= 0, got %r" % (value,))
    return float(value)
