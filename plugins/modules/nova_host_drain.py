#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nova_host_drain
short_description: Drain a nova compute host by a capacity-safe plan
version_added: 0.1.0
description:
  - Moves every instance in scope off O(host) following a placement plan - live migration, cold migration
    (confirmed once when it reaches VERIFY_RESIZE), or nova's evacuate (rebuilding the instance elsewhere) when the
    host's compute service is down or forced down - per instance in the canonical fallback order, wave by wave.
  - The plan keeps nova's own rules (see M(vmfleet.maintenance.nova_cluster_info) C(rules)) - server groups
    and availability zones - so nova's scheduler accepts its targets. Should the scheduler still refuse a
    target (No valid host), the instance is re-planned to another host within capacity and rules before a
    colder method is tried; the attempt says why (C(replan), C(replanned)).
  - An evacuated instance that was running is started again on its new host (from microversion 2.95 nova
    leaves it stopped); one that was stopped stays stopped.
  - Watches each move until both the migration record and the server's host and task state say it is done.
    A live migration whose C(memory_remaining_bytes) stops falling for O(stall_seconds) is aborted or
    force-completed (O(on_stall)).
  - An infeasible plan fails before anything moves. An empty host reports no change.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.openstack
  - vmfleet.maintenance.drain
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.NOVA
attributes:
  check_mode:
    support: full
    details: Returns the plan and moves nothing.
  diff_mode:
    support: none
    details: RV(results) (per instance) say what moved.
options:
  host:
    description: The compute host to drain (its nova-compute service's host name).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Disable compute-1
  vmfleet.maintenance.nova_compute_service:
    cloud: overcloud
    host: compute-1
    state: disabled
    disabled_reason: patching

- name: Drain compute-1, force-completing live migrations that stop converging
  vmfleet.maintenance.nova_host_drain:
    cloud: overcloud
    host: compute-1
    on_stall: force_complete
    stall_seconds: 90
    timeout: 7200
  register: drained
'''

RETURN = r'''
plan:
  description: The plan carried out, as RV(vmfleet.maintenance.placement_plan#module:plan) returns it.
  returned: always
  type: dict
results:
  description: One entry per instance moved or to move, in the order the moves were planned.
  returned: always
  type: list
  elements: dict
  contains:
    vm:
      description: The instance.
      type: str
      sample: db-1
    source:
      description: The compute host it left, or was to leave.
      type: str
      sample: compute-1
    target:
      description: The compute host it was sent to (after a re-plan, the new one).
      type: str
      sample: compute-2
    wave:
      description: The plan's wave of the move.
      type: int
      sample: 1
    method:
      description: The method that moved it (C(live), C(move) for a cold migration, C(failover) for nova's evacuate), or null when none did.
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
          description: With C(replanned), the compute host the move now heads for.
          type: str
        replanned:
          description: Why this attempt goes to another compute host than the one before (nova's scheduler refused the target - No valid host).
          type: str
        replan:
          description: What re-planning found after a refusal - the new compute host, or why there is none.
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
          description: Outages of the compute API the attempt rode through.
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
      sample: 41.2
    final_host:
      description: Where the instance is at the end; null when the compute API stopped answering before that could be
        read.
      type: str
      sample: compute-2
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
      description: Null, or what went wrong (nova's fault, or the migration's status).
      type: str
    planned_target:
      description: The plan's target; differs from RV(results[].target) when a refusal re-planned the move.
      type: str
      sample: compute-2
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.module import (
    drain_argument_spec, plan_for, run_drain)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import OpenStackModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.gather import NovaCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.moves import NovaMoveAdapter


class NovaHostDrainModule(OpenStackModule):
    argument_spec = dict(drain_argument_spec(), host=dict(type="str", required=True))
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def run(self):
        snap = NovaCluster(self.conn).gather()
        plan = plan_for(self, self.params["host"], snap.hosts, snap.vms, snap.rules, count_powered_off=True)
        allowed = dict((v["name"], v["methods"]) for v in snap.vms)
        run_drain(self, self.params["host"], plan, NovaMoveAdapter(self.conn, snap.server_objects), allowed)


def main():
    NovaHostDrainModule()()


if __name__ == "__main__":
    main()
