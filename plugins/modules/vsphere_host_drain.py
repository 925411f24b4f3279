#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: vsphere_host_drain
short_description: Drain an ESXi host by a capacity-safe plan and put it in maintenance mode
version_added: 0.1.0
description:
  - Moves every VM in scope off O(host) following a placement plan, wave by wave, per VM in the canonical
    fallback order - vMotion (C(live), C(MigrateVM_Task) to the target host), cold migration of a powered-off or
    suspended VM (C(move), C(RelocateVM_Task); its power state is kept), or relocation with the VM's files to a
    datastore the target mounts (C(storage), vMotion with Storage vMotion for a running VM).
  - Without DRS nothing moves VMs for you; the plan (O(plan), or one made here from the host's cluster as
    M(vmfleet.maintenance.vsphere_cluster_info) reads it) decides every target, honouring DRS rules.
  - Watches each task's progress; a move whose progress does not change for O(stall_seconds) is cancelled
    (O(on_stall=abort)). vSphere has no force-complete, so O(on_stall=force_complete) waits one more stall period.
  - With O(maintenance_mode=enter) (the default) the host enters maintenance mode once no powered-on VM is left
    on it, and the module fails, naming them, when some remain. An empty host already in maintenance mode reports
    no change.
  - With O(maintenance_mode=exit) the host leaves maintenance mode first; then only O(plan) is carried out when
    given (a failback plan brings VMs back) and nothing is planned here.
  - An infeasible plan fails before anything moves.
  - vSphere Cluster Services (vCLS) agent VMs are never planned and never counted as keeping the host out of
    maintenance mode (vCenter stops or moves them itself); RV(agent_vms) lists them.
  - With DRS enabled and fully automated vCenter may move VMs back onto the host while it is drained; the module
    warns then. Hold DRS for the drain with M(vmfleet.maintenance.vsphere_drs_hold) (the platform role does).
    The capacity vSphere HA admission control keeps back is not used by the plan made here (see
    M(vmfleet.maintenance.vsphere_cluster_info)).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.vmware
  - vmfleet.maintenance.drain
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.VSPHERE
attributes:
  check_mode:
    support: full
    details: Returns the plan and whether maintenance mode would change; moves nothing.
  diff_mode:
    support: none
    details: RV(results) (per VM) and RV(in_maintenance_mode) say what changed.
options:
  host:
    description: The ESXi host to drain, by its name in vCenter.
    type: str
    required: true
  maintenance_mode:
    description: C(enter) maintenance mode once the host is empty, C(exit) it before carrying out a given plan,
      or C(none) to leave it as it is.
    type: str
    default: enter
    choices: [enter, exit, none]
  timeout:
    description: Seconds for all the moves (those still running are cancelled), and for entering or leaving
      maintenance mode.
    type: int
    default: 3600
'''

EXAMPLES = r'''
- name: Repair what breaks vMotion first
  vmfleet.maintenance.vsphere_vmotion_preflight:
    cluster: Cluster-A
    fix: true

- name: Drain esx-01 and put it in maintenance mode
  vmfleet.maintenance.vsphere_host_drain:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    host: esx-01
    headroom_percent: 10
  register: drained

- name: After patching, take esx-01 out of maintenance mode
  vmfleet.maintenance.vsphere_host_drain:
    host: esx-01
    maintenance_mode: exit
'''

RETURN = r'''
plan:
  description: The plan carried out, as RV(vmfleet.maintenance.placement_plan#module:plan) returns it; null with
    O(maintenance_mode=exit) and no O(plan).
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
      sample: web-01
    source:
      description: The host it left, or was to leave.
      type: str
      sample: esx-01
    target:
      description: The host it was sent to (after a re-plan, the new one).
      type: str
      sample: esx-03
    wave:
      description: The plan's wave of the move.
      type: int
      sample: 1
    method:
      description: The method that moved it (C(live) for vMotion, C(move) for a cold migration, C(storage) with the VM's files), or null when none did.
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
          description: With C(replanned), the host the move now heads for.
          type: str
        replanned:
          description: Why this attempt goes to another host than the one before (vCenter refused the target).
          type: str
        replan:
          description: What re-planning found after a refusal - the new host, or why there is none.
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
          description: Outages of the vSphere API the attempt rode through.
          type: int
        interrupted_seconds:
          description: How long those outages lasted.
          type: float
    memory_mb:
      description: The memory the move carries.
      type: float
      sample: 4096
    duration_seconds:
      description: From the first attempt's start to the end; 0 when it never started.
      type: float
      sample: 12.4
    final_host:
      description: Where the VM is at the end; null when the vSphere API stopped answering before that could be
        read.
      type: str
      sample: esx-03
    status:
      description: C(moved), C(failed), C(in_flight) (the drain stopped while the move ran; it may still finish) or
        C(not_started).
      type: str
      sample: moved
    downtime:
      description: Whether a method carried out stopped the running guest (a cold or quick migration, or a live one
        that fell back to one).
      type: bool
      sample: false
    error:
      description: Null, or what went wrong (the vSphere fault and what to fix).
      type: str
    planned_target:
      description: The plan's target; differs from RV(results[].target) when a refusal re-planned the move.
      type: str
      sample: esx-03
agent_vms:
  description: The vCLS agent VMs on the host (vCenter stops or moves them itself); empty with
    O(maintenance_mode=exit) and no O(plan).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The agent VM's name.
      type: str
      sample: vCLS-4c1d8a3e
    host:
      description: The host it runs on.
      type: str
      sample: esx-01
    power_state:
      description: Its power state as vSphere names it.
      type: str
      sample: poweredOn
    treatment:
      description: How the collection treats it.
      type: str
drs:
  description: DRS of the host's cluster; null for a standalone host.
  returned: always
  type: dict
  contains:
    cluster:
      description: The cluster's name.
      type: str
      sample: Cluster-A
    enabled:
      description: Whether DRS is on.
      type: bool
      sample: true
    behavior:
      description: The default automation level - C(fullyAutomated), C(partiallyAutomated) or C(manual).
      type: str
      sample: partiallyAutomated
in_maintenance_mode:
  description: Whether the host was in maintenance mode before the task and is after it (as it would be, in check
    mode).
  returned: always
  type: dict
  contains:
    before:
      description: Before the task.
      type: bool
      sample: false
    after:
      description: After the task.
      type: bool
      sample: true
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.module import (
    drain_argument_spec, plan_for, run_drain)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VmwareModule, wait_for_task
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import VsphereCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.moves import VsphereMoveAdapter, powered_on_vms, set_maintenance_mode
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.services import drs_facts, drs_moves_vms

try:
    from pyVmomi import vim
except ImportError:
    pass  # vsphere.base reports the missing library once


class VsphereHostDrainModule(VmwareModule):
    argument_spec = dict(
        drain_argument_spec(),
        host=dict(type="str", required=True),
        maintenance_mode=dict(type="str", default="enter", choices=["enter", "exit", "none"]),
        timeout=dict(type="int", default=3600),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def run(self):
        params = self.params
        cluster = VsphereCluster(self.content, gathering=True)
        host = cluster.select_hosts(hosts=[params["host"]])[0]
        in_maintenance = bool(host.runtime.inMaintenanceMode)
        drs = drs_facts(host.parent) if isinstance(host.parent, vim.ClusterComputeResource) else None
        self.results.update(plan=None, results=[], agent_vms=[], drs=drs,
                            in_maintenance_mode={"before": in_maintenance, "after": in_maintenance})
        if drs and drs_moves_vms(drs) and params["maintenance_mode"] != "exit":
            self.ansible.warn("DRS of cluster %s is fully automated: vCenter may move VMs back onto %s while it is "
                              "drained; hold it for the drain (vsphere_drs_hold)" % (drs["cluster"], host.name))
        if params["maintenance_mode"] == "exit":
            self._maintenance(host, enter=False)
            if not params["plan"]:
                return
        snap = cluster.gather(cluster.peers([host]))
        self.results["agent_vms"] = [a for a in snap.agent_vms if a["host"] == host.name]
        plan = plan_for(self, host.name, snap.hosts, snap.vms, snap.rules, count_powered_off=False)
        adapter = VsphereMoveAdapter(self.content, snap.vm_objects, snap.host_objects)
        exited = self.results["changed"]
        run_drain(self, host.name, plan, adapter, dict((v["name"], v["methods"]) for v in snap.vms))
        self.results["changed"] = self.results["changed"] or exited
        if params["maintenance_mode"] == "enter":
            self._enter(host, snap, plan)

    def _enter(self, host, snap, plan):
        """Enter maintenance mode once no powered-on VM is left (or, in check mode, would be left)."""
        if self.check_mode:
            moved = set(m["vm"] for m in plan["moves"])
            name = self.params["host"]
            remaining = [v["name"] for v in snap.vms
                         if v["host"] == name and v["power_state"] == "on" and v["name"] not in moved]
        else:
            remaining = powered_on_vms(host)
        if remaining:
            self.fail("cannot enter maintenance mode on %s: powered-on VM(s) %s %s on it; move them (check the "
                      "plan's unplaced and held VMs) or power them off first"
                      % (host.name, ", ".join(remaining), "would remain" if self.check_mode else "remain"))
        self._maintenance(host, enter=True)

    def _maintenance(self, host, enter):
        """Enter or leave maintenance mode unless the host already is where it should be."""
        state = self.results["in_maintenance_mode"]
        if state["after"] == enter:
            return
        state["after"] = enter
        self.results["changed"] = True
        if not self.check_mode:
            timeout = self.params["timeout"]
            set_maintenance_mode(host, enter, timeout, lambda task: wait_for_task(task, timeout + 30))


def main():
    VsphereHostDrainModule()()


if __name__ == "__main__":
    main()
