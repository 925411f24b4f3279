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
  - A drain moves every VM in scope off the O(evacuate) hosts to hosts where it fits, by the first allowed
    method that works (live, quick, move, storage, failover), honouring must rules always and should rules
    unless nothing else fits, in waves that never overfill a host at any instant.
  - With O(rolling_order) and no O(evacuate), the plan covers the whole rollout and proves every host
    can be drained in turn (N-1 at every step), or names the first step that cannot and why.
  - O(mode=failback) plans which VMs return to the O(evacuate) hosts (now back), only where capacity allows.
  - With neither O(evacuate) nor O(rolling_order), the plan is empty and reports each host's usage (a snapshot).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.cluster_model
  - vmfleet.maintenance.cluster_model.PLACEMENT_OPTIONS
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: A plan has no before and after state to compare.
options:
  evacuate:
    description:
      - Hosts to drain (O(mode=drain)), or hosts that are back (O(mode=failback)).
    type: list
    elements: str
    default: []
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
    evacuate: [esx-01]
  register: drain

- name: Prove the whole rollout before anything moves
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    rolling_order: [node1, node2, node3, node4]
    headroom_percent: 5
  register: rollout

- name: Which VMs may return to node1 now
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    mode: failback
    evacuate: [node1]
    rolling_order: [node1, node2, node3, node4]
'''

RETURN = r'''
plan:
  description: The plan.
  returned: always
  type: dict
  contains:
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
      sample: [{vm: web-1, source: esx-01, target: esx-02, method: live, wave: 1, memory_mb: 8192}]
    unplaced:
      description: VMs that cannot move, each with C(reasons) of C(code) and C(detail).
      type: list
      elements: dict
      sample: [{vm: db-1, host: esx-01, reasons: [{code: anti_affinity, detail: "esx-02: already runs ..."}]}]
    skipped:
      description: VMs left in place on purpose (hold, unmanaged, maintenance, powered off), with C(reason).
      type: list
      elements: dict
    warnings:
      description: Things the operator should know.
      type: list
      elements: str
    hosts_before:
      description: Per host C(memory_used_mb), C(memory_capacity_mb), C(utilization_percent) before any move.
      type: dict
    hosts_after:
      description: Per host C(memory_used_mb), C(memory_capacity_mb), C(utilization_percent) after the plan.
      type: dict
    metrics:
      description: Counts (moves, waves, migrated_mb, unplaced, should_violations, max_utilization_percent).
      type: dict
    rollout:
      description:
        - With O(rolling_order), whether every later host can be drained in turn (C(feasible)), per-step
          summaries, and C(first_failure) naming the first step that cannot and why.
      type: dict
      returned: when rolling_order is given
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.cluster_spec import (
    cluster_model_spec, model_params, placement_options_spec)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.report import describe_unplaced


class PlacementPlanModule(VmfleetModule):
    argument_spec = dict(
        evacuate=dict(type="list", elements="str", default=[]),
        mode=dict(type="str", default="drain", choices=["drain", "failback"]),
        allow_partial=dict(type="bool", default=False),
        **dict(cluster_model_spec(), **placement_options_spec())
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        hosts, vms, rules = model_params(self.params)
        plan = make_plan(
            hosts, vms, rules,
            evacuate=self.params["evacuate"], mode=self.params["mode"], scope=self.params["scope"],
            rolling_order=self.params["rolling_order"], headroom_percent=self.params["headroom_percent"],
            max_parallel_per_host=self.params["max_parallel_per_host"],
            max_parallel_total=self.params["max_parallel_total"],
            count_powered_off=self.params["count_powered_off"])
        self.results["plan"] = plan
        if not plan["feasible"] and not self.params["allow_partial"]:
            where = plan["rollout"]["first_failure"] if plan["mode"] == "rollout" else None
            prefix = where["message"] if where else "the drain of %s is infeasible: %s" % (
                ", ".join(plan["evacuate"]), describe_unplaced(plan["unplaced"]))
            self.fail("%s. Free capacity, relax rules or hold the VMs; allow_partial returns the partial plan."
                      % prefix)


def main():
    PlacementPlanModule()()


if __name__ == "__main__":
    main()
