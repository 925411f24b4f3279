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
    drain_hosts: [HV01]
'''

RETURN = r'''
cluster:
  description: The cluster's name.
  returned: always
  type: str
  sample: HVCLU01
hosts:
  description: The nodes, as O(vmfleet.maintenance.placement_plan#module:hosts) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The node's name in the cluster.
      type: str
      sample: HV01
    memory_mb:
      description: The memory the node's operating system sees; 1 for a node that is down, whose memory is not read.
      type: float
      sample: 262144
    reserved_memory_mb:
      description: What VMs cannot use - the memory that is neither free nor held by the running VMs (the parent
        partition, incoming live migrations).
      type: float
      sample: 6144
    vcpus:
      description: Always 0 (vCPUs are not checked on Hyper-V).
      type: float
    state:
      description: C(up) for a node that is C(Up), C(maintenance) for C(Paused), C(down) for anything else.
      type: str
      sample: up
    ip:
      description: The node's address on the cluster network that carries client access (the C(Address) of its
        cluster network interface on a network whose C(Role) is C(ClusterAndClient)), or null. The placement core
        does not use it; the rolling update matches hosts to inventory hosts with it.
      type: str
      sample: 192.0.2.11
vms:
  description: The VM roles, as O(vmfleet.maintenance.placement_plan#module:vms) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The VM role's name.
      type: str
      sample: APP001
    host:
      description: The node that owns the role.
      type: str
      sample: HV01
    memory_mb:
      description: The memory the VM holds - assigned memory when it runs (dynamic memory may exceed the startup
        memory), else its startup memory.
      type: float
      sample: 8192
    vcpus:
      description: The VM's virtual processors.
      type: float
      sample: 2
    power_state:
      description: C(on), C(off) or C(suspended) (saved).
      type: str
      sample: "on"
    methods:
      description: How the VM may move - a running VM C(live), C(quick), C(move) (shutdown and start) or, off a
        node that is down, C(failover); a saved VM all but C(live); a VM that is off C(move) or C(failover).
      type: list
      elements: str
      sample: [live, quick, move, failover]
    priority:
      description: The role's priority (3000 high, 2000 medium, 1000 low, 0 no auto start).
      type: int
      sample: 2000
    busy:
      description: Whether a live migration of the VM is in flight (or its role is pending).
      type: bool
      sample: false
rules:
  description: Anti-affinity classes and preferred owners, as O(vmfleet.maintenance.placement_plan#module:rules) takes
    them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(anti-affinity <class name>), or C(preferred owners <nodes>).
      type: str
      sample: anti-affinity web
    kind:
      description: C(anti_affinity) for a class, C(vm_host) for a preferred-owners list.
      type: str
      sample: anti_affinity
    vms:
      description: The VMs the rule holds.
      type: list
      elements: str
      sample: [WEB01, WEB02]
    hosts:
      description: With C(vm_host), the preferred owners in scope.
      type: list
      elements: str
      sample: [HV01, HV02]
    strength:
      description: C(should) - the cluster only avoids breaking them; C(must) for anti-affinity classes when the
        cluster's C(ClusterEnforcedAntiAffinity) is 1.
      type: str
      sample: should
skipped_rules:
  description: Anti-affinity classes and preferred-owner lists left out.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name, as in RV(rules).
      type: str
      sample: anti-affinity batch
    reason:
      description: Why it was left out.
      type: str
      sample: fewer than two of its VMs are in scope
details:
  description: What the cluster reports that the placement core does not use.
  returned: always
  type: dict
  contains:
    hosts:
      description: Per node name, its C(state) and C(drain_status) as the cluster names them, C(free_memory_mb) and
        C(vm_count).
      type: dict
      sample: {HV01: {state: Up, drain_status: NotInitiated, free_memory_mb: 120832, vm_count: 14}}
    vms:
      description: Per VM name, its C(group_state), C(vm_state), C(priority) name, C(anti_affinity_class_names),
        C(preferred_owners), C(memory_startup_mb), C(memory_assigned_mb) and C(migration_state).
      type: dict
count_powered_off:
  description: Always false for Hyper-V (a VM that is off holds no memory).
  returned: always
  type: bool
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import HyperVCluster


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
