#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: placement_plan
short_description: Plan where every VM goes when hosts are drained, rolled or failed back
version_added: 0.1.0
description:
  - Runs the collection's placement core on a cluster model and returns the plan; it changes nothing.
  - A drain moves every VM in scope off the O(drain_hosts) hosts to hosts where it fits, by the first allowed
    method that works (live, quick, move, storage, failover), honouring must rules always and should rules
    unless nothing else fits, in waves that never overfill a host at any instant.
  - With O(rolling_order) and no O(drain_hosts), the plan covers the whole rollout and proves every step can
    be drained, O(max_hosts_down) hosts of the order at a time (N-k at every step), or names the first step
    that cannot and why. With O(max_hosts_down=auto) the planner chooses each step's group itself.
  - With O(allow_downtime=false), a running VM moves only by a method that keeps its guest running
    (C(live), C(storage), or C(failover) from a host that is down); a VM no such method can move is
    unplaced with reason C(no_allowed_method) unless downtime is allowed for it.
  - O(mode=failback) plans which VMs return to the O(drain_hosts) hosts (now back), only where capacity allows.
  - With neither O(drain_hosts) nor O(rolling_order), the plan is empty and reports each host's usage (a snapshot).
  - It plans on the controller, in Ansible's own process (an action plugin), whatever host the task runs for.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.cluster_model
  - vmfleet.maintenance.cluster_model.PLACEMENT_OPTIONS
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
attributes:
  action:
    description: Has an action plugin, which plans on the controller without starting a module process.
    support: full
options:
  drain_hosts:
    description:
      - Hosts to drain (O(mode=drain)), or hosts that are back (O(mode=failback)).
      - The alias O(evacuate) is deprecated and will be removed in 1.0.0.
    type: list
    elements: str
    default: []
    aliases: [evacuate]
  mode:
    description: C(drain) empties hosts; C(failback) brings VMs home where capacity allows.
    type: str
    default: drain
    choices: [drain, failback]
  allow_partial:
    description:
      - Return a plan that leaves some VMs unplaced instead of failing.
    type: bool
    default: false
  max_hosts_down:
    description:
      - How many hosts of O(rolling_order) are out of service at once, an integer >= 1 or C(auto). Each rollout
        step drains that many hosts together (the last step may have fewer), and none of their VMs goes to
        another host of the step.
      - C(auto) chooses, step by step on the state the steps before leave, the largest group of the next hosts
        of the order (at most O(max_hosts_down_cap)) that can be drained feasibly, so the rollout takes as few
        steps as its proof allows. A host that cannot be out with the others waits for a later step, so the
        hosts may go in a different order. Should a greedy choice leave a later host undrainable, the rollout
        is planned again with a smaller cap, down to one host at a time.
      - In every step of several hosts, guests the drain leaves on them (held, unmanaged, in maintenance) must
        not stop together against a must anti-affinity rule or beyond a disruption budget. Such a step is
        infeasible (reason C(anti_affinity) or C(budget)), and C(auto) never chooses one.
      - With O(drain_hosts), the rest of the rollout after the drained hosts is proven in steps of this size
        (with C(auto), in the groups C(auto) chooses).
    type: raw
    default: 1
  max_hosts_down_cap:
    description:
      - With O(max_hosts_down=auto), the most hosts one step takes out of service.
    type: int
    default: 4
  allow_downtime:
    description:
      - C(true) lets the plan move a running VM by a method that stops its guest (C(quick), C(move)), as a
        last resort after the methods that keep it running; such moves say C(downtime=true).
      - C(false) moves running VMs only by C(live) or C(storage) (or C(failover) from a host that is down),
        except the VMs of O(allow_downtime_vms) and those with O(vms[].allow_downtime=true).
      - Powered-off and suspended VMs move by any allowed method either way.
    type: bool
    default: true
  allow_downtime_vms:
    description:
      - VMs whose guest may be stopped to move them even with O(allow_downtime=false). Names of VMs not in
        O(vms) are ignored.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Plan the drain of esx-01
  vmfleet.maintenance.placement_plan:
    hosts:
      - {name: esx-01, memory_mb: 262144}
      - {name: esx-02, memory_mb: 262144}
      - {name: esx-03, memory_mb: 262144, emergency: true}
    vms:
      - {name: db-1, host: esx-01, memory_mb: 65536}
      - {name: db-2, host: esx-02, memory_mb: 65536}
      - {name: web-1, host: esx-01, memory_mb: 8192, methods: [live, move]}
    rules:
      - {name: db-apart, kind: anti_affinity, vms: [db-1, db-2]}
    drain_hosts: [esx-01]
  register: drain

- name: Prove the whole rollout before anything moves
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    rolling_order: [node1, node2, node3, node4]
    headroom_percent: 5
  register: rollout

- name: Prove a rollout two hosts at a time, moving running VMs only without downtime
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rolling_order: [node1, node2, node3, node4]
    max_hosts_down: 2
    allow_downtime: false
    allow_downtime_vms: [build-agent-7]
  register: rollout

- name: Let the planner size each step, at most six hosts out at once
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    rolling_order: "{{ cluster.hosts | map(attribute='name') | list }}"
    max_hosts_down: auto
    max_hosts_down_cap: 6
  register: rollout

- name: Which VMs may return to node1 now
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    mode: failback
    drain_hosts: [node1]
    rolling_order: [node1, node2, node3, node4]
'''

RETURN = r'''
plan:
  description: The plan; the drain modules take it as their O(vmfleet.maintenance.nova_host_drain#module:plan).
  returned: always
  type: dict
  contains:
    mode:
      description: C(drain), C(failback), C(rollout) (a whole rollout from O(rolling_order)) or C(snapshot)
        (nothing to drain).
      type: str
      sample: drain
    drain_hosts:
      description: The hosts drained (or, with O(mode=failback), back).
      type: list
      elements: str
      sample: [esx-01]
    status:
      description: C(ok), C(warning) (should rules broken, VMs in maintenance) or C(error) (VMs unplaced).
      type: str
      sample: ok
    feasible:
      description: True when every VM in scope is moved or skipped.
      type: bool
    moves:
      description: The moves, in wave order.
      type: list
      elements: dict
      sample: [{vm: web-1, source: esx-01, target: esx-02, method: live, wave: 1, memory_mb: 8192, power_state: "on",
                source_down: false, downtime: false}]
      contains:
        vm:
          description: The VM to move.
          type: str
        source:
          description: The host it leaves.
          type: str
        target:
          description: The host it goes to.
          type: str
        method:
          description: The first method to try (C(live), C(quick), C(move), C(storage) or C(failover)); the drain
            modules fall back to the later methods the VM allows.
          type: str
        wave:
          description: The wave the move starts in; a wave starts when the one before has ended.
          type: int
        step:
          description: The rollout step of the move.
          type: int
          returned: in whole-rollout plans
        memory_mb:
          description: The VM's memory, held on the target from the move's start.
          type: int
        power_state:
          description: The VM's power state (C(on), C(off) or C(suspended)).
          type: str
        source_down:
          description: Whether the source host is down. With C(power_state), the drain modules use it to tell
            whether a fallback method stops the guest too.
          type: bool
        downtime:
          description: Whether the method stops the running guest (a quick or cold migration).
          type: bool
    max_hosts_down:
      description: The number of hosts drained together per rollout step that the plan proved, or C(auto).
      type: raw
      sample: 1
    max_hosts_down_cap:
      description: The most hosts a step of C(auto) takes out together.
      type: int
      sample: 4
    unplaced:
      description: VMs that cannot move.
      type: list
      elements: dict
      sample: [{vm: db-1, host: esx-01, reasons: [{code: anti_affinity, detail: "esx-02: already runs ..."}]}]
      contains:
        vm:
          description: The VM.
          type: str
        host:
          description: The host it is on.
          type: str
        reasons:
          description: Why it cannot move.
          type: list
          elements: dict
          contains:
            code:
              description: C(insufficient_memory), C(insufficient_vcpu), C(affinity), C(anti_affinity),
                C(vm_host_rule), C(no_storage_access), C(no_allowed_method), C(busy) or C(budget).
              type: str
              sample: anti_affinity
            detail:
              description: Where and why, in words.
              type: str
    skipped:
      description: VMs left in place on purpose.
      type: list
      elements: dict
      sample: [{vm: batch-7, host: esx-01, reason: hold, detail: held VMs never move}]
      contains:
        vm:
          description: The VM.
          type: str
        host:
          description: The host it stays on.
          type: str
        reason:
          description: C(powered_off) (outside O(scope)), C(hold), C(unmanaged) or C(maintenance).
          type: str
        detail:
          description: The reason in words.
          type: str
    warnings:
      description: Things the operator should know.
      type: list
      elements: str
    hosts_before:
      description: Per host, its C(memory_used_mb), C(memory_capacity_mb), C(utilization_percent), C(vcpus_used)
        and C(state) before any move.
      type: dict
      sample: {esx-01: {memory_used_mb: 73728, memory_capacity_mb: 262144, utilization_percent: 28.12,
                        vcpus_used: 0, state: up}}
    hosts_after:
      description: Per host, the same after the plan.
      type: dict
    metrics:
      description: The plan counted.
      type: dict
      contains:
        moves:
          description: Moves planned.
          type: int
        waves:
          description: Waves, all steps together.
          type: int
        migrated_mb:
          description: Memory of the VMs moved.
          type: int
        unplaced:
          description: VMs that cannot move.
          type: int
        skipped:
          description: VMs left in place on purpose.
          type: int
        should_violations:
          description: Should rules the plan breaks.
          type: int
        methods:
          description: Moves per method.
          type: dict
          sample: {live: 2, quick: 1}
        max_utilization_percent:
          description: The highest memory utilization of any host after the plan.
          type: float
    rollout:
      description: Whether every later step of the rollout can be drained in turn.
      type: dict
      returned: when O(rolling_order) is given
      sample:
        feasible: false
        steps_checked: 2
        steps:
          - {step: 1, hosts: [c0, c1], host: "c0, c1", moves: 6, waves: 2, migrated_mb: 49152, feasible: true}
          - {step: 2, hosts: [c2, c3], host: "c2, c3", moves: 4, waves: 2, migrated_mb: 32768, feasible: false}
        first_failure: {step: 2, hosts: [c2, c3], host: "c2, c3", unplaced: [],
                        message: "step 2 cannot drain c2, c3: db-1 (insufficient_memory)"}
      contains:
        feasible:
          description: True when every step can be drained.
          type: bool
        steps_checked:
          description: Steps planned, up to the first that cannot be drained.
          type: int
        steps:
          description: One entry per step planned.
          type: list
          elements: dict
          contains:
            step:
              description: The step's number.
              type: int
            hosts:
              description: The hosts drained together.
              type: list
              elements: str
            host:
              description: The same names joined by a comma.
              type: str
            moves:
              description: Moves of the step.
              type: int
            waves:
              description: Waves of the step.
              type: int
            migrated_mb:
              description: Memory the step moves.
              type: int
            feasible:
              description: Whether the step can be drained.
              type: bool
        first_failure:
          description: The first step that cannot be drained; null when every step can.
          type: dict
          contains:
            step:
              description: The step's number.
              type: int
            hosts:
              description: Its hosts.
              type: list
              elements: str
            host:
              description: The same names joined by a comma.
              type: str
            unplaced:
              description: The VMs that cannot move, as in RV(plan.unplaced).
              type: list
              elements: dict
            message:
              description: Which step cannot drain which hosts, and why.
              type: str
              sample: "step 2 cannot drain c2, c3: db-1 (insufficient_memory)"
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.plan_request import (
    plan_argument_spec, plan_from_params)


class PlacementPlanModule(VmfleetModule):
    argument_spec = plan_argument_spec()
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        plan, error = plan_from_params(self.params)
        self.results["plan"] = plan
        if error:
            self.fail(error)


def main():
    PlacementPlanModule()()


if __name__ == "__main__":
    main()
