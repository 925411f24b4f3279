# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan dict every module returns, built from the steps the planner took."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def describe_unplaced(unplaced):
    parts = []
    for item in unplaced[:5]:
        codes = ", ".join(r["code"] for r in item["reasons"])
        parts.append("%s (%s)" % (item["vm"], codes))
    if len(unplaced) > 5:
        parts.append("and %d more" % (len(unplaced) - 5))
    return "; ".join(parts)


def render(steps, state, mode, drain_hosts, hosts_before):
    """The plan dict every module returns; hosts_before is the usage report before any move."""
    moves = [m for s in steps for m in s.moves]
    unplaced = [u for s in steps for u in s.unplaced]
    skipped = [k for s in steps for k in s.skipped]
    warnings = [w for s in steps for w in s.warnings]
    should = sum(s.should_violations for s in steps)
    hosts_after = state.hosts_report()
    methods = {}
    for move in moves:
        methods[move.method] = methods.get(move.method, 0) + 1
    status = "error" if unplaced else ("warning" if warnings else "ok")
    vm_memory = dict((v.name, v.memory_mb) for v in state.cluster.vms.values())
    return {
        "mode": mode,
        "drain_hosts": list(drain_hosts),
        "status": status,
        "feasible": not unplaced,
        "moves": [m.as_dict() for m in moves],
        "unplaced": unplaced,
        "skipped": skipped,
        "warnings": warnings,
        "hosts_before": hosts_before,
        "hosts_after": hosts_after,
        "metrics": {
            "moves": len(moves),
            "waves": max([m.wave for m in steps[-1].moves] or [0]) if len(steps) == 1 else
            sum(max([m.wave for m in s.moves] or [0]) for s in steps),
            "migrated_mb": int(sum(vm_memory[m.vm] for m in moves)),
            "unplaced": len(unplaced),
            "skipped": len(skipped),
            "should_violations": should,
            "methods": methods,
            "max_utilization_percent": max([h["utilization_percent"] for h in hosts_after.values()] or [0.0]),
        },
    }
