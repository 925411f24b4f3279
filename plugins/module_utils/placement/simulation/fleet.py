# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated cluster: an event clock, and the fleet every strategy moves VMs in.

The fleet knows where each VM runs, the memory used and reserved on each host, the migration
slots in use, and keeps what a run reports (migrations, 21502-like failures, peak utilization).
A migration reserves its memory on the target when it starts and frees the source when it ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq

EPSILON = 1e-6


class EventClock:
    """A heap of timed actions; equal times run in insertion order, so runs are deterministic."""

    def __init__(self):
        self.now = 0.0
        self._heap = []
        self._seq = 0

    def at(self, time, action, *args):
        """Run action(*args) at the given time."""
        heapq.heappush(self._heap, (time, self._seq, action, args))
        self._seq += 1

    def idle(self):
        """True when nothing is scheduled."""
        return not self._heap

    def run(self, after_batch):
        """Run every action in time order; after each batch of equal-time actions call after_batch()."""
        heap = self._heap
        while heap:
            self.now = heap[0][0]
            while heap and heap[0][0] <= self.now + EPSILON:
                _time, _seq, action, args = heapq.heappop(heap)
                action(*args)
            after_batch()


class Fleet:
    """VM locations, per-host memory and migration slots, and the records of one run."""

    def __init__(self, cluster, bandwidth_mb_s, max_parallel, count_powered_off=False):
        self.cluster = cluster
        self.bandwidth = float(bandwidth_mb_s)
        self.max_parallel = int(max_parallel)
        self.capacity = dict((n, h.memory_capacity_mb) for n, h in cluster.hosts.items())
        self.used = dict((n, 0.0) for n in cluster.hosts)
        self.reserved = dict((n, 0.0) for n in cluster.hosts)
        self.outgoing = dict((n, 0) for n in cluster.hosts)
        self.incoming = dict((n, 0) for n in cluster.hosts)
        self.location = {}
        self.memory = {}
        self.moving = {}
        for vm in cluster.vms.values():
            self.location[vm.name] = vm.host
            self.memory[vm.name] = vm.memory_mb if (vm.active or count_powered_off) else 0.0
            self.used[vm.host] += self.memory[vm.name]
        self.migrations = 0
        self.migrated_mb = 0.0
        self.failures = []
        self.peak = max([self.utilization(n) for n in cluster.hosts] or [0.0])

    def free(self, host):
        """Memory a new VM may still take on host (reservations of migrations in flight count)."""
        return self.capacity[host] - self.used[host] - self.reserved[host]

    def utilization(self, host):
        """Used plus reserved memory over capacity, as a fraction."""
        capacity = self.capacity[host]
        return (self.used[host] + self.reserved[host]) / capacity if capacity > 0 else 0.0

    def can_leave(self, host):
        """True when host has a free outgoing migration slot."""
        return self.outgoing[host] < self.max_parallel

    def can_enter(self, host):
        """True when host has a free incoming migration slot."""
        return self.incoming[host] < self.max_parallel

    def fits(self, vm, host):
        """True when the VM's memory fits the free memory of host now."""
        return self.memory[vm] <= self.free(host) + EPSILON

    def in_flight(self):
        """How many migrations are running."""
        return len(self.moving)

    def start(self, vm, target, now):
        """Start a migration: take the slots, reserve the target; returns the time it ends."""
        source = self.location[vm]
        self.moving[vm] = (source, target)
        self.outgoing[source] += 1
        self.incoming[target] += 1
        self.reserved[target] += self.memory[vm]
        self.peak = max(self.peak, self.utilization(target))
        return now + self.cluster.vms[vm].memory_mb / self.bandwidth

    def finish(self, vm):
        """End a migration: the VM runs on its target, the source's memory is freed."""
        source, target = self.moving.pop(vm)
        memory = self.memory[vm]
        self.outgoing[source] -= 1
        self.incoming[target] -= 1
        self.reserved[target] -= memory
        self.used[target] += memory
        self.used[source] -= memory
        self.location[vm] = target
        self.migrations += 1
        self.migrated_mb += self.cluster.vms[vm].memory_mb
        return source, target

    def fail(self, vm, target, now, kind, node):
        """Record a migration that could not start, like Hyper-V event 21502; the VM stays put."""
        self.failures.append({
            "event_id": 21502,
            "time": round(now, 3),
            "vm": vm,
            "source": self.location[vm],
            "target": target,
            "memory_mb": int(round(self.memory[vm])),
            "free_mb": int(max(0.0, self.free(target))) if target else 0,
            "kind": kind,
            "node": node,
        })

    def vms_not_running(self, running, down_hosts):
        """Names of VMs running at the start that are not running now (lost, or on a host that is down)."""
        return sorted(n for n in running
                      if n in self.moving or self.location.get(n) not in self.cluster.hosts
                      or self.location[n] in down_hosts)
