# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which hosts may be out of service together: the guests a step stops, and the groups auto chooses.

A VM that stays on a host of the step (held, unmanaged, in maintenance) and runs is stopped by the host's
reboot. Taking two hosts out together must not stop more members of a rule than one host at a time would:
members of a must anti-affinity rule on two hosts of the step, or more members of a disruption budget
than it allows, spread over two hosts of the step, make the step unsafe.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .scope import classify

AUTO = "auto"


def stopped_guests(state, host):
    """Names of the running VMs a reboot of host stops: those the drain leaves on it."""
    cluster = state.cluster
    residents = [cluster.vms[n] for n in state.residents[host]]
    return [s["vm"] for s in classify(residents, "all").skipped if cluster.vms[s["vm"]].power_state == "on"]


def step_conflicts(state, hosts):
    """Unplaced entries (the core's shape) for the guests a step of these hosts would stop together against
    a must anti-affinity rule or a disruption budget; empty when the step is safe (always for one host)."""
    if len(hosts) < 2:
        return []
    where = {}
    for host in hosts:
        for name in stopped_guests(state, host):
            where[name] = host
    entries = []
    for rule in state.cluster.rules:
        stopped = sorted(n for n in rule.vms if n in where)
        spread = sorted(set(where[n] for n in stopped))
        if len(spread) < 2:
            continue
        if rule.kind == "anti_affinity" and rule.is_must:
            code, limit = "anti_affinity", "the anti-affinity rule keeps them on different hosts"
        elif rule.kind == "disruption_budget" and len(stopped) > rule.max_unavailable:
            code, limit = "budget", "the disruption budget allows %d down at once" % rule.max_unavailable
        else:
            continue
        detail = ("rule '%s': %s stay on %s and would all stop while those hosts are out together (%s); "
                  "take those hosts out in different steps" % (rule.name, ", ".join(stopped), ", ".join(spread), limit))
        entries.extend({"vm": name, "host": where[name], "reasons": [{"code": code, "detail": detail}]}
                       for name in stopped)
    return entries


def next_group(state, remaining, size):
    """Up to size hosts of the remaining order to take out together: the first one always, then the next
    ones that do not stop guests against a rule together with those already chosen."""
    group = []
    for host in remaining:
        if len(group) == size:
            break
        if not group or not step_conflicts(state, group + [host]):
            group.append(host)
    return group


def is_auto(max_hosts_down):
    return max_hosts_down == AUTO
