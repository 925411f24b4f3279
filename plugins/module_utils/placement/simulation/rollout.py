# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The step lifecycle every simulated strategy shares: drain, update, reboot, resume, next step.

A step is a group of hosts taken out of service together, as the roles run it: every host of the step
is drained at once; when the whole group is empty, each host starts its update and reboot and is back
after its own time; the next step begins when every host of the group is back. CAU's steps are one
node each. A strategy subclasses Rollout and says how a drain is queued and served (`queue_drain`,
`dispatch`, `pending_from`, `fail_blocked`) and what happens when a node resumes (`after_resume`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fleet import EventClock

IDLE, DRAINING, UPDATING, DONE = "idle", "draining", "updating", "done"


class Rollout:
    """One strategy's run over its steps (groups of hosts; by default one per host of the order)."""

    def __init__(self, fleet, order, timing, movers, groups=None):
        self.fleet = fleet
        self.order = list(order)
        self.groups = [list(g) for g in groups] if groups is not None else [[h] for h in self.order]
        self.timing = timing
        self.movers = movers
        self.clock = EventClock()
        self.status = dict((n, IDLE) for n in fleet.cluster.hosts)
        self.position = 0
        self.group = []
        self.current = None
        self.drain_started = {}
        self.drain_seconds = {}
        self.interrupted = set()
        self.updated = []
        self.stopped_at = None

    # -- the lifecycle -------------------------------------------------------------------------

    def run(self):
        """Roll through the steps; returns self (read the results with `summary`)."""
        self.clock.at(0.0, self.begin_next)
        self.clock.run(self.settle)
        return self

    def begin_next(self):
        """Start draining every host of the next step, if any and if the strategy may."""
        if self.position >= len(self.groups) or self.stopped_at is not None:
            return
        group = self.groups[self.position]
        self.position += 1
        if not self.may_drain(group[0]):
            self.stopped_at = ", ".join(group)
            return
        self.group = group
        self.current = ", ".join(group)
        for node in group:
            self.status[node] = DRAINING
            self.drain_started[node] = self.clock.now
        self.queue_drain(group)

    def settle(self):
        """After a batch of events: start what can start, finish drains, fail work that is stuck."""
        while True:
            self.dispatch()
            if self.group and all(self.status[n] == DRAINING and not self.pending_from(n)
                                  and not self.fleet.outgoing[n] for n in self.group):
                self.start_update(self.group)
                continue
            if self.clock.idle() and self.fail_blocked():
                continue
            return

    def start_update(self, group):
        """Every host of the step is empty (or as empty as it gets): each updates and reboots, back after
        its own time."""
        now = self.clock.now
        fleet = self.fleet
        for node in group:
            self.status[node] = UPDATING
            self.drain_seconds[node] = now - self.drain_started[node]
            self.interrupted.update(n for n, h in fleet.location.items()
                                    if h == node and fleet.cluster.vms[n].active)
            update, reboot = self.timing[node]
            self.clock.at(now + update + reboot, self.resume, node)

    def resume(self, node):
        """The node is back: it may receive VMs again."""
        self.status[node] = DONE
        self.updated.append(node)
        self.after_resume(node)

    def step_is_back(self):
        """True when every host of the current step is back."""
        return all(self.status[n] == DONE for n in self.group)

    def may_target(self, host):
        """True when host is up and neither draining nor updating."""
        return self.status[host] in (IDLE, DONE) and self.fleet.cluster.hosts[host].state == "up"

    # -- what a strategy defines -----------------------------------------------------------------

    def may_drain(self, node):
        """False stops the rollout before this node (a plan that cannot drain it)."""
        return True

    def queue_drain(self, group):
        """Queue the migrations that empty the hosts of the step."""
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
        """What follows a node's return: by default, once the whole step is back, the next step's drain."""
        if self.step_is_back():
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
            "steps": len(self.groups),
            "largest_step": max([len(g) for g in self.groups] or [0]),
            "groups": [list(g) for g in self.groups],
        }
