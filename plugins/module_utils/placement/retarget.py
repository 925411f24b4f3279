# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new target for one VM whose planned target the platform refused, within capacity and rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .planner import make_plan


def retarget(hosts, vms, rules, vm_name, source, refused, whereabouts, scope="running", count_powered_off=False,
             headroom_percent=0):
    """(host, None) for the VM to go to instead, or (None, why).

    hosts, vms, rules: the cluster as read before the drain. whereabouts: where each VM of the drain is or is
    heading now (moved, in flight or still to start); refused: hosts the platform refused for this VM, which
    stay in the model (their VMs still count) but take nothing more.
    """
    refused = set(refused)
    hosts = [dict(h, state="maintenance") if h["name"] in refused and h.get("state", "up") == "up" else h
             for h in hosts]
    placed = []
    for vm in vms:
        host = source if vm["name"] == vm_name else whereabouts.get(vm["name"], vm["host"])
        placed.append(dict(vm, host=host))
    plan = make_plan(hosts, placed, rules, drain_hosts=[source], scope=scope,
                     headroom_percent=headroom_percent, count_powered_off=count_powered_off,
                     max_parallel_per_host=len(placed) or 1)
    for move in plan["moves"]:
        if move["vm"] == vm_name:
            return move["target"], None
    reasons = [r for u in plan["unplaced"] if u["vm"] == vm_name for r in u["reasons"]]
    if reasons:
        return None, "; ".join(r.get("detail") or r["code"] for r in reasons[:4])
    return None, "%s has no other host within capacity and rules" % vm_name
