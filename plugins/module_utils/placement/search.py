# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded exact search for small drains: finds placements the greedy pass misses and lowers
the highest utilization (binary search on a utilization ceiling, depth-first packing under it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .filters import Evaluation, evaluate

NODE_BUDGET = 20000
TOTAL_BUDGET = 40000
SEARCH_STEPS = 12


class Limits:
    """Bounds a search result must respect to be no worse than what we already have."""

    def __init__(self, ceiling, max_should, max_method, max_emergency):
        """max_emergency: MB the result may put on reserve hosts."""
        self.ceiling = ceiling
        self.max_should = max_should
        self.max_method = max_method
        self.max_emergency = max_emergency


def method_cost(evaluation):
    return evaluation.key[2] + evaluation.key[3]


def pack(state, units, targets, tier_of, limits, budget=NODE_BUDGET, nodes=None):
    """Depth-first packing of every unit under the limits; a list of Evaluations or None.

    nodes: a one-item list counting the nodes visited (shared between calls); the search gives up
    once it exceeds budget. Units are placed into the state while searching and lifted again
    before returning.
    """
    nodes = [0] if nodes is None else nodes
    chosen = []
    need, smallest = _remaining(units)
    twins = _twins(state, units)
    position = dict((name, i) for i, name in enumerate(targets))
    room = _room(state, targets, limits.ceiling)

    def options(unit, should, method, emergency):
        found = []
        for name in targets:
            if unit.counted_mb and unit.counted_mb > room(name) + 1e-6:
                continue
            result = evaluate(state, unit, name, tier_of.get(name, 0))
            if not isinstance(result, Evaluation):
                continue
            if emergency + result.key[0] * unit.counted_mb > limits.max_emergency + 1e-6:
                continue
            if should + result.should_violations > limits.max_should:
                continue
            if method + method_cost(result) <= limits.max_method:
                found.append(result)
        # best fit under the ceiling packs tightest; ties keep the planner's own order
        found.sort(key=lambda e: (e.key[0], e.key[1], e.key[2], e.key[3], e.key[4], -e.key[5], e.host))
        return found

    def place(index, should, method, emergency):
        if index == len(units):
            return True
        nodes[0] += 1
        if nodes[0] > budget or _no_room(targets, room, need[index], smallest[index]):
            return False
        unit = units[index]
        seen = set()
        start = position[chosen[-1].host] if twins[index] else 0
        for evaluation in options(unit, should, method, emergency):
            if position[evaluation.host] < start:
                continue
            signature = _signature(state, evaluation.host, tier_of)
            if signature is not None and signature in seen:
                continue
            seen.add(signature)
            unit.drop(state, evaluation.host)
            chosen.append(evaluation)
            if place(index + 1, should + evaluation.should_violations, method + method_cost(evaluation),
                     emergency + evaluation.key[0] * unit.counted_mb):
                return True
            chosen.pop()
            unit.lift(state)
            if nodes[0] > budget:
                return False
        return False

    found = place(0, 0, 0, 0)
    result = list(chosen) if found else None
    for unit, _evaluation in zip(units, chosen):
        unit.lift(state)
    return result


def _room(state, targets, ceiling):
    """A function giving the MB a target can still take: below its capacity and the ceiling."""
    limit = {}
    for host in targets:
        usable = state.memory_capacity(host)
        if ceiling is not None:
            usable = min(usable, state.memory_capacity(host, headroom=False) * ceiling)
        limit[host] = usable
    used = state.memory_used
    return lambda host: limit[host] - used[host]


def _twins(state, units):
    """Per position: True when the unit is interchangeable with the one before it (a lone VM of
    the same size, methods, storage and power state, from a source in the same state, with no
    rule). Twins go to hosts in non-decreasing target order: the other orders are the same packing."""
    def shape(unit):
        if len(unit.vms) != 1 or any(unit.rules.values()):
            return None
        vm = unit.vms[0]
        source = state.cluster.hosts[unit.sources[vm.name]]
        return (unit.counted_mb, unit.counted_vcpus, vm.methods, vm.storage, vm.power_state, source.state)

    shapes = [shape(u) for u in units]
    return [i > 0 and shapes[i] is not None and shapes[i] == shapes[i - 1] for i in range(len(units))]


def _remaining(units):
    """Per position: memory of the units from there on, and the smallest non-zero one of them."""
    need, smallest = [0.0] * (len(units) + 1), [0.0] * (len(units) + 1)
    for index in range(len(units) - 1, -1, -1):
        size, after = units[index].counted_mb, smallest[index + 1]
        need[index] = need[index + 1] + size
        smallest[index] = min(size, after) if size and after else (size or after)
    return need, smallest


def _no_room(targets, room, need, smallest):
    """True when the memory left (see _room), on hosts that can take at least the smallest unit
    still to place, is less than those units need: no packing below can succeed."""
    if not need:
        return False
    total = 0.0
    for host in targets:
        free = room(host)
        if free + 1e-6 >= smallest:
            total += free
    return need > total + 1e-6


def _signature(state, host_name, tier_of):
    """Hosts with the same signature are interchangeable: trying one of them is enough."""
    if state.cluster.rules:
        return None
    host = state.cluster.hosts[host_name]
    return (round(state.memory_capacity(host_name) - state.memory_used[host_name], 3),
            round(state.memory_capacity(host_name, headroom=False), 3),
            host.vcpu_capacity - state.vcpus_used[host_name] if host.vcpus else None,
            host.storage, host.emergency, tier_of.get(host_name, 0))


def max_utilization(state, hosts):
    return max([state.utilization(h) for h in hosts] or [0.0])


def improve(state, units, targets, tier_of, incumbent, fixed_hosts):
    """Search for a placement of all units with a lower highest utilization than the incumbent.

    incumbent: list of Evaluations (one per unit, same order) or None when the greedy pass failed.
    Returns the best list of Evaluations found (may be the incumbent) or None. All searches
    together visit at most TOTAL_BUDGET nodes.
    """
    nodes = [0]
    if incumbent is None:
        limits = Limits(None, float("inf"), float("inf"), float("inf"))
        incumbent = pack(state, units, targets, tier_of, limits, NODE_BUDGET, nodes)
        if incumbent is None:
            return None
    should = sum(e.should_violations for e in incumbent)
    method = sum(method_cost(e) for e in incumbent)
    emergency = sum(e.key[0] * u.counted_mb for u, e in zip(units, incumbent))
    high = _utilization_with(state, units, incumbent, targets, fixed_hosts)
    low = max(_lower_bound(state, units, targets), _unit_bound(state, units, targets, tier_of),
              max_utilization(state, fixed_hosts))
    best = incumbent
    for _step in range(SEARCH_STEPS):
        if high - low <= 0.001 or nodes[0] >= TOTAL_BUDGET:
            break
        middle = (low + high) / 2.0
        budget = min(nodes[0] + NODE_BUDGET, TOTAL_BUDGET)
        result = pack(state, units, targets, tier_of, Limits(middle, should, method, emergency), budget, nodes)
        if result is None:
            low = middle
        else:
            best = result
            high = _utilization_with(state, units, result, targets, fixed_hosts)
    return best


def _utilization_with(state, units, evaluations, targets, fixed_hosts):
    for unit, evaluation in zip(units, evaluations):
        unit.drop(state, evaluation.host)
    value = max(max_utilization(state, targets), max_utilization(state, fixed_hosts))
    for unit in units:
        unit.lift(state)
    return value


def _unit_bound(state, units, targets, tier_of):
    """Every unit raises the host it lands on: the lowest such utilization, for the worst unit."""
    bound = 0.0
    for unit in units:
        found = [e.key[5] for e in (evaluate(state, unit, n, tier_of.get(n, 0)) for n in targets)
                 if isinstance(e, Evaluation)]
        bound = max(bound, min(found or [0.0]))
    return bound


def _lower_bound(state, units, targets):
    load = sum(state.memory_used[h] for h in targets) + sum(u.counted_mb for u in units)
    capacity = sum(state.memory_capacity(h, headroom=False) for h in targets)
    return load / capacity if capacity else 0.0
