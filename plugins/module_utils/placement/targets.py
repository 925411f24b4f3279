# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An index of target hosts by free memory, so large clusters are searched in O(log n) per VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from bisect import bisect_left, insort

from .filters import Evaluation, evaluate

GOOD_PER_BUCKET = 4


def rolling_tiers(order, position):
    """Tier 1 for hosts drained later in the order (avoid), 0 for hosts already done or outside."""
    return dict((name, 1 if i > position else 0) for i, name in enumerate(order))


class TargetIndex:
    """Hosts that may receive VMs, bucketed by (reserve host, rolling tier), sorted by free memory."""

    def __init__(self, state, tier_of=None):
        self.state = state
        self.tier_of = dict(tier_of or {})
        self.buckets = {}
        self.entry = {}
        for name in sorted(state.cluster.hosts):
            if state.cluster.hosts[name].state == "up":
                self._insert(name)

    def tier(self, name):
        return self.tier_of.get(name, 0)

    def _bucket_key(self, name):
        return (1 if self.state.cluster.hosts[name].emergency else 0, self.tier(name))

    def _insert(self, name):
        key = self._bucket_key(name)
        free = self.state.memory_capacity(name) - self.state.memory_used[name]
        item = (-free, name)
        insort(self.buckets.setdefault(key, []), item)
        self.entry[name] = (key, item)

    def _remove(self, name):
        key, item = self.entry.pop(name)
        bucket = self.buckets[key]
        del bucket[bisect_left(bucket, item)]

    def refresh(self, name):
        """Re-file a host after its usage changed."""
        if name in self.entry:
            self._remove(name)
            self._insert(name)

    def set_tier(self, name, tier):
        self.tier_of[name] = tier
        self.refresh(name)

    def names(self):
        return sorted(self.entry)

    def best(self, unit, exclude):
        """The best Evaluation for the unit, or None. Scans each bucket from the most free host."""
        allowed = _allowed_hosts(self.state, unit)
        if allowed is not None:
            found = [evaluate(self.state, unit, n, self.tier(n)) for n in sorted(allowed)
                     if n in self.entry and n not in exclude]
            return _min_key([e for e in found if isinstance(e, Evaluation)])
        found = []
        for key in sorted(self.buckets):
            if key[0] == 1 and found:
                break
            found.extend(self._scan(self.buckets[key], unit, exclude, key[1]))
        return _min_key(found)

    def _scan(self, bucket, unit, exclude, tier):
        found = []
        good = 0
        need = unit.counted_mb - 1e-6
        for neg_free, name in bucket:
            if -neg_free < need:
                break
            if name in exclude:
                continue
            result = evaluate(self.state, unit, name, tier)
            if isinstance(result, Evaluation):
                found.append(result)
                if result.key[1] == 0 and result.key[3] == 0:
                    good += 1
                    if good >= GOOD_PER_BUCKET:
                        break
        return found


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
