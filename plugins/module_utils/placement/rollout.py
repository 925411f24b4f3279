# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout proven step by step (N-k): each step drains the next max_hosts_down hosts of the
rolling order together, on the state the steps before left, then returns them to service."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .drain import Drainer
from .report import describe_unplaced, render
from .targets import rolling_tiers


def host_groups(order, size):
    """The rolling order cut into steps of `size` hosts (the last one may be smaller)."""
    return [list(order[i:i + size]) for i in range(0, len(order), size)]


def plan_rollout(cluster, options):
    """Every host of the rolling order drained, a group at a time, each step on the last one's result."""
    order = list(options.rolling_order)
    drainer = Drainer(cluster, options, rolling_tiers(order, -1))
    before = drainer.state.hosts_report()
    steps = drain_steps(drainer, host_groups(order, options.max_hosts_down), 1)
    plan = render(steps, drainer.state, "rollout", [], before)
    plan["rollout"] = rollout_summary(steps)
    return plan


def prove_rest(drainer, order, done, size):
    """The summary of the rest of a running rollout, after the drain that reached position `done`
    of the order: every host up to it is back in service, the later ones go in groups of size."""
    for host in order[:done + 1]:
        drainer.index.return_to_service(host)
    first_number = done // size + 2  # the step after the one holding position done (1 when done is -1)
    return rollout_summary(drain_steps(drainer, host_groups(order[done + 1:], size), first_number))


def drain_steps(drainer, groups, first_number):
    """Drain each group in turn (numbered from first_number) until one cannot be drained."""
    steps = []
    for number, group in enumerate(groups, start=first_number):
        step = drainer.drain(group, number)
        steps.append(step)
        for host in group:
            drainer.index.return_to_service(host)
        if not step.feasible:
            break
    return steps


def rollout_summary(steps):
    """plan["rollout"]: whether every step can be drained, per-step counts, and the first failure."""
    failure = next((s for s in steps if not s.feasible), None)
    summary = {
        "feasible": failure is None,
        "steps_checked": len(steps),
        "steps": [{"step": s.step, "hosts": list(s.evacuate), "host": ", ".join(s.evacuate),
                   "moves": len(s.moves), "waves": max([m.wave for m in s.moves] or [0]),
                   "migrated_mb": int(sum(m.memory_mb for m in s.moves)),
                   "feasible": s.feasible} for s in steps],
        "first_failure": None,
    }
    if failure is not None:
        names = ", ".join(failure.evacuate)
        summary["first_failure"] = {"step": failure.step, "hosts": list(failure.evacuate), "host": names,
                                    "unplaced": failure.unplaced,
                                    "message": "step %s cannot drain %s: %s" % (
                                        failure.step, names, describe_unplaced(failure.unplaced))}
    return summary
