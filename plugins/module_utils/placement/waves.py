# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Order moves into waves under continuous capacity, parallel limits, dependencies and budgets.

A move reserves its memory on the target from the start of its wave and frees the source only at
the end of the wave, so no host exceeds its capacity at any instant of the schedule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import deque

from .downtime import downtime_free


class Move:
    """One VM going from source to target by method; downtime when the method stops its running guest.

    power_state and source_down (its host is down) travel with the move, so that the runner can tell whether a
    fallback method it uses instead stops the guest too."""

    __slots__ = ("vm", "source", "target", "method", "memory_mb", "vcpus", "priority", "wave", "step",
                 "power_state", "source_down", "downtime")

    def __init__(self, vm, source, target, method, memory_mb, vcpus, priority, step=None, power_state="on",
                 source_down=False):
        self.vm = vm
        self.source = source
        self.target = target
        self.method = method
        self.memory_mb = memory_mb
        self.vcpus = vcpus
        self.priority = priority
        self.wave = None
        self.step = step
        self.power_state = power_state
        self.source_down = source_down
        self.downtime = not downtime_free(method, power_state, source_down)

    def as_dict(self):
        item = {"vm": self.vm, "source": self.source, "target": self.target, "method": self.method,
                "wave": self.wave, "memory_mb": int(round(self.memory_mb)), "power_state": self.power_state,
                "source_down": self.source_down, "downtime": self.downtime}
        if self.step is not None:
            item["step"] = self.step
        return item


class Budget:
    """A disruption budget: at most max_unavailable of its VMs moving or down at once."""

    def __init__(self, rule, down):
        self.name = rule.name
        self.vms = frozenset(rule.vms)
        self.limit = rule.max_unavailable
        self.down = set(n for n in rule.vms if n in down)

    def admits(self, vm, moving):
        if vm not in self.vms:
            return True
        unavailable = len(self.down | moving)
        after = len(self.down | moving | {vm})
        return after <= self.limit or after == unavailable


def schedule(moves, memory_used, vcpus_used, capacity_of, vcpu_capacity_of, depends_on, budgets,
             max_per_host=2, max_total=0):
    """Assign wave numbers in place; returns the moves that could not be scheduled (with a code).

    memory_used / vcpus_used: per-host usage before any move (sources still hold their VMs).
    capacity_of(host) / vcpu_capacity_of(host): receiving limits (vCPU 0 = unchecked).
    depends_on: VM name -> names that must have moved (and started) in an earlier wave.
    """
    memory = dict(memory_used)
    vcpus = dict(vcpus_used)
    moving_names = set(m.vm for m in moves)
    by_source = {}

    def order(move):
        return (-move.priority, _depth(move.vm, depends_on, moving_names), -move.memory_mb, move.vm)

    for move in sorted(moves, key=order):
        by_source.setdefault(move.source, deque()).append(move)
    done = set()
    wave = 0
    while any(by_source.values()):
        wave += 1
        started = _fill_wave(by_source, memory, vcpus, capacity_of, vcpu_capacity_of, depends_on,
                             moving_names, done, budgets, max_per_host, max_total)
        if not started:
            break
        for move in started:
            move.wave = wave
            memory[move.source] -= move.memory_mb
            vcpus[move.source] -= move.vcpus
            done.add(move.vm)
        for budget in budgets:
            budget.down.difference_update(m.vm for m in started)
    stuck = []
    for queue in by_source.values():
        for move in queue:
            stuck.append((move, _why_stuck(move, budgets, depends_on, done, moving_names)))
    return stuck


def _fill_wave(by_source, memory, vcpus, capacity_of, vcpu_capacity_of, depends_on, moving_names,
               done, budgets, max_per_host, max_total):
    incoming = {}
    started = []
    moving = set()
    order = sorted((q[0].priority, s) for s, q in by_source.items() if q)
    for _priority, source in sorted(order, key=lambda item: (-item[0], item[1])):
        queue = by_source[source]
        taken = 0
        for move in list(queue):
            if taken >= max_per_host or (max_total and len(started) >= max_total):
                break
            if incoming.get(move.target, 0) >= max_per_host:
                continue
            if any(d in moving_names and d not in done for d in depends_on.get(move.vm, ())):
                continue
            if memory[move.target] + move.memory_mb > capacity_of(move.target) + 1e-6:
                continue
            vcpu_limit = vcpu_capacity_of(move.target)
            if vcpu_limit and move.vcpus and vcpus[move.target] + move.vcpus > vcpu_limit + 1e-9:
                continue
            if not all(b.admits(move.vm, moving) for b in budgets):
                continue
            queue.remove(move)
            started.append(move)
            moving.add(move.vm)
            taken += 1
            incoming[move.target] = incoming.get(move.target, 0) + 1
            memory[move.target] += move.memory_mb
            vcpus[move.target] += move.vcpus
    return started


def _depth(vm, depends_on, moving_names, seen=None):
    """How many moving dependencies stand before this VM (dependencies start first)."""
    seen = seen or set()
    if vm in seen:
        return 0
    seen.add(vm)
    deps = [d for d in depends_on.get(vm, ()) if d in moving_names]
    return 1 + max(_depth(d, depends_on, moving_names, seen) for d in deps) if deps else 0


def _why_stuck(move, budgets, depends_on, done, moving_names):
    for budget in budgets:
        if move.vm in budget.vms and budget.limit <= 0:
            return ("budget", "disruption budget '%s' allows %d VM(s) unavailable at once"
                    % (budget.name, budget.limit))
    waiting = [d for d in depends_on.get(move.vm, ()) if d in moving_names and d not in done]
    if waiting:
        return ("budget", "waits for %s to move first, which cannot" % ", ".join(sorted(waiting)))
    return ("insufficient_memory", "%s: no wave leaves room on the target while sources still hold "
            "their VMs" % move.target)


def replay(moves, memory_used, capacity_of, max_per_host=2, max_total=0):
    """Check a schedule wave by wave; returns a list of violations (empty when the plan is safe)."""
    memory = dict(memory_used)
    problems = []
    waves = {}
    for move in moves:
        waves.setdefault(move["wave"], []).append(move)
    for number in sorted(waves):
        batch = waves[number]
        if max_total and len(batch) > max_total:
            problems.append("wave %s: %d moves > max_parallel_total %d" % (number, len(batch), max_total))
        for key in ("source", "target"):
            counts = {}
            for move in batch:
                counts[move[key]] = counts.get(move[key], 0) + 1
            for host, count in counts.items():
                if count > max_per_host:
                    problems.append("wave %s: %d moves at %s %s > %d" % (number, count, key, host, max_per_host))
        for move in batch:
            memory[move["target"]] = memory.get(move["target"], 0.0) + move["memory_mb"]
        for host in set(m["target"] for m in batch):
            if memory[host] > capacity_of(host) + 1e-6:
                problems.append("wave %s: %s holds %d MB > capacity %d MB"
                                % (number, host, memory[host], capacity_of(host)))
        for move in batch:
            memory[move["source"]] -= move["memory_mb"]
    return problems
