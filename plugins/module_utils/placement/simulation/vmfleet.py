# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our planned rollout: the core's whole-rollout plan, executed event by event.

The plan's steps give the groups of hosts and their order (with max_hosts_down "auto" the hosts may be
taken out in another order than the rolling order); every host of a step is drained at once.
Each step's moves start in wave order as soon as their source and target have a free slot, their
moving dependencies have started, their disruption budget allows, and the target has room at that
instant (its memory reserved at start, the source freed at the end). A later-wave move may start
early only when that instantaneous check holds, so no migration ever fails for lack of memory.
No blind failback: the plan already leaves every VM where it fits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .rollout import Rollout


class PlannedRollout(Rollout):
    """Execute `plan` (from `make_plan(..., rolling_order=...)`) step by step."""

    def __init__(self, fleet, order, timing, movers, plan):
        numbers, groups = planned_steps(plan, order)
        super(PlannedRollout, self).__init__(fleet, order, timing, movers, groups)
        self.plan = plan
        self.step_numbers = numbers
        self.steps = moves_by_step(plan)
        self.feasible_steps = feasible_steps(plan)
        self.depends_on = dict((v.name, v.depends_on) for v in fleet.cluster.vms.values() if v.depends_on)
        self.budgets = budgets_of(fleet.cluster)
        self.pending = []
        self.started = set()
        self.step_vms = set()

    def may_drain(self, node):
        """Only the steps the plan proved feasible run; the rollout stops at the first other."""
        return self.step_numbers[self.position - 1] in self.feasible_steps

    def queue_drain(self, group):
        """The step's moves (of every host of the group), in wave order, biggest first within a wave."""
        moves = self.steps.get(self.step_numbers[self.position - 1], [])
        self.pending = sorted(moves, key=lambda m: (m["wave"], -m["memory_mb"], m["vm"]))
        self.step_vms = set(m["vm"] for m in moves)
        self.started = set()

    def pending_from(self, node):
        """Planned moves of this step not started yet."""
        return sum(1 for m in self.pending if m["source"] == node)

    def dispatch(self):
        """One pass in wave order: start every move that may start now."""
        for move in list(self.pending):
            if self._ready(move):
                self.pending.remove(move)
                self._launch(move)

    def _ready(self, move):
        fleet = self.fleet
        vm, source, target = move["vm"], move["source"], move["target"]
        if vm in fleet.moving or fleet.location[vm] != source or not self.may_target(target):
            return False
        if not (fleet.can_leave(source) and fleet.can_enter(target) and fleet.fits(vm, target)):
            return False
        if any(d in self.step_vms and d not in self.started for d in self.depends_on.get(vm, ())):
            return False
        return all(self._budget_allows(budget) for budget in self.budgets.get(vm, ()))

    def _budget_allows(self, budget):
        """True when fewer VMs of the disruption budget are moving than it allows."""
        _name, limit, members = budget
        moving = sum(1 for n in members if n in self.fleet.moving)
        return moving < max(1, limit)

    def _launch(self, move):
        vm = move["vm"]
        self.started.add(vm)
        end = self.fleet.start(vm, move["target"], self.clock.now)
        self.clock.at(end, self.fleet.finish, vm)

    def fail_blocked(self):
        """Planned moves that can never start (should not happen): recorded as failed."""
        stuck = list(self.pending)
        for move in stuck:
            self.fleet.fail(move["vm"], move["target"], self.clock.now, "plan", self.current)
        self.pending = []
        return bool(stuck)

    def summary(self, running):
        result = super(PlannedRollout, self).summary(running)
        rollout = self.plan.get("rollout") or {}
        result["plan_feasible"] = bool(self.plan.get("feasible"))
        result["stopped_at"] = self.stopped_at
        if rollout.get("first_failure"):
            result["plan_message"] = rollout["first_failure"]["message"]
        return result


def planned_steps(plan, order):
    """([step number], [hosts of the step]) in the plan's order; one host a step along the rolling
    order when the plan has no rollout."""
    steps = (plan.get("rollout") or {}).get("steps") or []
    if not steps:
        return list(range(1, len(order) + 1)), [[h] for h in order]
    return [s["step"] for s in steps], [list(s.get("hosts") or [s["host"]]) for s in steps]


def moves_by_step(plan):
    """Step number -> the plan's moves of that step."""
    steps = {}
    for move in plan.get("moves", ()):
        steps.setdefault(move.get("step", 1), []).append(move)
    return steps


def feasible_steps(plan):
    """The step numbers the plan proved feasible (a rollout plan stops at its first failure)."""
    rollout = plan.get("rollout") or {}
    return set(s["step"] for s in rollout.get("steps", ()) if s["feasible"])


def budgets_of(cluster):
    """VM name -> the (name, max_unavailable, members) of every disruption budget it belongs to."""
    budgets = {}
    for rule in cluster.rules:
        if rule.kind != "disruption_budget":
            continue
        budget = (rule.name, rule.max_unavailable, tuple(rule.vms))
        for vm in rule.vms:
            budgets.setdefault(vm, []).append(budget)
    return budgets
