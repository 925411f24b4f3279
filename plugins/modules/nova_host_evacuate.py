#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nova_host_evacuate
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
  vmfleet.maintenance.nova_host_evacuate:
    cloud: overcloud
    host: compute-1
    on_stall: force_complete
    stall_seconds: 90
    timeout: 7200
  register: drained
'''

RETURN = r'''
plan:
  description: The plan carried out (see M(vmfleet.maintenance.placement_plan)).
  returned: always
  type: dict
results:
  description: Per instance C(vm), C(source), C(target), C(method) used, C(attempts), C(duration_seconds),
    C(final_host), C(status) (moved, failed, in_flight or not_started), C(downtime) (the methods used stopped the
    VM), C(error) and C(planned_target) (the plan's target, when a refusal re-planned it); an attempt that rode
    through an API outage carries C(interruptions) and C(interrupted_seconds).
  returned: always
  type: list
  elements: dict
  sample: [{vm: db-1, source: compute-1, target: compute-2, method: live, status: moved,
            attempts: [{method: live}], duration_seconds: 41.2, final_host: compute-2, error: null}]
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain_module import (
    drain_argument_spec, plan_for, run_drain)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova import NovaCluster, NovaMoveAdapter
from ansible_collections.vmfleet.maintenance.plugins.module_utils.openstack_base import OpenStackModule


class NovaHostEvacuateModule(OpenStackModule):
    argument_spec = dict(drain_argument_spec(), host=dict(type="str", required=True))
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def run(self):
        cluster = NovaCluster(self.conn)
        hosts = cluster.hosts()
        known = set(h["name"] for h in hosts)
        servers = [s for s in cluster.servers() if s.compute_host in known]
        vms = [v for v in cluster.vms() if v["host"] in known]
        plan = plan_for(self, self.params["host"], hosts, vms, cluster.rules(hosts, vms), count_powered_off=True)
        by_name = dict((s.name or s.id, s) for s in servers)
        allowed = dict((v["name"], v["methods"]) for v in vms)
        run_drain(self, self.params["host"], plan, NovaMoveAdapter(self.conn, by_name), allowed)


def main():
    NovaHostEvacuateModule()()


if __name__ == "__main__":
    main()
