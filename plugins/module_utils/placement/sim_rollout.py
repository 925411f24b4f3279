# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node lifecycle every simulated strategy shares: drain, update, reboot, resume, next node.

A strategy subclasses Rollout and says how a drain is queued and served (`queue_drain`,
`dispatch`, `pending_from`, `fail_blocked`) and what happens when a node resumes (`after_resume`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .sim_fleet import EventClock

IDLE, DRAINING, UPDATING, DONE = "idle", "draining", "updating", "done"


class Rollout:
    """One strategy's run over the rolling order, driven by an event clock."""

    def __init__(self, fleet, order, timing, movers):
        self.fleet = fleet
        self.order = list(order)
        self.timing = timing
        self.movers = movers
        self.clock = EventClock()
        self.status = dict((n, IDLE) for n in fleet.cluster.hosts)
        self.position = 0
        self.current = None
        self.drain_started = {}
        self.drain_seconds = {}
        self.interrupted = set()
        self.updated = []
        self.stopped_at = None

    # -- the lifecycle -------------------------------------------------------------------------

    def run(self):
        """Roll through the order; returns self (read the results with `summary`)."""
        self.clock.at(0.0, self.begin_next)
        self.clock.run(self.settle)
        return self

    def begin_next(self):
        """Start draining the next node of the order, if any and if the strategy may."""
        if self.position >= len(self.order) or self.stopped_at is not None:
            return
        node = self.order[self.position]
        self.position += 1
        if not self.may_drain(node):
            self.stopped_at = node
            return
        self.status[node] = DRAINING
        self.current = node
        self.drain_started[node] = self.clock.now
        self.queue_drain(node)

    def settle(self):
        """After a batch of events: start what can start, finish drains, fail work that is stuck."""
        while True:
            self.dispatch()
            node = self.current
            if node and self.status[node] == DRAINING and not self.pending_from(node) \
                    and not self.fleet.outgoing[node]:
                self.start_update(node)
                continue
            if self.clock.idle() and self.fail_blocked():
                continue
            return

    def start_update(self, node):
        """The node is empty (or as empty as it gets): update and reboot it, resume it after."""
        now = self.clock.now
        self.status[node] = UPDATING
        self.drain_seconds[node] = now - self.drain_started[node]
        fleet = self.fleet
        self.interrupted.update(n for n, h in fleet.location.items()
                                if h == node and fleet.cluster.vms[n].active)
        update, reboot = self.timing[node]
        self.clock.at(now + update + reboot, self.resume, node)

    def resume(self, node):
        """The node is back: it may receive VMs again."""
        self.status[node] = DONE
        self.updated.append(node)
        self.after_resume(node)

    def may_target(self, host):
        """True when host is up and neither draining nor updating."""
        return self.status[host] in (IDLE, DONE) and self.fleet.cluster.hosts[host].state == "up"

    # -- what a strategy defines -----------------------------------------------------------------

    def may_drain(self, node):
        """False stops the rollout before this node (a plan that cannot drain it)."""
        return True

    def queue_drain(self, node):
        """Queue the migrations that empty node."""
        raise NotImplementedError

    def dispatch(self):
        """Start every queued migration that may start now."""
        raise NotImplementedError

    def pending_from(self, node):
        """How many queued drain migrations still have to leave node."""
        raise NotImplementedError

    def fail_blocked(self):
        """Nothing is running and nothing is scheduled: record the stuck work as failed; True if any."""
        raise NotImplementedError

    def after_resume(self, node):
        """What follows a node's return: by default, the next node's drain at once."""
        self.begin_next()

    # -- the result ----------------------------------------------------------------------------

    def summary(self, running):
        """The per-strategy result dict (floors are added by the caller)."""
        fleet = self.fleet
        down = set(n for n, h in fleet.cluster.hosts.items() if h.state == "down")
        down.update(n for n, s in self.status.items() if s == UPDATING)
        return {
            "failed_migrations": len(fleet.failures),
            "failures": list(fleet.failures),
            "makespan_seconds": round(self.clock.now, 1),
            "migrations": fleet.migrations,
            "migrated_mb": int(round(fleet.migrated_mb)),
            "peak_utilization_percent": round(100.0 * fleet.peak, 2),
            "vms_not_running": len(fleet.vms_not_running(running, down)),
            "vms_interrupted": len(self.interrupted),
            "hosts_updated": len(self.updated),
            "max_drain_seconds": round(max(self.drain_seconds.values() or [0.0]), 1),
        }
