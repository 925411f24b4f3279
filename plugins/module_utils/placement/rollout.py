# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout proven step by step (N-k): each step drains a group of hosts together, on the state the
steps before left, then returns them to service.

A fixed max_hosts_down cuts the rolling order into groups of that size. max_hosts_down "auto" chooses each
step's group on the state it finds: the largest group (at most the cap) of the next hosts of the order that
drains feasibly, stops no guests together against a rule and leaves the next host drainable; a host that
cannot go with the others waits for a later step. Should a greedy choice still leave a later host that
cannot be drained at all, the rollout is planned again with a smaller cap, down to one host at a time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .drain import Drainer
from .groups import is_auto, next_group
from .plan_output import describe_unplaced, render
from .targets import rolling_tiers


def host_groups(order, size):
    """The rolling order cut into steps of `size` hosts (the last one may be smaller)."""
    return [list(order[i:i + size]) for i in range(0, len(order), size)]


def plan_rollout(cluster, options):
    """Every host of the rolling order drained, a group at a time, each step on the last one's result."""
    order = list(options.rolling_order)
    drainer = Drainer(cluster, options, rolling_tiers(order, -1))
    before = drainer.state.hosts_report()
    if is_auto(options.max_hosts_down):
        steps = auto_steps(drainer, order, options.max_hosts_down_cap, 1)
    else:
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


def prove_rest_auto(drainer, order, drained, cap):
    """prove_rest for max_hosts_down auto: the hosts before the first drained one and the drained ones are
    back in service; the others of the order (also those auto passed over) go in groups auto chooses."""
    start = min(order.index(h) for h in drained)
    for host in order[:start] + list(drained):
        drainer.index.return_to_service(host)
    rest = [h for h in order[start:] if h not in drained]
    return rollout_summary(auto_steps(drainer, rest, cap, 2))


def auto_steps(drainer, order, cap, first_number):
    """The rollout's steps with groups chosen by auto; with a smaller cap again when a step fails."""
    start = drainer.snapshot()
    for limit in range(cap, 0, -1):
        steps = greedy_steps(drainer, order, limit, first_number)
        if all(s.feasible for s in steps) or limit == 1:
            return steps
        drainer.restore(start)
        start = drainer.snapshot()
    return []


def greedy_steps(drainer, order, cap, first_number):
    """Each step the largest group (at most cap hosts) that drains feasibly, until one host cannot."""
    remaining = list(order)
    steps = []
    number = first_number
    while remaining:
        step = largest_step(drainer, remaining, cap, number)
        steps.append(step)
        for host in step.hosts:
            drainer.index.return_to_service(host)
            remaining.remove(host)
        if not step.feasible:
            break
        number += 1
    return steps


def largest_step(drainer, remaining, cap, number):
    """The drain of the largest feasible group of the next hosts after which the next host left can still
    be drained alone (a one-step look ahead); the first host alone when no group is."""
    for size in range(min(cap, len(remaining)), 1, -1):
        group = next_group(drainer.state, remaining, size)
        if len(group) < size:
            continue
        saved = drainer.snapshot()
        step = drainer.drain(group, number)
        if step.feasible and _next_host_drains(drainer, group, [h for h in remaining if h not in group]):
            return step
        drainer.restore(saved)
    return drainer.drain(remaining[:1], number)


def _next_host_drains(drainer, group, rest):
    """True when, the group back in service, the first host of rest can be drained alone (or none is left)."""
    if not rest:
        return True
    saved = drainer.snapshot()
    for host in group:
        drainer.index.return_to_service(host)
    feasible = drainer.drain(rest[:1]).feasible
    drainer.restore(saved)
    return feasible


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
        "steps": [{"step": s.step, "hosts": list(s.hosts), "host": ", ".join(s.hosts),
                   "moves": len(s.moves), "waves": max([m.wave for m in s.moves] or [0]),
                   "migrated_mb": int(sum(m.memory_mb for m in s.moves)),
                   "feasible": s.feasible} for s in steps],
        "first_failure": None,
    }
    if failure is not None:
        names = ", ".join(failure.hosts)
        summary["first_failure"] = {"step": failure.step, "hosts": list(failure.hosts), "host": names,
                                    "unplaced": failure.unplaced,
                                    "message": "step %s cannot drain %s: %s" % (
                                        failure.step, names, describe_unplaced(failure.unplaced))}
    return summary
