# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An index of target hosts by free memory, so large clusters are searched in O(log n) per VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from bisect import bisect_left, insort

from .filters import Evaluation, evaluate, method_for
from .model import METHODS, Host

_ANYWHERE = Host("*", 1.0)  # a host that reaches every storage
TIE = 1e-9  # utilizations closer than this are a tie: the host with more free memory keeps it


def rolling_ties(order):
    """Among equally good later hosts, prefer the one drained last: VMs parked there move again
    only at the end, when every other host is updated and has room."""
    return dict((name, -i) for i, name in enumerate(order))


def rolling_tiers(order, position):
    """Tier 1 for hosts drained later in the order (avoid), 0 for hosts already done or outside."""
    return dict((name, 1 if i > position else 0) for i, name in enumerate(order))


class TargetIndex:
    """Hosts that may receive VMs, bucketed by (reserve host, rolling tier), sorted by free memory.

    The hosts that are up, and those a rollout returns to service after their step."""

    def __init__(self, state, tier_of=None, tie_of=None):
        self.state = state
        self.tier_of = dict(tier_of or {})
        self.tie_of = dict(tie_of or {})
        self.buckets = {}
        self.entry = {}
        self.narrowest = {}
        self.capacity = {}
        self.ranks = {}
        for name in sorted(state.cluster.hosts):
            if state.cluster.hosts[name].state == "up":
                self._admit(name)

    def snapshot(self):
        """A copy of what refresh and return_to_service change, for restore()."""
        return (dict(self.tier_of), dict((k, list(v)) for k, v in self.buckets.items()), dict(self.entry),
                dict(self.narrowest), dict(self.capacity))

    def restore(self, saved):
        self.tier_of, self.buckets, self.entry, self.narrowest, self.capacity = saved

    def _admit(self, name):
        self.capacity[name] = (self.state.memory_capacity(name), self.state.memory_capacity(name, headroom=False))
        self._insert(name)

    def tier(self, name):
        return self.tier_of.get(name, 0)

    def tie(self, name):
        return self.tie_of.get(name, 0) if self.tier(name) else 0

    def _bucket_key(self, name):
        return (1 if self.state.cluster.hosts[name].emergency else 0, self.tier(name))

    def _insert(self, name):
        key = self._bucket_key(name)
        usable, capacity = self.capacity[name]
        item = (self.state.memory_used[name] - usable, self.tie(name), name)
        insort(self.buckets.setdefault(key, []), item)
        self.entry[name] = (key, item)
        self.narrowest[key] = min(self.narrowest.get(key, capacity), capacity)

    def _remove(self, name):
        key, item = self.entry.pop(name)
        bucket = self.buckets[key]
        del bucket[bisect_left(bucket, item)]

    def refresh(self, name):
        """Re-file a host after its usage changed."""
        if name in self.entry:
            self._remove(name)
            self._insert(name)

    def return_to_service(self, name):
        """The rollout has updated the host and puts it back in service: it takes VMs again (tier 0),
        also when it was in maintenance before. A down host stays out: it cannot be updated."""
        self.tier_of[name] = 0
        if name in self.entry:
            self.refresh(name)
        elif self.state.cluster.hosts[name].state != "down":
            self._admit(name)

    def names(self):
        return sorted(self.entry)

    def best(self, unit, exclude):
        """The best Evaluation for the unit, or None.

        Scans buckets in key order, each from the most free host, and stops as soon as no host
        left can beat the best found: same result as evaluating every host, far fewer evaluations.
        """
        allowed = _allowed_hosts(self.state, unit)
        if allowed is not None:
            found = [evaluate(self.state, unit, n, self.tier(n), self.tie(n)) for n in sorted(allowed)
                     if n in self.entry and n not in exclude]
            return _min_key([e for e in found if isinstance(e, Evaluation)])
        rank = self._ideal_rank(unit)
        best = None
        for key in sorted(self.buckets):
            if best is not None and (key[0] == 1 or _is_ideal(best, rank)):
                break
            found = self._scan(key, unit, exclude, rank)
            if found is not None and (best is None or found.key < best.key):
                best = found
        return best

    def _scan(self, key, unit, exclude, rank):
        """Best Evaluation in one bucket. Hosts come by falling free memory, so once the best is
        ideal (no should-rule broken, best method, storage reached) only a lower utilization can
        beat it, and the utilization floor of the hosts left rises as their free memory falls."""
        best = None
        need = unit.counted_mb - 1e-6
        for neg_free, tie, name in self.buckets[key]:
            if -neg_free < need:
                break
            if best is not None and _is_ideal(best, rank) and \
                    self._utilization_floor(key, -neg_free, unit.counted_mb) > best.key[5] - TIE:
                break
            if name in exclude:
                continue
            result = evaluate(self.state, unit, name, key[1], tie)
            if isinstance(result, Evaluation) and (best is None or result.key < best.key):
                best = result
        return best

    def _ideal_rank(self, unit):
        """The method rank the unit would get on a host reaching all its storage (a lower bound
        for every host), -1 when no method can move it; cached by what decides the method."""
        worst = 0
        for vm in unit.vms:
            source = self.state.cluster.hosts[unit.sources[vm.name]]
            key = (vm.methods, vm.power_state, source.state)
            if key not in self.ranks:
                method, _info = method_for(vm, source, _ANYWHERE)
                self.ranks[key] = -1 if method is None else METHODS.index(method)
            if self.ranks[key] < 0:
                return -1
            worst = max(worst, self.ranks[key])
        return worst

    def _utilization_floor(self, key, free, extra_mb):
        """Lowest utilization after adding extra_mb to any host of the bucket with at most `free`."""
        narrowest = self.narrowest.get(key, 0.0)
        if narrowest <= 0:
            return float("-inf")
        share = 1.0 - self.state.options.headroom_percent / 100.0
        return share - (free - extra_mb) / narrowest


def _is_ideal(evaluation, rank):
    """True when only a lower utilization (or an earlier bucket) could beat the evaluation."""
    return evaluation.key[1] == 0 and evaluation.key[2] == rank and evaluation.key[3] == 0


def _allowed_hosts(state, unit):
    """Hosts a must vm_host or must affinity rule confines the unit to, or None when unconfined."""
    allowed = None
    for rules in unit.rules.values():
        for rule in rules:
            if not rule.is_must:
                continue
            if rule.kind == "vm_host":
                hosts = set(rule.hosts)
            elif rule.kind == "affinity" and state.member_hosts(rule):
                hosts = set(state.member_hosts(rule))
            else:
                continue
            allowed = hosts if allowed is None else allowed & hosts
    return allowed


def _min_key(evaluations):
    if not evaluations:
        return None
    return min(evaluations, key=lambda e: e.key)
