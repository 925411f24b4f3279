# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failback: bring VMs home to a host that is back, only where capacity allows.

Unlike CAU's blind failback (every VM home at once, memory or not), a VM returns only if its home
has room at the moment its wave starts, no must-rule breaks, and the next host of the rolling
order can still be drained after it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .drain import Drainer, StepResult
from .filters import Evaluation, evaluate
from .groups import is_auto
from .model import Cluster
from .plan_output import describe_unplaced, render
from .state import ClusterState
from .targets import rolling_tiers
from .units import Unit
from .waves import Move, schedule


def plan_failback(cluster, returned, options):
    """Plan the VMs whose home is a returned host back to it, in waves, where capacity allows."""
    state = ClusterState(cluster, options)
    before = state.hosts_report()
    skipped = []
    accepted = []
    for vm in _candidates(cluster, state, returned, options):
        source = state.location[vm.name]
        unit = Unit(state, [vm], {vm.name: source})
        state.lift(vm.name)
        outcome = evaluate(state, unit, vm.home)
        if isinstance(outcome, Evaluation) and not outcome.should_violations:
            state.drop(vm.name, vm.home)
            accepted.append((vm, source, outcome.methods[vm.name]))
        else:
            state.drop(vm.name, source)
            code, detail = outcome if not isinstance(outcome, Evaluation) else (
                "affinity", "%s: returning would break a should-rule" % vm.home)
            skipped.append({"vm": vm.name, "host": source, "reason": code, "detail": detail})
    next_hosts = _next_to_drain(options.rolling_order, returned, options.max_hosts_down)
    while next_hosts and accepted:
        blocked = _drain_blocked(cluster, state, options, next_hosts)
        if not blocked:
            break
        vm, source, _method = accepted.pop()
        state.move(vm.name, source)
        skipped.append({"vm": vm.name, "host": source, "reason": "reserved_for_drain",
                        "detail": "stays so that %s can still be drained next (%s)"
                        % (", ".join(next_hosts), describe_unplaced(blocked))})
    moves = [Move(vm.name, source, vm.home, method, vm.memory_mb if state.counts(vm) else 0,
                  vm.vcpus if state.counts(vm) else 0, vm.priority,
                  power_state=vm.power_state, source_down=cluster.hosts[source].state == "down")
             for vm, source, method in accepted]
    start = ClusterState(cluster, options)
    stuck = schedule(moves, start.memory_used, start.vcpus_used, state.memory_capacity,
                     lambda h: cluster.hosts[h].vcpu_capacity,
                     dict((v.name, v.depends_on) for v in cluster.vms.values()), [],
                     options.max_parallel_per_host, options.max_parallel_total)
    for move, (code, detail) in stuck:
        state.move(move.vm, move.source)
        skipped.append({"vm": move.vm, "host": move.source, "reason": code, "detail": detail})
    stuck_names = set(m.vm for m, _r in stuck)
    step = StepResult(returned)
    step.moves = sorted((m for m in moves if m.vm not in stuck_names), key=lambda m: (m.wave, m.source, m.vm))
    step.skipped = sorted(skipped, key=lambda s: s["vm"])
    return render([step], state, "failback", returned, before)


def _candidates(cluster, state, returned, options):
    back = set(returned)
    chosen = []
    for vm in cluster.vms.values():
        if vm.home not in back or state.location[vm.name] == vm.home:
            continue
        if vm.hold or not vm.managed or vm.maintenance or vm.busy:
            continue
        if options.scope == "running" and not vm.active:
            continue
        if cluster.hosts[state.location[vm.name]].state == "down":
            continue
        chosen.append(vm)
    chosen.sort(key=lambda v: (-v.priority, -v.memory_mb, v.name))
    return chosen


def _next_to_drain(order, returned, max_hosts_down):
    """The hosts the rollout drains together next: up to max_hosts_down after the returned ones (with auto,
    the next one: auto can always take it out alone)."""
    positions = [order.index(h) for h in returned if h in order]
    if not positions:
        return []
    start = max(positions) + 1
    return list(order[start:start + (1 if is_auto(max_hosts_down) else max_hosts_down)])


def _drain_blocked(cluster, state, options, hosts):
    """The unplaced list if the hosts could not be drained together from this state, else an empty list."""
    vms = [vm.relocated(state.location[vm.name]) for vm in cluster.vms.values()]
    moved = Cluster(list(cluster.hosts.values()), vms, cluster.rules)
    order = list(options.rolling_order)
    drainer = Drainer(moved, options, rolling_tiers(order, order.index(hosts[-1])))
    return drainer.drain(hosts).unplaced
