# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters say why a host cannot take a VM (in the reason vocabulary); scores rank the rest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .downtime import stop_detail
from .model import METHODS

_RULE_REASON = {
    "affinity": "affinity",
    "anti_affinity": "anti_affinity",
    "vm_host": "vm_host_rule",
    "vm_anti_host": "vm_host_rule",
}
_REACH_METHODS = ("live", "quick", "failover")


def method_for(vm, source, target):
    """The first allowed method, in canonical order, that can carry the VM from source to target.

    Returns (method, reaches_storage) or (None, reason) where reason is a (code, detail) pair.
    """
    reach = target.reaches(vm.storage)
    method = _first_working(vm.methods, vm, source, reach)
    if method is not None:
        return method, reach
    return None, _why_no_method(vm, source, target, reach)


def _first_working(methods, vm, source, reach):
    for method in methods:
        if method == "failover":
            if source.state == "down" and reach:
                return method
        elif source.state == "down":
            continue
        elif method == "live":
            if vm.power_state == "on" and reach:
                return method
        elif method == "quick":
            if vm.power_state != "off" and reach:
                return method
        else:
            return method
    return None


def _why_no_method(vm, source, target, reach):
    if not vm.methods and vm.methods_reason:
        return ("no_allowed_method", "%s: %s" % (target.name, vm.methods_reason))
    stopping = _first_working(vm.stopping_methods, vm, source, reach)
    if stopping is not None:
        return ("no_allowed_method", stop_detail(stopping))
    if source.state == "down" and "failover" not in vm.methods:
        return ("no_allowed_method", "%s: host %s is down and failover is not allowed (methods: %s)"
                % (target.name, source.name, ", ".join(vm.methods) or "none"))
    if not reach and any(m in _REACH_METHODS for m in vm.methods):
        return ("no_storage_access", "%s: does not reach storage %s"
                % (target.name, ", ".join(s for s in vm.storage if s not in (target.storage or ()))))
    return ("no_allowed_method", "%s: no allowed method for a %s VM on a host that is %s (methods: %s)"
            % (target.name, vm.power_state, source.state, ", ".join(vm.methods) or "none"))


def placement_rules(cluster, vm_name):
    return [r for r in cluster.rules_of.get(vm_name, ()) if r.kind in _RULE_REASON]


def rule_check(state, vm, rule, target):
    """0 when the rule is kept by placing the VM on target, 1 when broken (the VM is lifted)."""
    if rule.kind == "vm_host":
        return 0 if target in rule.hosts else 1
    if rule.kind == "vm_anti_host":
        return 1 if target in rule.hosts else 0
    if rule.kind == "anti_affinity":
        return 1 if state.members_on(rule, target) >= rule.max_per_host else 0
    placed = state.member_hosts(rule)
    return 0 if not placed or target in placed else 1


def rule_reason(state, rule, target):
    code = _RULE_REASON[rule.kind]
    if rule.kind == "anti_affinity":
        detail = ("%s: already runs %s of anti-affinity rule '%s'"
                  % (target, "a VM" if rule.max_per_host == 1 else "%d VMs" % rule.max_per_host, rule.name))
    elif rule.kind == "affinity":
        detail = "%s: affinity rule '%s' keeps its VMs on %s" % (
            target, rule.name, ", ".join(sorted(state.member_hosts(rule))))
    elif rule.kind == "vm_host":
        detail = "%s: not in the hosts of rule '%s'" % (target, rule.name)
    else:
        detail = "%s: excluded by rule '%s'" % (target, rule.name)
    return (code, detail)


class Evaluation:
    """How well a host suits a unit of VMs that move together."""

    __slots__ = ("host", "methods", "key", "should_violations")

    def __init__(self, host, methods, key, should_violations):
        self.host = host
        self.methods = methods
        self.key = key
        self.should_violations = should_violations


def evaluate(state, unit, target_name, tier=0, tie=0):
    """Evaluation of target for the unit, or a (code, detail) rejection.

    The key orders hosts: reserve hosts last, then fewest broken should-rules, then the earliest
    method (live before quick before move ...), storage reach, rolling tier, then the balance;
    among equals, the lower tie (hosts drained later in the rolling order), then the name.
    """
    cluster = state.cluster
    target = cluster.hosts[target_name]
    methods = {}
    worst_rank = 0
    no_reach = 0
    should = 0
    for vm in unit.vms:
        method, info = method_for(vm, cluster.hosts[unit.sources[vm.name]], target)
        if method is None:
            return info
        methods[vm.name] = method
        worst_rank = max(worst_rank, METHODS.index(method))
        if not info:
            no_reach = 1
        for rule in unit.rules[vm.name]:
            if rule_check(state, vm, rule, target_name):
                if rule.is_must:
                    return rule_reason(state, rule, target_name)
                should += 1
    if unit.internal_conflict:
        return unit.internal_conflict
    unfit = state.fits(target_name, unit.counted_mb, unit.counted_vcpus, "affinity group " if len(unit.vms) > 1 else "")
    if unfit:
        return unfit
    key = (1 if target.emergency else 0, should, worst_rank, no_reach, tier,
           round(state.utilization(target_name, unit.counted_mb), 9), tie, target_name)
    return Evaluation(target_name, methods, key, should)
