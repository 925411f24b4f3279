# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain one or more hosts: place every VM in scope, then order the moves into safe waves.

Hosts drained together (a rollout step of several hosts) are all excluded as targets, so none of
their VMs lands on another host of the step."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .filters import Evaluation, evaluate
from .groups import step_conflicts
from .scope import classify
from .search import improve
from .state import ClusterState
from .targets import TargetIndex, rolling_ties
from .units import build_units
from .waves import Budget, Move, schedule

SMALL_TARGETS = 40
SMALL_UNITS = 80
MAX_DETAILS = 4


class StepResult:
    """What one drain decided."""

    def __init__(self, hosts, step=None):
        self.hosts = list(hosts)
        self.step = step
        self.moves = []
        self.unplaced = []
        self.skipped = []
        self.warnings = []
        self.should_violations = 0

    @property
    def feasible(self):
        return not self.unplaced


class Drainer:
    """Holds the cluster state across drains, so a rollout plans each step on the last one's result."""

    def __init__(self, cluster, options, tier_of=None):
        self.cluster = cluster
        self.options = options
        self.state = ClusterState(cluster, options)
        ties = rolling_ties(options.rolling_order) if tier_of else None
        self.index = TargetIndex(self.state, tier_of, ties)
        self.tiered = bool(tier_of)
        self.depends_on = dict((v.name, v.depends_on) for v in cluster.vms.values() if v.depends_on)
        self.down_hosts = [n for n, h in cluster.hosts.items() if h.state == "down"]
        self.budget_rules = [r for r in cluster.rules if r.kind == "disruption_budget"]

    def snapshot(self):
        """The state and target index as they are, for restore() after a trial drain."""
        return self.state.snapshot(), self.index.snapshot()

    def restore(self, saved):
        self.state.restore(saved[0])
        self.index.restore(saved[1])

    def drain(self, hosts, step=None):
        """Drain the hosts together; a step that would stop guests against a rule changes nothing."""
        state = self.state
        result = StepResult(hosts, step)
        result.unplaced = step_conflicts(state, hosts)
        if result.unplaced:
            return result
        exclude = frozenset(hosts)
        residents = [self.cluster.vms[n] for h in hosts for n in state.residents[h]]
        scope = classify(residents, self.options.scope)
        result.skipped, result.warnings, result.unplaced = scope.skipped, scope.warnings, scope.errors
        memory_before = dict(state.memory_used)
        vcpus_before = dict(state.vcpus_used)
        sources = {}
        for vm in scope.movers:
            sources[vm.name] = state.lift(vm.name)
        for host in hosts:
            self.index.refresh(host)
        units = build_units(state, scope.movers, sources)
        placed, failed = self._place(units, exclude)
        changed = set(hosts)  # _place re-filed the targets it filled; these changed after
        for unit in failed:
            result.unplaced.extend(self._unplaced(unit, exclude))
            for vm in unit.vms:
                state.drop(vm.name, unit.sources[vm.name])
                changed.add(unit.sources[vm.name])
        moves = []
        for unit, evaluation in placed:
            result.should_violations += evaluation.should_violations
            if evaluation.should_violations:
                result.warnings.append("%s placed on %s against a should-rule: nothing else fits"
                                       % (", ".join(v.name for v in unit.vms), evaluation.host))
            for vm in unit.vms:
                counted = state.counts(vm)
                source, method = unit.sources[vm.name], evaluation.methods[vm.name]
                moves.append(Move(vm.name, source, evaluation.host, method, vm.memory_mb if counted else 0,
                                  vm.vcpus if counted else 0, vm.priority, step, vm.power_state,
                                  self.cluster.hosts[source].state == "down"))
        changed.update(self._schedule(moves, memory_before, vcpus_before, result))
        for host in changed:
            self.index.refresh(host)
        result.unplaced.sort(key=lambda u: u["vm"])
        return result

    def _place(self, units, exclude):
        """Greedy placement; on small drains a bounded exact search repairs and balances it."""
        state = self.state
        placed, failed = [], []
        for unit in units:
            evaluation = self.index.best(unit, exclude)
            if evaluation is None:
                failed.append(unit)
                continue
            unit.drop(state, evaluation.host)
            self.index.refresh(evaluation.host)
            placed.append((unit, evaluation))
        if not units or len(units) > SMALL_UNITS or (self.tiered and not failed):
            return placed, failed
        targets = [n for n in self.index.names() if n not in exclude]
        if len(targets) > SMALL_TARGETS:
            return placed, failed
        for unit, evaluation in placed:
            unit.lift(state)
        fixed = [n for n in state.cluster.hosts if n not in targets and n not in exclude]
        incumbent = None if failed else [e for _u, e in placed]
        better = improve(state, units if failed else [u for u, _e in placed],
                         targets, self.index.tier_of, incumbent, fixed)
        if better is None:
            for unit, evaluation in placed:
                unit.drop(state, evaluation.host)
        else:
            placed, failed = list(zip(units if failed else [u for u, _e in placed], better)), []
            for unit, evaluation in placed:
                unit.drop(state, evaluation.host)
        for name in targets:
            self.index.refresh(name)
        return placed, failed

    def _schedule(self, moves, memory_before, vcpus_before, result):
        """Waves for the moves; a move no wave can take goes back. Returns the hosts that changed."""
        state = self.state
        down = set(n for h in self.down_hosts for n in state.residents[h])
        down.update(m.vm for m in moves if self.cluster.hosts[m.source].state == "down")
        budgets = [Budget(r, down) for r in self.budget_rules]
        stuck = schedule(moves, memory_before, vcpus_before, state.memory_capacity,
                         lambda h: self.cluster.hosts[h].vcpu_capacity, self.depends_on, budgets,
                         self.options.max_parallel_per_host, self.options.max_parallel_total)
        stuck_names = set()
        changed = set()
        for move, (code, detail) in stuck:
            stuck_names.add(move.vm)
            changed.update((move.source, move.target))
            state.move(move.vm, move.source)
            result.unplaced.append({"vm": move.vm, "host": move.source,
                                    "reasons": [{"code": code, "detail": detail}]})
        result.moves.extend(m for m in moves if m.vm not in stuck_names)
        result.moves.sort(key=lambda m: (m.wave, m.source, m.vm))
        return changed

    def _unplaced(self, unit, exclude):
        """Why no host could take the unit, in the shared reason vocabulary."""
        state = self.state
        reasons = {}
        targets = [n for n in self.index.names() if n not in exclude]
        for name in targets:
            outcome = evaluate(state, unit, name, self.index.tier(name))
            if isinstance(outcome, Evaluation):
                continue
            details = reasons.setdefault(outcome[0], [])
            if outcome[1] not in details:  # a reason that names no host is said once
                details.append(outcome[1])
        if not targets:
            reasons["insufficient_memory"] = ["no host is up outside the drained hosts"]
        listed = []
        for code in sorted(reasons):
            details = reasons[code]
            text = "; ".join(details[:MAX_DETAILS])
            if len(details) > MAX_DETAILS:
                text += "; and %d more host(s)" % (len(details) - MAX_DETAILS)
            listed.append({"code": code, "detail": text})
        if not listed:
            listed.append({"code": "insufficient_memory",
                           "detail": "the hosts that could take it were filled by other VMs of this drain"})
        entries = []
        for vm in unit.vms:
            entry = {"vm": vm.name, "host": unit.sources[vm.name], "reasons": listed}
            if len(unit.vms) > 1:
                entry["group"] = [v.name for v in unit.vms]
            entries.append(entry)
        return entries
