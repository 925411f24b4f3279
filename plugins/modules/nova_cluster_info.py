#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nova_cluster_info
short_description: Read nova compute hosts and instances in the placement core's shape
version_added: 0.1.0
description:
  - Returns the compute hosts (service state, capacity from Placement inventories) and the instances
    (flavor memory and vCPUs, power state, host) exactly as O(vmfleet.maintenance.placement_plan#module:hosts)
    and O(vmfleet.maintenance.placement_plan#module:vms) take them.
  - Instances nova cannot live-migrate (PCI passthrough flavors, ports with resource requests) have
    C(methods) narrowed and C(methods_reason) saying why. Instances with a task in progress are C(busy).
  - Placement keeps the allocations of stopped instances, so plan with C(count_powered_off=true).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.openstack
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
  - vmfleet.maintenance.attributes.NOVA
options:
  hosts:
    description: Only these compute hosts (and their instances); default all.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Read the cluster
  vmfleet.maintenance.nova_cluster_info:
    cloud: overcloud
  register: cluster

- name: Plan the drain of compute-1
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    count_powered_off: "{{ cluster.count_powered_off }}"
    drain_hosts: [compute-1]
'''

RETURN = r'''
hosts:
  description: The compute hosts, as O(vmfleet.maintenance.placement_plan#module:hosts) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The host's name as nova's services list it.
      type: str
      sample: compute-1
    memory_mb:
      description: The host's C(MEMORY_MB) inventory total in Placement.
      type: float
      sample: 131072
    reserved_memory_mb:
      description: The C(MEMORY_MB) inventory's reserved memory.
      type: float
      sample: 4096
    ram_allocation_ratio:
      description: The C(MEMORY_MB) inventory's allocation ratio.
      type: float
      sample: 1.0
    vcpus:
      description: The C(VCPU) inventory's total less its reserved vCPUs.
      type: float
      sample: 32
    cpu_allocation_ratio:
      description: The C(VCPU) inventory's allocation ratio.
      type: float
      sample: 4.0
    state:
      description: C(up); C(maintenance) when the compute service is disabled; C(down) when it is down or forced
        down.
      type: str
      sample: up
    zone:
      description: The host's availability zone.
      type: str
      sample: nova
    ip:
      description: The hypervisor's C(host_ip) as os-hypervisors reports it (the compute service's C(my_ip)), or
        null. The placement core does not use it; the rolling update matches hosts to inventory hosts with it.
      type: str
      sample: 192.0.2.11
vms:
  description: The instances, as O(vmfleet.maintenance.placement_plan#module:vms) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The instance's name (its ID when it has none).
      type: str
      sample: gpu-1
    host:
      description: The compute host it runs on.
      type: str
      sample: compute-1
    memory_mb:
      description: Its flavor's memory.
      type: float
      sample: 8192
    vcpus:
      description: Its flavor's vCPUs.
      type: float
      sample: 4
    power_state:
      description: C(on), C(off) or C(suspended), from its C(vm_state).
      type: str
      sample: "on"
    methods:
      description: How nova may move it - C(live) (live migration), C(move) (cold migration) and C(failover)
        (evacuate, off a host that is down); without C(live) when nova cannot live-migrate it, empty when it
        cannot move at all.
      type: list
      elements: str
      sample: [move, failover]
    methods_reason:
      description: Why C(methods) is narrowed.
      type: str
      returned: when C(methods) is narrowed
      sample: "flavor requests PCI passthrough (pci_passthrough:alias): nova cannot live-migrate it"
    busy:
      description: Whether a task is in progress on it (or a resize waits for its confirmation).
      type: bool
      sample: false
services:
  description: Per compute host, its nova-compute service - C(id), C(status) (C(enabled) or C(disabled)), C(state)
    (C(up) or C(down)), C(forced_down) and C(disabled_reason).
  returned: always
  type: dict
  sample: {compute-1: {id: 5d1a..., status: enabled, state: up, forced_down: false, disabled_reason: null}}
servers:
  description: Per instance name, its C(id), C(status), C(task_state) and C(host).
  returned: always
  type: dict
  sample: {db-1: {id: 0f3c..., status: ACTIVE, task_state: null, host: compute-1}}
rules:
  description:
    - nova's own placement rules, as O(vmfleet.maintenance.placement_plan#module:rules) takes them.
    - Each server group with two or more of the instances read becomes a rule - C(affinity) and C(anti-affinity)
      as C(must) rules, C(soft-affinity) and C(soft-anti-affinity) as C(should) rules.
    - When the cloud has more than one availability zone, a C(vm_host) rule per zone keeps each instance in the
      zone it asked for at boot (microversion 2.96 shows it as C(pinned_availability_zone)); on older clouds,
      where nova does not show that, in the zone it runs in.
    - Members of an C(affinity) group that share their host cannot move at all (nova's scheduler keeps each
      member on the group's current hosts, its own included); their C(methods) are empty and C(methods_reason)
      says why.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(server group <name>) or C(availability zone <zone>).
      type: str
      sample: server group web
    kind:
      description: C(affinity), C(anti_affinity) or C(vm_host).
      type: str
      sample: anti_affinity
    strength:
      description: C(must) or C(should).
      type: str
      sample: must
    vms:
      description: The instances the rule holds.
      type: list
      elements: str
      sample: [web-1, web-2]
    hosts:
      description: With C(vm_host), the hosts of the zone.
      type: list
      elements: str
      sample: [compute-1, compute-2]
    max_per_host:
      description: With an anti-affinity group's C(max_server_per_host) (microversion 2.64), that limit.
      type: int
      returned: when the group sets it
count_powered_off:
  description: Always true for nova (allocations keep stopped instances' memory).
  returned: always
  type: bool
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import OpenStackModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.gather import NovaCluster


class NovaClusterInfoModule(OpenStackModule):
    argument_spec = dict(hosts=dict(type="list", elements="str", default=[]))
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        snap = NovaCluster(self.conn).gather(self.params["hosts"])
        self.results.update(hosts=snap.hosts, vms=snap.vms, rules=snap.rules, count_powered_off=True,
                            services=snap.services, servers=snap.servers)


def main():
    NovaClusterInfoModule()()


if __name__ == "__main__":
    main()
