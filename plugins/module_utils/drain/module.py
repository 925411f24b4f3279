# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every platform's drain module does the same way: take or make the plan, refuse an
infeasible one before anything moves, run it with the platform adapter, and report per VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.progress import ProgressFile
from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import DrainInterrupted, PlanRunner
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.downtime import allowed_methods
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.plan_output import describe_unplaced
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.retarget import retarget


def drain_argument_spec():
    """Options of every module that drains a host (documented in the drain doc fragment); each module names the
    host to empty itself (O(host) on nova and vSphere, O(node) on Hyper-V, where O(host) is the WinRM endpoint)."""
    return dict(
        plan=dict(type="dict"),
        scope=dict(type="str", default="running", choices=["running", "all"]),
        rolling_order=dict(type="list", elements="str", default=[]),
        headroom_percent=dict(type="float", default=0),
        max_parallel_per_host=dict(type="int", default=2),
        max_parallel_total=dict(type="int", default=0),
        stall_seconds=dict(type="int", default=120),
        on_stall=dict(type="str", default="abort", choices=["abort", "force_complete", "fail"]),
        poll_seconds=dict(type="float", default=2.0),
        allow_partial=dict(type="bool", default=False),
        progress_file=dict(type="path"),
        allow_downtime=dict(type="bool", default=True),
        allow_downtime_vms=dict(type="list", elements="str", default=[]),
    )


def plan_for(module, host, hosts, vms, rules, count_powered_off):
    """The plan given by the user (its moves of the host to empty that are still to do), or a new one.

    Also settles the downtime policy for run_drain: the methods each VM may move (or fall back) by.
    """
    params = module.params
    module.cluster_read = (hosts, vms, rules, count_powered_off)
    down = [h["name"] for h in hosts if h.get("state") == "down"]
    module.policy_methods = allowed_methods(vms, params["allow_downtime"], params["allow_downtime_vms"], down)
    if host not in [h["name"] for h in hosts]:
        module.fail("unknown host '%s'; known hosts: %s" % (host, ", ".join(sorted(h["name"] for h in hosts))))
    given = params.get("plan")
    if given:
        location = dict((v["name"], v["host"]) for v in vms)
        side = "target" if given.get("mode") == "failback" else "source"
        if side == "target":  # a VM going home goes there or stays: nothing to re-plan
            module.cluster_read = None
        moves = [m for m in given.get("moves", []) if m.get(side) == host and m["vm"] in location
                 and location[m["vm"]] == m["source"]]
        steps = set(m.get("step") for m in moves)
        if len(steps) > 1:
            module.fail("the plan moves VMs of %s in several rollout steps; pass the step's plan" % host)
        unplaced = [u for u in given.get("unplaced", []) if u.get("host") == host]
        return dict(given, moves=moves, unplaced=unplaced if side == "source" else [])
    return make_plan(hosts, vms, rules, drain_hosts=[host], scope=params["scope"],
                     rolling_order=params["rolling_order"], headroom_percent=params["headroom_percent"],
                     max_parallel_per_host=params["max_parallel_per_host"],
                     max_parallel_total=params["max_parallel_total"], count_powered_off=count_powered_off,
                     allow_downtime=params["allow_downtime"], allow_downtime_vms=params["allow_downtime_vms"])


def _retargeter(module):
    """What the runner asks when the platform's scheduler refuses a planned target: another host for that VM,
    chosen by the placement core on the cluster as read, with the drain's other moves where they are heading."""
    read = getattr(module, "cluster_read", None)
    if read is None:
        return None
    hosts, vms, rules, count_powered_off = read
    params = module.params

    def ask(move, refused, whereabouts):
        return retarget(hosts, vms, rules, move["vm"], move["source"], refused, whereabouts,
                        scope=params["scope"], count_powered_off=count_powered_off,
                        headroom_percent=params["headroom_percent"])
    return ask


def run_drain(module, host, plan, adapter, supported_methods):
    """Carry out the plan of emptying (or, for a failback plan, filling) host; fills module.results (plan, results,
    changed) or fails with the report."""
    params = module.params
    module.results["plan"] = plan
    if plan.get("unplaced") and not params["allow_partial"]:
        module.fail("cannot drain %s: %s. Nothing was moved. Free capacity, relax rules or hold those VMs "
                    "(allow_partial moves the rest)." % (host, describe_unplaced(plan["unplaced"])))
    moves = plan.get("moves", [])
    if not moves:
        module.results.update(changed=False, results=[])
        return
    module.results["changed"] = True
    if module.check_mode:
        module.results["results"] = []
        return
    policy = getattr(module, "policy_methods", {})
    allowed = dict((vm, [m for m in methods if m in policy.get(vm, methods)])
                   for vm, methods in supported_methods.items())
    progress = ProgressFile(params["progress_file"], host, moves) if params["progress_file"] else None
    runner = PlanRunner(adapter, allowed, stall_seconds=params["stall_seconds"],
                        on_stall=params["on_stall"], timeout=params["timeout"],
                        poll_seconds=params["poll_seconds"], progress=progress.update if progress else None,
                        retry_seconds=params.get("retry_seconds"), retarget=_retargeter(module))
    try:
        results = [r.as_dict() for r in runner.run(moves)]
    except DrainInterrupted as stopped:
        if progress:  # the journal says which moves may still finish on the platform (in_flight)
            progress.finish(stopped.result_dicts())
        raise
    if progress:
        progress.finish(results)
    module.results["results"] = results
    failed = [r for r in results if r["status"] == "failed"]
    waiting = [r for r in results if r["status"] == "not_started"]
    if failed or waiting:
        module.fail("drain of %s incomplete: %d of %d moves failed (%s)%s. The VMs not moved stay on %s." % (
            host, len(failed), len(results),
            "; ".join("%s: %s" % (r["vm"], r["error"]) for r in failed[:5]),
            ", %d not started after that" % len(waiting) if waiting else "", host))
