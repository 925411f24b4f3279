# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units: the VMs that must land on one host together (must-affinity groups), or single VMs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .filters import placement_rules


class Unit:
    """One or more VMs placed as one, with their sources and the rules that bind them."""

    __slots__ = ("name", "vms", "sources", "rules", "counted_mb", "counted_vcpus", "priority",
                 "internal_conflict")

    def __init__(self, state, vms, sources):
        self.vms = sorted(vms, key=lambda v: v.name)
        self.name = self.vms[0].name
        self.sources = dict((v.name, sources[v.name]) for v in self.vms)
        self.rules = dict((v.name, placement_rules(state.cluster, v.name)) for v in self.vms)
        counted = [v for v in self.vms if state.counts(v)]
        self.counted_mb = sum(v.memory_mb for v in counted)
        self.counted_vcpus = sum(v.vcpus for v in counted)
        self.priority = max(v.priority for v in self.vms)
        self.internal_conflict = _internal_conflict(self.vms, self.rules)

    def drop(self, state, host):
        """Put the unit's (lifted) VMs on host."""
        for vm in self.vms:
            state.drop(vm.name, host)

    def lift(self, state):
        """Take the unit's VMs off wherever they are."""
        for vm in self.vms:
            state.lift(vm.name)

    @property
    def constrained(self):
        return any(r.is_must for rules in self.rules.values() for r in rules)

    def order_key(self):
        """Hardest first: constrained units, then the biggest (first-fit decreasing)."""
        return (0 if self.constrained else 1, -self.counted_mb, -self.priority, self.name)


def _internal_conflict(vms, rules):
    if len(vms) < 2:
        return None
    names = set(v.name for v in vms)
    for vm in vms:
        for rule in rules[vm.name]:
            if rule.is_must and rule.kind == "anti_affinity" and len(names.intersection(rule.vms)) > rule.max_per_host:
                return ("anti_affinity", "affinity keeps %s together but anti-affinity rule '%s' separates them"
                        % (", ".join(sorted(names)), rule.name))
    return None


def build_units(state, movers, sources):
    """Group movers joined by must-affinity rules into units (union-find over the rules)."""
    parent = dict((v.name, v.name) for v in movers)

    def find(name):
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    rules = dict((id(r), r) for vm in movers for r in state.cluster.rules_of.get(vm.name, ()))
    for rule in rules.values():
        if rule.kind != "affinity" or not rule.is_must:
            continue
        moving = [n for n in rule.vms if n in parent]
        for other in moving[1:]:
            parent[find(other)] = find(moving[0])
    groups = {}
    for vm in movers:
        groups.setdefault(find(vm.name), []).append(vm)
    units = [Unit(state, vms, sources) for vms in groups.values()]
    units.sort(key=Unit.order_key)
    return units
