#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hyperv_cluster_info
short_description: Read a Hyper-V failover cluster's nodes and VM roles in the placement core's shape
version_added: 0.1.0
description:
  - Returns the cluster nodes (visible memory, what the parent partition and incoming live migrations reserve,
    state - C(Up) is C(up), C(Paused) is C(maintenance), anything else C(down)) and the VM roles (memory,
    owner node, power state, priority) exactly as O(vmfleet.maintenance.placement_plan#module:hosts) and
    O(vmfleet.maintenance.placement_plan#module:vms) take them.
  - Anti-affinity class names (C(AntiAffinityClassNames)) become C(anti_affinity) rules, C(should) because
    the cluster only avoids breaking them (C(must) when the cluster's C(ClusterEnforcedAntiAffinity) is 1);
    preferred owners become C(vm_host) should-rules.
  - Running VMs may move C(live), C(quick), C(move) (shutdown and start) or, off a node that is down,
    C(failover); a role with a live migration in flight is C(busy).
  - Every node's memory and every VM are read from the WinRM endpoint, which for the other nodes is a second hop
    that only C(transport=credssp) carries. A node in scope that is not down but cannot be read (its memory, or
    one of its VMs) fails the task, naming the node, the host's error and the fix; a node that is down is
    reported C(down) without its memory, as before.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
  - vmfleet.maintenance.attributes.HYPERV
options:
  nodes:
    description: Only these nodes (and the VM roles they own); default all.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Read the cluster through one of its nodes
  vmfleet.maintenance.hyperv_cluster_info:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
  register: cluster

- name: Plan the drain of HV01
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    evacuate: [HV01]
'''

RETURN = r'''
cluster:
  description: The cluster's name.
  returned: always
  type: str
  sample: HVCLU01
hosts:
  description:
    - Nodes in the core's shape.
    - C(ip) is the node's address on the cluster network that carries client access (the C(Address) of its
      cluster network interface on a network whose C(Role) is C(ClusterAndClient)), or null; the placement core
      does not use it (the rolling update matches hosts to inventory hosts with it).
  returned: always
  type: list
  elements: dict
  sample: [{name: HV01, memory_mb: 262144, reserved_memory_mb: 0, vcpus: 0, state: up, ip: 192.0.2.11}]
vms:
  description: VM roles in the core's shape.
  returned: always
  type: list
  elements: dict
  sample: [{name: APP001, host: HV01, memory_mb: 8192, vcpus: 2, power_state: "on",
            methods: [live, quick, move, failover], priority: 2000, busy: false}]
rules:
  description: Anti-affinity classes and preferred owners in the core's shape.
  returned: always
  type: list
  elements: dict
  sample: [{name: anti-affinity web, kind: anti_affinity, vms: [WEB01, WEB02], strength: should},
           {name: "preferred owners HV01,HV02", kind: vm_host, vms: [WEB01], hosts: [HV01, HV02], strength: should}]
skipped_rules:
  description: Classes and owner lists left out, each with C(name) and C(reason).
  returned: always
  type: list
  elements: dict
details:
  description:
    - C(hosts) - per node its C(state) and C(drain_status) as the cluster names them, C(free_memory_mb), C(vm_count).
    - C(vms) - per VM its C(group_state), C(vm_state), C(priority) name, C(anti_affinity_class_names),
      C(preferred_owners), C(memory_startup_mb), C(memory_assigned_mb) and C(migration_state).
  returned: always
  type: dict
count_powered_off:
  description: Always false for Hyper-V (a VM that is off holds no memory).
  returned: always
  type: bool
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import HyperVCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.winrm_base import WinRMModule


class HyperVClusterInfoModule(WinRMModule):
    argument_spec = dict(nodes=dict(type="list", elements="str", default=[]))
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        snap = HyperVCluster(self.shell).gather(self.params["nodes"])
        self.results.update(cluster=snap.cluster, hosts=snap.hosts, vms=snap.vms, rules=snap.rules,
                            skipped_rules=snap.skipped_rules, details=snap.details, count_powered_off=False)


def main():
    HyperVClusterInfoModule()()


if __name__ == "__main__":
    main()
