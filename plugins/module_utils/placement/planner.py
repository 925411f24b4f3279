# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core's entry point: a drain, a whole rollout, or a failback, returned as one plan dict."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .drain import Drainer, StepResult
from .failback import plan_failback
from .model import PlacementInputError, build_cluster
from .report import describe_unplaced, render
from .state import ClusterState, Options
from .targets import rolling_tiers

MODES = ("drain", "failback")
SCOPES = ("running", "all")


def make_plan(hosts, vms, rules=(), evacuate=(), mode="drain", scope="running", rolling_order=(),
              headroom_percent=0, max_parallel_per_host=2, max_parallel_total=0,
              count_powered_off=False):
    """Plan from plain dicts; raises PlacementInputError on bad input."""
    cluster = build_cluster(hosts, vms, rules)
    options = _options(cluster, evacuate, mode, scope, rolling_order, headroom_percent,
                       max_parallel_per_host, max_parallel_total, count_powered_off)
    evacuate = list(evacuate or ())
    if mode == "failback":
        if not evacuate:
            raise PlacementInputError("mode 'failback' needs 'evacuate': the host(s) that are back")
        return plan_failback(cluster, evacuate, options)
    if evacuate:
        return plan_drain(cluster, evacuate, options)
    if options.rolling_order:
        return plan_rollout(cluster, options)
    return plan_nothing(cluster, options)


def plan_nothing(cluster, options):
    """No host to drain: an empty plan that still reports every host's usage (a snapshot)."""
    state = ClusterState(cluster, options)
    return render([StepResult([])], state, "snapshot", [], state.hosts_report())


def _options(cluster, evacuate, mode, scope, rolling_order, headroom_percent, max_parallel_per_host,
             max_parallel_total, count_powered_off):
    if mode not in MODES:
        raise PlacementInputError("mode must be one of %s, got %r" % (", ".join(MODES), mode))
    if scope not in SCOPES:
        raise PlacementInputError("scope must be one of %s, got %r" % (", ".join(SCOPES), scope))
    for label, names in (("evacuate", evacuate or ()), ("rolling_order", rolling_order or ())):
        unknown = [n for n in names if n not in cluster.hosts]
        if unknown:
            raise PlacementInputError("%s names unknown host(s): %s; known hosts: %s"
                                      % (label, ", ".join(unknown), ", ".join(sorted(cluster.hosts))))
        if len(set(names)) != len(names):
            raise PlacementInputError("%s lists a host twice" % label)
    if not 0 <= float(headroom_percent or 0) < 100:
        raise PlacementInputError("headroom_percent must be in [0, 100), got %s" % headroom_percent)
    if max_parallel_per_host is None:
        max_parallel_per_host = 2
    if int(max_parallel_per_host) < 1 or int(max_parallel_total or 0) < 0:
        raise PlacementInputError("max_parallel_per_host must be >= 1 and max_parallel_total >= 0")
    return Options(scope, headroom_percent, max_parallel_per_host, max_parallel_total,
                   count_powered_off, rolling_order)


def plan_drain(cluster, evacuate, options):
    order = list(options.rolling_order)
    tiers = None
    if order:
        positions = [order.index(h) for h in evacuate if h in order]
        tiers = rolling_tiers(order, max(positions) if positions else -1)
    drainer = Drainer(cluster, options, tiers)
    before = drainer.state.hosts_report()
    step = drainer.drain(evacuate)
    plan = render([step], drainer.state, "drain", evacuate, before)
    if order:
        done = max([order.index(h) for h in evacuate if h in order] or [-1])
        plan["rollout"] = _check_rest(drainer, order, done + 1)
    return plan


def plan_rollout(cluster, options):
    """Every host of the rolling order drained in turn, each step on the state the last one left."""
    order = list(options.rolling_order)
    drainer = Drainer(cluster, options, rolling_tiers(order, -1))
    before = drainer.state.hosts_report()
    steps = []
    for number, host in enumerate(order, start=1):
        step = drainer.drain([host], number)
        steps.append(step)
        drainer.index.set_tier(host, 0)
        if not step.feasible:
            break
    plan = render(steps, drainer.state, "rollout", [], before)
    plan["rollout"] = _rollout_summary(order, steps)
    return plan


def _check_rest(drainer, order, start):
    steps = []
    for number, host in enumerate(order[start:], start=start + 1):
        step = drainer.drain([host], number)
        steps.append(step)
        drainer.index.set_tier(host, 0)
        if not step.feasible:
            break
    return _rollout_summary(order[start:], steps)


def _rollout_summary(order, steps):
    failure = next((s for s in steps if not s.feasible), None)
    summary = {
        "feasible": failure is None,
        "steps_checked": len(steps),
        "steps": [{"step": s.step, "host": s.evacuate[0], "moves": len(s.moves),
                   "waves": max([m.wave for m in s.moves] or [0]),
                   "migrated_mb": int(sum(m.memory_mb for m in s.moves)),
                   "feasible": s.feasible} for s in steps],
        "first_failure": None,
    }
    if failure is not None:
        summary["first_failure"] = {"step": failure.step, "host": failure.evacuate[0],
                                    "unplaced": failure.unplaced,
                                    "message": "step %s cannot drain %s: %s" % (
                                        failure.step, failure.evacuate[0], describe_unplaced(failure.unplaced))}
    return summary
