# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core's entry point: a drain, a whole rollout, or a failback, returned as one plan dict."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .downtime import restrict_methods
from .drain import Drainer, StepResult
from .failback import plan_failback
from .groups import AUTO, is_auto
from .model import PlacementInputError, build_cluster
from .plan_output import render
from .rollout import plan_rollout, prove_rest, prove_rest_auto
from .state import ClusterState, Options
from .targets import rolling_tiers

MODES = ("drain", "failback")
SCOPES = ("running", "all")


def make_plan(hosts, vms, rules=(), drain_hosts=(), mode="drain", scope="running", rolling_order=(),
              headroom_percent=0, max_parallel_per_host=2, max_parallel_total=0,
              count_powered_off=False, max_hosts_down=1, allow_downtime=True, allow_downtime_vms=(),
              max_hosts_down_cap=4):
    """Plan from plain dicts; raises PlacementInputError on bad input.

    max_hosts_down: how many hosts of rolling_order a rollout step drains together (N-k), or "auto":
    each step the largest group, at most max_hosts_down_cap hosts, that the step's proof allows.
    allow_downtime false: running VMs move only by methods that keep the guest running, except
    the VMs named in allow_downtime_vms or whose dict says allow_downtime: true.
    """
    cluster = build_cluster(hosts, vms, rules)
    options = _options(cluster, drain_hosts, mode, scope, rolling_order, headroom_percent,
                       max_parallel_per_host, max_parallel_total, count_powered_off, max_hosts_down,
                       max_hosts_down_cap)
    restrict_methods(cluster, _allow_downtime(allow_downtime), _vm_names(allow_downtime_vms))
    drain_hosts = list(drain_hosts or ())
    if mode == "failback":
        if not drain_hosts:
            raise PlacementInputError("mode 'failback' needs 'drain_hosts': the host(s) that are back")
        plan = plan_failback(cluster, drain_hosts, options)
    elif drain_hosts:
        plan = plan_drain(cluster, drain_hosts, options)
    elif options.rolling_order:
        plan = plan_rollout(cluster, options)
    else:
        plan = plan_nothing(cluster, options)
    plan["max_hosts_down"] = options.max_hosts_down
    plan["max_hosts_down_cap"] = options.max_hosts_down_cap
    return plan


def plan_nothing(cluster, options):
    """No host to drain: an empty plan that still reports every host's usage (a snapshot)."""
    state = ClusterState(cluster, options)
    return render([StepResult([])], state, "snapshot", [], state.hosts_report())


def plan_drain(cluster, drain_hosts, options):
    """Drain the hosts now; with a rolling order, also prove the rest of the rollout after them."""
    order = list(options.rolling_order)
    done = max([order.index(h) for h in drain_hosts if h in order] or [-1])
    drainer = Drainer(cluster, options, rolling_tiers(order, done) if order else None)
    before = drainer.state.hosts_report()
    step = drainer.drain(drain_hosts)
    plan = render([step], drainer.state, "drain", drain_hosts, before)
    if order and is_auto(options.max_hosts_down):
        plan["rollout"] = prove_rest_auto(drainer, order, [h for h in drain_hosts if h in order] or order[:0],
                                          options.max_hosts_down_cap)
    elif order:
        plan["rollout"] = prove_rest(drainer, order, done, options.max_hosts_down)
    return plan


def _options(cluster, drain_hosts, mode, scope, rolling_order, headroom_percent, max_parallel_per_host,
             max_parallel_total, count_powered_off, max_hosts_down, max_hosts_down_cap):
    if mode not in MODES:
        raise PlacementInputError("mode must be one of %s, got %r" % (", ".join(MODES), mode))
    if scope not in SCOPES:
        raise PlacementInputError("scope must be one of %s, got %r" % (", ".join(SCOPES), scope))
    for label, names in (("drain_hosts", drain_hosts or ()), ("rolling_order", rolling_order or ())):
        unknown = [n for n in names if n not in cluster.hosts]
        if unknown:
            raise PlacementInputError("%s names unknown host(s): %s; known hosts: %s"
                                      % (label, ", ".join(unknown), ", ".join(sorted(cluster.hosts))))
        twice = _listed_twice(names)
        if twice:
            raise PlacementInputError("%s lists %s twice" % (label, ", ".join(twice)))
    if not 0 <= float(headroom_percent or 0) < 100:
        raise PlacementInputError("headroom_percent must be in [0, 100), got %s" % headroom_percent)
    if max_parallel_per_host is None:
        max_parallel_per_host = 2
    if int(max_parallel_per_host) < 1 or int(max_parallel_total or 0) < 0:
        raise PlacementInputError("max_parallel_per_host must be >= 1 and max_parallel_total >= 0")
    return Options(scope, headroom_percent, max_parallel_per_host, max_parallel_total,
                   count_powered_off, rolling_order, _max_hosts_down(max_hosts_down),
                   _whole_number("max_hosts_down_cap", max_hosts_down_cap, 4))


def _listed_twice(names):
    seen, twice = set(), []
    for name in names:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return twice


def _max_hosts_down(value):
    """"auto", or an int >= 1; an int-like string such as "2" is taken as its number; None means 1."""
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    try:
        return _whole_number("max_hosts_down", value, 1)
    except PlacementInputError:
        raise PlacementInputError("max_hosts_down must be an integer >= 1 or 'auto', got %r" % (value,))


def _whole_number(label, value, default):
    """An int >= 1; an int-like string such as "2" is taken as its number; None means default."""
    number = None
    if value is None:
        number = default
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 1:
        raise PlacementInputError("%s must be an integer >= 1, got %r" % (label, value))
    return number


def _allow_downtime(value):
    if value is None:
        return True
    if not isinstance(value, bool):
        raise PlacementInputError("allow_downtime must be true or false, got %r" % (value,))
    return value


def _vm_names(value):
    """allow_downtime_vms as a list of names; names of VMs not in the cluster are ignored."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
        raise PlacementInputError("allow_downtime_vms must be a list of VM names, got %r" % (value,))
    return list(value)
