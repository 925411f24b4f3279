# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster-Aware Updating as Microsoft's support describes it on a Hyper-V cluster, with its failback modes.

- The drain picks, when each migration starts, the up node with the most free memory (not the
  draining node, not one updating); it waits while that node has no free incoming slot or no room,
  so the drain itself never fails (unless no node can take the VM at all).
- After update and reboot the node resumes; with failback every VM drained from it is queued back
  to it at once, without looking at memory. The next drain starts at once (or after a sleep).
- Every pending migration sits in one live-migration queue served in an order unrelated to
  submission: a seeded random choice among the queued migrations whose hosts have free slots.
- A failback whose target lacks memory when it starts fails like event 21502; the VM stays on its
  source and the run goes on (real CAU would stop: see `stop_node`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .rollout import UPDATING, Rollout

DRAIN, FAILBACK = "drain", "failback"


class CauRollout(Rollout):
    """CAU over the rolling order: `failback` True for Immediate, `sleep_seconds` for the script wait."""

    def __init__(self, fleet, order, timing, movers, rng, failback=True, sleep_seconds=0.0):
        super(CauRollout, self).__init__(fleet, order, timing, movers)
        self.rng = rng
        self.failback = failback
        self.sleep_seconds = float(sleep_seconds or 0.0)
        self.queue = []
        self.drained_from = dict((n, []) for n in order)
        self.stop_node = None
        self.hosts = sorted(fleet.cluster.hosts)

    def queue_drain(self, group):
        """Queue a drain migration for every VM the drain moves off the node (CAU's steps are one node)."""
        fleet = self.fleet
        for node in group:
            names = sorted(n for n, h in fleet.location.items() if h == node and n in self.movers)
            self.queue.extend((DRAIN, name, node) for name in names)

    def pending_from(self, node):
        """Drain migrations of node still queued."""
        return sum(1 for kind, _vm, n in self.queue if kind == DRAIN and n == node)

    def dispatch(self):
        """Start queued migrations, each a seeded random pick among those that can start now."""
        while True:
            self.queue = [e for e in self.queue if not self._settled(e)]
            ready = self._ready()
            if not ready:
                return
            entry, target = ready[self.rng.randrange(len(ready))]
            self.queue.remove(entry)
            self._launch(entry, target)

    def _settled(self, entry):
        """True when the entry has nothing left to do: its VM already left the node, or is home."""
        kind, vm, node = entry
        if vm in self.fleet.moving:
            return False
        here = self.fleet.location[vm]
        return here != node if kind == DRAIN else here == node

    def _ready(self):
        """(entry, target) for every queued migration whose source and target have a free slot."""
        fleet = self.fleet
        ready = []
        best = {}
        for entry in self.queue:
            kind, vm, node = entry
            if vm in fleet.moving:
                continue
            source = fleet.location[vm]
            if self.status[source] == UPDATING or not fleet.can_leave(source):
                continue
            if kind == DRAIN:
                if source not in best:
                    best[source] = self.most_free(source)
                target = best[source]
                if target is None or not fleet.fits(vm, target):
                    continue
            else:
                target = node
            if fleet.can_enter(target):
                ready.append((entry, target))
        return ready

    def most_free(self, source):
        """The up node (not source, not draining or updating) with the most free memory, or None."""
        fleet = self.fleet
        candidates = [h for h in self.hosts if h != source and self.may_target(h)]
        if not candidates:
            return None
        return min(candidates, key=lambda h: (-fleet.free(h), h))

    def _launch(self, entry, target):
        kind, vm, node = entry
        if kind == FAILBACK and not self.fleet.fits(vm, target):
            self._record_failure(vm, target, kind)
            return
        end = self.fleet.start(vm, target, self.clock.now)
        self.clock.at(end, self._arrived, vm, kind, node)

    def _arrived(self, vm, kind, node):
        self.fleet.finish(vm)
        if kind == DRAIN:
            self.drained_from[node].append(vm)

    def _record_failure(self, vm, target, kind):
        self.fleet.fail(vm, target, self.clock.now, kind, self.current)
        if self.stop_node is None:
            self.stop_node = self.current

    def fail_blocked(self):
        """Drain migrations no node can take (nothing runs, nothing is scheduled): they fail."""
        stuck = [e for e in self.queue if e[0] == DRAIN]
        for kind, vm, node in stuck:
            self._record_failure(vm, self.most_free(node), kind)
        self.queue = [e for e in self.queue if e[0] != DRAIN]
        return bool(stuck)

    def after_resume(self, node):
        """Queue the failback (if any), then drain the next node now or after the sleep."""
        fleet = self.fleet
        if self.failback:
            self.queue.extend((FAILBACK, vm, node) for vm in self.drained_from[node]
                              if fleet.location[vm] != node)
        if self.sleep_seconds > 0 and self.position < len(self.order):
            self.clock.at(self.clock.now + self.sleep_seconds, self.begin_next)
        else:
            self.begin_next()

    def summary(self, running):
        result = super(CauRollout, self).summary(running)
        result["cau_would_stop_at"] = self.stop_node
        return result
