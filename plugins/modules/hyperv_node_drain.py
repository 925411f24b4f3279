#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hyperv_node_drain
short_description: Drain a Hyper-V cluster node by a capacity-safe plan and pause it, or resume it with a safe failback
version_added: 0.1.0
description:
  - With O(state=paused) and O(method=plan) (the default), pauses O(node) so the cluster places nothing new on it,
    then moves its VM roles off following a placement plan - O(plan), or one made here from the cluster as
    M(vmfleet.maintenance.hyperv_cluster_info) reads it - wave by wave with C(Move-ClusterVirtualMachineRole) -
    live migration first, then the fallbacks the plan and the VM allow, in the canonical order (C(quick) saves and
    restores the VM, C(move) shuts it down and starts it on the target, C(failover) turns it off and starts it
    elsewhere and is only used when the node is down).
  - With O(method=cluster) the cluster drains the node itself (C(Suspend-ClusterNode -Drain)), spreading the VMs by
    free memory; the module waits for the drain and reports where each VM went.
  - An infeasible plan fails before anything moves or the node is paused. A paused node with no VM left to move
    reports no change.
  - With O(state=resumed) the node is resumed (C(Resume-ClusterNode)) and its VMs come back per O(failback) -
    C(none); C(immediate), the cluster's own failback, which sends every VM its drain moved home at once without
    looking at free memory, so on a node short of memory those live migrations fail (event 21502); or
    C(planned), which brings the VMs whose home is O(node) back only where capacity allows, planned by the
    placement core (M(vmfleet.maintenance.placement_plan) with C(mode=failback)).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.drain
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.HYPERV
attributes:
  check_mode:
    support: full
    details: Returns the plan and whether the node would be paused or resumed; moves nothing.
  diff_mode:
    support: none
    details: RV(results) (per VM) and RV(node_state) say what changed.
options:
  node:
    description: The cluster node to drain and pause, or to resume.
    type: str
    required: true
  state:
    description: C(paused) drains and pauses the node; C(resumed) resumes it and fails back per O(failback).
    type: str
    default: paused
    choices: [paused, resumed]
  method:
    description: With O(state=paused), C(plan) moves VMs by the placement plan, C(cluster) lets the cluster drain
      the node (C(Suspend-ClusterNode -Drain)).
    type: str
    default: plan
    choices: [plan, cluster]
  failback:
    description: With O(state=resumed), C(none), C(immediate) (C(Resume-ClusterNode -Failback Immediate)) or
      C(planned) (capacity-aware, by the placement core).
    type: str
    default: none
    choices: [none, immediate, planned]
  home_vms:
    description:
      - With O(failback=planned), the VMs whose home is O(node) - pass RV(home_vms) of the task that drained it.
        By default the VMs whose first preferred owner is O(node).
    type: list
    elements: str
  timeout:
    description: Seconds for all the moves (those still running are cancelled), for the cluster's drain, or for an
      immediate failback's migrations.
    type: int
    default: 3600
'''

EXAMPLES = r'''
- name: Drain HV01 by a capacity-safe plan and pause it
  vmfleet.maintenance.hyperv_node_drain:
    host: hv02.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    node: HV01
  register: drained

- name: After patching, resume HV01 and bring its VMs home where memory allows
  vmfleet.maintenance.hyperv_node_drain:
    host: hv02.contoso.local
    node: HV01
    state: resumed
    failback: planned
    home_vms: "{{ drained.home_vms }}"
'''

RETURN = r'''
plan:
  description: The drain or failback plan carried out, as RV(vmfleet.maintenance.placement_plan#module:plan) returns
    it; null when the cluster drained the node or failed back by itself.
  returned: always
  type: dict
results:
  description: One entry per VM moved or to move, in the order the moves were planned.
  returned: always
  type: list
  elements: dict
  contains:
    vm:
      description: The VM.
      type: str
      sample: APP001
    source:
      description: The node it left, or was to leave.
      type: str
      sample: HV01
    target:
      description: The node it was sent to (after a re-plan, the new one).
      type: str
      sample: HV04
    wave:
      description: The plan's wave of the move; null for moves the cluster made itself (O(method=cluster), O(failback=immediate)).
      type: int
      sample: 1
    method:
      description: The method that moved it (C(live), C(quick), C(move) or C(failover)), or null when none did.
      type: str
      sample: live
    attempts:
      description: Each method tried, in order.
      type: list
      elements: dict
      sample: [{method: live}]
      contains:
        method:
          description: The method tried.
          type: str
        error:
          description: Why it failed, when it did.
          type: str
        target:
          description: With C(replanned), the node the move now heads for.
          type: str
        replanned:
          description: Why this attempt goes to another node than the one before (the cluster refused the target).
          type: str
        replan:
          description: What re-planning found after a refusal - the new node, or why there is none.
          type: str
        stalled:
          description: How a live migration stopped progressing (see O(stall_seconds)).
          type: str
        action:
          description: What was done about the stall - C(force_complete) or C(abort) (see O(on_stall)).
          type: str
        action_error:
          description: Why forcing the migration to complete failed, when it did.
          type: str
        interruptions:
          description: Outages of the WinRM endpoint the attempt rode through.
          type: int
        interrupted_seconds:
          description: How long those outages lasted.
          type: float
    memory_mb:
      description: The memory the move carries.
      type: float
      sample: 8192
    duration_seconds:
      description: From the first attempt's start to the end; 0 when it never started.
      type: float
      sample: 9.1
    final_host:
      description: Where the VM is at the end; null when the WinRM endpoint stopped answering before that could be
        read.
      type: str
      sample: HV04
    status:
      description: C(moved), C(failed), C(in_flight) (the drain stopped while the move ran; it may still finish) or
        C(not_started).
      type: str
      sample: moved
    downtime:
      description: Whether a method carried out stopped the running guest (a cold or quick migration, or a live one
        that fell back to one). Not returned for moves the cluster made itself.
      type: bool
      sample: false
    error:
      description: Null, or what went wrong (the PowerShell error, or the failure event's reading).
      type: str
    planned_target:
      description: The plan's target; differs from RV(results[].target) when a refusal re-planned the move. Not returned for moves the cluster made itself.
      type: str
      sample: HV04
node_state:
  description: The node's cluster state before and after the task (as it would be, in check mode).
  returned: always
  type: dict
  contains:
    before:
      description: Before the task - C(Up), C(Paused), C(Down) ...
      type: str
      sample: Up
    after:
      description: After the task.
      type: str
      sample: Paused
home_vms:
  description: With O(state=paused), the VMs that ran on O(node) before the drain (in scope), for a later
    O(failback=planned).
  returned: with O(state=paused)
  type: list
  elements: str
'''

import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.module import (
    drain_argument_spec, plan_for, run_drain)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError, WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import HyperVCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.moves import HyperVMoveAdapter
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan


def moved_result(vm, source, target, memory_mb, error=None):
    """A per-VM result in the shape of the PlanRunner's, for moves the cluster made by itself."""
    return {"vm": vm, "source": source, "target": target, "wave": None, "method": "live",
            "attempts": [{"method": "live", "error": error} if error else {"method": "live"}],
            "memory_mb": memory_mb, "duration_seconds": 0, "final_host": source if error else target,
            "error": error, "status": "failed" if error else "moved"}


class HyperVNodeDrainModule(WinRMModule):
    argument_spec = dict(
        drain_argument_spec(),
        node=dict(type="str", required=True),
        state=dict(type="str", default="paused", choices=["paused", "resumed"]),
        method=dict(type="str", default="plan", choices=["plan", "cluster"]),
        failback=dict(type="str", default="none", choices=["none", "immediate", "planned"]),
        home_vms=dict(type="list", elements="str"),
        timeout=dict(type="int", default=3600),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def __init__(self):
        super(HyperVNodeDrainModule, self).__init__()
        self.cluster = HyperVCluster(self.shell)
        self.node = None

    def run(self):
        node = self.cluster.node_state(self.params["node"])
        self.node = node["name"]
        self.results.update(plan=None, results=[], node_state={"before": node["state"], "after": node["state"]})
        if node["state"] not in ("Up", "Paused"):
            self.fail("node %s is %s: only an Up or Paused node can be drained or resumed (the cluster fails the VMs "
                      "of a node that is down over by itself)" % (self.node, node["state"]))
        if self.params["state"] == "paused":
            self._pause(node)
        else:
            self._resume(node)

    # ------------------------------------------------------------------------------- paused

    def _pause(self, node):
        snap = self.cluster.gather()
        scope_all = self.params["scope"] == "all"
        mine = [v for v in snap.vms if v["host"] == self.node and (scope_all or v["power_state"] != "off")]
        self.results["home_vms"] = sorted(v["name"] for v in mine)
        if self.params["method"] == "cluster":
            self._cluster_drain(node, snap, mine)
            return
        plan = plan_for(self, self.node, snap.hosts, snap.vms, snap.rules, count_powered_off=False)
        blocked = plan.get("unplaced") and not self.params["allow_partial"]
        paused_now = node["state"] != "Paused" and not blocked
        if paused_now:
            self._set_state("Paused")  # first, so that the cluster places nothing new on it meanwhile
        run_drain(self, self.node, plan, HyperVMoveAdapter(self.cluster, snap),
                  dict((v["name"], v["methods"]) for v in snap.vms))
        self.results["changed"] = self.results["changed"] or paused_now
        if not self.check_mode and plan.get("moves"):
            self._check_empty(scope_all)

    def _cluster_drain(self, node, snap, mine):
        running = [v for v in mine if v["power_state"] != "off"]
        if node["state"] == "Paused" and node["drain_status"] == "Completed" and not running:
            return
        self.results["changed"] = True
        self.results["node_state"]["after"] = "Paused"
        if self.check_mode:
            return
        self.cluster.suspend(self.node, drain=True)
        status = self._wait(lambda: self.cluster.node_state(self.node)["drain_status"] not in ("InProgress",),
                            "the cluster's drain of %s" % self.node)
        after = self.cluster.gather()
        owners = dict((v["name"], v["host"]) for v in after.vms)
        drain_status = self.cluster.node_state(self.node)["drain_status"]
        results = []
        for vm in running:
            target = owners.get(vm["name"], self.node)
            error = None if target != self.node else "still on %s: the cluster's drain ended %s" % (
                self.node, drain_status if status else "by timeout")
            results.append(moved_result(vm["name"], self.node, target, vm["memory_mb"], error))
        self.results["results"] = results
        failed = [r for r in results if r["error"]]
        if failed:
            self.fail("drain of %s incomplete: %d of %d VMs are still on it (DrainStatus %s): %s" % (
                self.node, len(failed), len(results), drain_status, ", ".join(r["vm"] for r in failed[:10])))

    def _check_empty(self, scope_all):
        left = [v["name"] for v in self.cluster.gather([self.node]).vms
                if scope_all or v["power_state"] != "off"]
        if left and not self.params["allow_partial"]:
            self.fail("VM(s) %s are still on %s after the drain; move them or run again" % (", ".join(left), self.node))

    # ------------------------------------------------------------------------------ resumed

    def _resume(self, node):
        failback = self.params["failback"]
        before = self.cluster.gather() if failback == "immediate" else None
        started = self.cluster.host_time() if failback == "immediate" else None
        if node["state"] == "Paused":
            self._set_state("Up", "Immediate" if failback == "immediate" else "NoFailback")
        if failback == "immediate" and self.results["changed"] and not self.check_mode:
            self._immediate_results(before, started)
        elif failback == "planned":
            self._planned_failback()

    def _immediate_results(self, before, started):
        """Wait for the cluster's failback migrations, then report which VMs came home and which failed (21502)."""
        self._wait(lambda: not self.cluster.migrations_in_flight(), "the failback to %s" % self.node)
        after = dict((v["name"], v["host"]) for v in self.cluster.gather().vms)
        events, _skipped = self.cluster.migration_events(since=started, event_ids=[21502], max_events=200)
        failures = dict((e["vm"], e) for e in events if e["target"] == self.node)
        results = []
        for vm in before.vms:
            if after.get(vm["name"]) == self.node and vm["host"] != self.node:
                results.append(moved_result(vm["name"], vm["host"], self.node, vm["memory_mb"]))
            elif vm["name"] in failures:
                event = failures[vm["name"]]
                results.append(moved_result(vm["name"], vm["host"], self.node, vm["memory_mb"],
                                            "failback failed: not enough memory on %s for %s MB (event 21502 on %s)"
                                            % (self.node, event["memory_mb"], event["node"])))
        self.results["results"] = results
        failed = [r for r in results if r["error"]]
        if failed:
            self.fail("immediate failback to %s: %d live migration(s) failed for lack of memory (event 21502): %s; "
                      "use failback=planned" % (self.node, len(failed), ", ".join(r["vm"] for r in failed[:10])))

    def _planned_failback(self):
        params = self.params
        snap = self.cluster.gather()
        hosts = [dict(h, state="up") if h["name"] == self.node else h for h in snap.hosts]  # as it is (or will be)
        home = params["home_vms"]
        if home is None:
            home = [name for name, facts in snap.vm_facts.items()
                    if facts["preferred_owners"] and facts["preferred_owners"][0].lower() == self.node.lower()]
        unknown = [n for n in home if n not in snap.vm_facts]
        if unknown:
            raise HyperVError("home_vms names VM(s) the cluster does not have: %s" % ", ".join(unknown))
        vms = [dict(v, home=self.node) if v["name"] in home else v for v in snap.vms]
        if params["plan"]:
            plan = plan_for(self, self.node, hosts, vms, snap.rules, count_powered_off=False)
        else:
            plan = make_plan(hosts, vms, snap.rules, drain_hosts=[self.node], mode="failback", scope=params["scope"],
                             rolling_order=params["rolling_order"], headroom_percent=params["headroom_percent"],
                             max_parallel_per_host=params["max_parallel_per_host"],
                             max_parallel_total=params["max_parallel_total"])
        resumed = self.results["changed"]
        run_drain(self, self.node, plan, HyperVMoveAdapter(self.cluster, snap), dict((v["name"], v["methods"]) for v in vms))
        self.results["changed"] = self.results["changed"] or resumed

    # ------------------------------------------------------------------------------ helpers

    def _set_state(self, state, failback="NoFailback"):
        self.results["changed"] = True
        self.results["node_state"]["after"] = state
        if self.check_mode:
            return
        if state == "Paused":
            self.cluster.suspend(self.node)
        else:
            self.cluster.resume(self.node, failback)

    def _wait(self, done, what):
        """True once done() holds, polling every poll_seconds; False after timeout seconds."""
        deadline = time.monotonic() + self.params["timeout"]
        while not done():
            if time.monotonic() > deadline:
                self.ansible.warn("gave up waiting for %s after %s seconds" % (what, self.params["timeout"]))
                return False
            time.sleep(self.params["poll_seconds"])
        return True


def main():
    HyperVNodeDrainModule()()


if __name__ == "__main__":
    main()
