#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: vsphere_cluster_info
short_description: Read a vSphere cluster's hosts, VMs and DRS rules in the placement core's shape
version_added: 0.1.0
description:
  - Returns the ESXi hosts, the VMs registered on them and the cluster's DRS rules exactly as
    O(vmfleet.maintenance.placement_plan#module:hosts), O(vmfleet.maintenance.placement_plan#module:vms) and
    O(vmfleet.maintenance.placement_plan#module:rules) take them; what the core does not use is in RV(details).
  - Hosts - C(memory_mb) is the physical memory; C(reserved_memory_mb) the memory reservation of the host's
    system resource pool (what the VMkernel keeps back) when vCenter reports it, else 0, plus the failover
    capacity vSphere HA admission control keeps back on the host - a percentage of each host, the memory of
    the failover level's largest hosts spread over the cluster (slots, or percentages vCenter computes), or
    all of a dedicated failover host. Plan with C(headroom_percent) for VM memory overhead; C(storage) the datastores the host mounts; C(state) is
    C(down) unless the host is connected, C(maintenance) in maintenance mode, else C(up). vSphere does
    not admission-check vCPUs, so C(vcpus) is 0 (not checked).
  - VMs - powered-on VMs move by vMotion (C(live)) or vMotion with Storage vMotion (C(storage)); powered-off
    and suspended VMs by cold migration (C(move)) or with their files (C(storage)). C(storage) lists the
    datastores of the VM's files and, for a running VM, of a connected ISO. A running VM whose connected
    CD/DVD drive is backed by an ISO some host cannot see, or by a drive of its host, loses C(storage) (and
    C(live) for a host drive) and gets C(methods_reason).
  - vSphere Cluster Services (vCLS) agent VMs (managed by the ESX Agent Manager as cluster agents) are not in
    RV(vms) - never planned, never counted as blocking maintenance mode - but listed in RV(agent_vms).
  - DRS rules - VM-VM affinity and anti-affinity rules and VM-host rules (C(vm_host) for "must/should run on",
    C(vm_anti_host) for "... not run on"); C(mandatory) rules are C(must), the others C(should). Disabled rules
    and rules with too few members in scope are listed in RV(skipped_rules).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.vmware
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
  - vmfleet.maintenance.attributes.VSPHERE
options:
  cluster:
    description: The cluster to read; without it, O(hosts) or every host of the vCenter.
    type: str
  hosts:
    description: Only these hosts (of O(cluster) when given) and their VMs.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Read the cluster
  vmfleet.maintenance.vsphere_cluster_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    cluster: Cluster-A
  register: cluster

- name: Plan the drain of esx-01
  vmfleet.maintenance.placement_plan:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    drain_hosts: [esx-01]
    headroom_percent: 10
'''

RETURN = r'''
hosts:
  description: The ESXi hosts, as O(vmfleet.maintenance.placement_plan#module:hosts) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The host's name in vCenter.
      type: str
      sample: esx-01
    memory_mb:
      description: The host's physical memory (1 when vCenter does not know it).
      type: float
      sample: 65536
    reserved_memory_mb:
      description: The memory reservation of the host's system resource pool (what the VMkernel keeps back) when
        vCenter reports it, plus the failover capacity vSphere HA admission control keeps back on the host (see
        RV(details.hosts)).
      type: float
      sample: 0
    vcpus:
      description: Always 0 (vSphere does not admission-check vCPUs).
      type: float
    storage:
      description: The datastores the host mounts.
      type: list
      elements: str
      sample: [esx-01-local, shared-ds]
    state:
      description: C(down) unless the host is connected, C(maintenance) in maintenance mode, else C(up).
      type: str
      sample: up
    ip:
      description: The host's management address as vCenter reports it - the IPv4 address of the VMkernel adapter
        selected for the C(management) service (C(config.virtualNicManagerInfo)), else of C(vmk0) - or null. The
        placement core does not use it; the rolling update matches hosts to inventory hosts with it.
      type: str
      sample: 10.0.0.11
vms:
  description: The VMs registered on the hosts (vCLS agent VMs apart), as
    O(vmfleet.maintenance.placement_plan#module:vms) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The VM's name.
      type: str
      sample: app-iso
    host:
      description: The host it is registered on.
      type: str
      sample: esx-01
    memory_mb:
      description: Its configured memory.
      type: float
      sample: 2048
    vcpus:
      description: Its virtual CPUs.
      type: float
      sample: 2
    power_state:
      description: C(on), C(off) or C(suspended).
      type: str
      sample: "on"
    storage:
      description: The datastores of the VM's files and, for a running VM, of a connected ISO.
      type: list
      elements: str
      sample: [esx-01-local, shared-ds]
    methods:
      description: How it may move - a running VM C(live) (vMotion) and C(storage) (vMotion with Storage vMotion);
        a powered-off or suspended VM C(move) (cold migration) and C(storage) (with its files). Narrowed by a
        connected CD/DVD drive that another host cannot reach; empty for a VM vCenter has no configuration for.
      type: list
      elements: str
      sample: [live]
    methods_reason:
      description: Why C(methods) is narrowed.
      type: str
      returned: when C(methods) is narrowed
      sample: "connected CD/DVD drive 1 is backed by [esx-01-local] iso/tools.iso, which only esx-01 mounts: ..."
rules:
  description: The cluster's DRS rules, as O(vmfleet.maintenance.placement_plan#module:rules) takes them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name in vCenter.
      type: str
      sample: web-spread
    kind:
      description: C(affinity), C(anti_affinity) (VM-VM rules), C(vm_host) ("must/should run on") or
        C(vm_anti_host) ("must/should not run on").
      type: str
      sample: anti_affinity
    strength:
      description: C(must) for a mandatory rule, else C(should).
      type: str
      sample: should
    vms:
      description: The rule's VMs in scope.
      type: list
      elements: str
      sample: [web-01, web-02]
    hosts:
      description: With C(vm_host) and C(vm_anti_host), the rule's hosts in scope.
      type: list
      elements: str
agent_vms:
  description: The vCLS agent VMs on the hosts - never planned, never counted as blocking maintenance mode.
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
      sample: "vSphere Cluster Services agent VM: not planned and not counted as blocking maintenance mode; ..."
skipped_rules:
  description: DRS rules left out - disabled, with too few members in scope, or not placement rules.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name in vCenter.
      type: str
    reason:
      description: Why it was left out.
      type: str
      sample: disabled
details:
  description: What vCenter reports that the placement core does not use.
  returned: always
  type: dict
  contains:
    hosts:
      description: Per host name, its C(cluster), C(connection_state), C(in_maintenance_mode), C(cpu_cores),
        C(cpu_mhz), C(datastores) and C(ha_reserved_memory_mb) (the part of C(reserved_memory_mb) HA keeps back).
      type: dict
    clusters:
      description: Per cluster name, C(drs) (C(enabled), C(behavior) - fullyAutomated, partiallyAutomated or
        manual) and C(ha) (C(enabled), C(admission_control), C(policy) - none, percentage, slots or
        failover_hosts -, C(memory_percent), C(auto_compute), C(failover_level), C(failover_hosts), C(summary)).
      type: dict
    vms:
      description: Per VM name, its C(power_state) as vSphere names it, C(cpus), C(template), C(datastores) and
        C(cdroms) (C(label), C(backing) C(iso)/C(client)/C(host_device), C(iso), C(host_device), C(connected)).
      type: dict
count_powered_off:
  description: Always false for vSphere (a powered-off VM holds no host memory).
  returned: always
  type: bool
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VmwareModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import VsphereCluster


class VsphereClusterInfoModule(VmwareModule):
    argument_spec = dict(
        cluster=dict(type="str"),
        hosts=dict(type="list", elements="str", default=[]),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        cluster = VsphereCluster(self.content, gathering=True)
        hosts = cluster.select_hosts(self.params["cluster"], self.params["hosts"])
        snap = cluster.gather(hosts)
        self.results.update(hosts=snap.hosts, vms=snap.vms, rules=snap.rules, skipped_rules=snap.skipped_rules,
                            agent_vms=snap.agent_vms, details=snap.details, count_powered_off=False)


def main():
    VsphereClusterInfoModule()()


if __name__ == "__main__":
    main()
