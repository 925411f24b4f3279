# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The placement core's cluster model (hosts, vms, rules) and its planning options."""

    DOCUMENTATION = r'''
options:
  hosts:
    description:
      - The hosts of the cluster, as the platform's C(*_cluster_info) modules return them.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Host name, unique in the cluster.
        type: str
        required: true
      memory_mb:
        description: Physical memory of the host in MB.
        type: float
        required: true
      reserved_memory_mb:
        description: Memory VMs may not use (hypervisor, parent partition, nova's reserved_host_memory_mb).
        type: float
        default: 0
      vcpus:
        description: Physical CPUs offered to VMs; C(0) means vCPUs are not checked on this host.
        type: float
        default: 0
      cpu_allocation_ratio:
        description: vCPU overcommit ratio.
        type: float
        default: 1.0
      ram_allocation_ratio:
        description: Memory overcommit ratio; usable memory is (memory_mb - reserved_memory_mb) x this ratio.
        type: float
        default: 1.0
      storage:
        description: Names of the datastores or storage the host reaches; omitted means it reaches all.
        type: list
        elements: str
      state:
        description: C(up) hosts receive VMs; C(maintenance) hosts do not; from C(down) hosts only C(failover) works.
        type: str
        default: up
        choices: [up, down, maintenance]
      emergency:
        description: A reserve host, used only when no other host fits.
        type: bool
        default: false
      zone:
        description:
          - The host's availability zone (nova) or fault domain, for reports; confine VMs to a zone with a
            C(vm_host) rule naming its hosts.
        type: str
      ip:
        description:
          - The host's address as the platform reports it (what the C(*_cluster_info) modules return), so that
            their C(hosts) can be passed on as they are. Not used in planning.
        type: str
  vms:
    description:
      - The VMs of the cluster.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: VM name, unique in the cluster.
        type: str
        required: true
      host:
        description: The host it runs on now; must be one of O(hosts).
        type: str
        required: true
      memory_mb:
        description: Memory the VM holds on its host in MB.
        type: float
        required: true
      vcpus:
        description: vCPUs of the VM.
        type: float
        default: 0
      power_state:
        description: Powered-on and suspended VMs hold memory; powered-off ones only with O(count_powered_off).
        type: str
        default: "on"
        choices: ["on", "off", "suspended"]
      storage:
        description: Where its disks live; C(live), C(quick) and C(failover) need a target that reaches all of them.
        type: list
        elements: str
        default: []
      methods:
        description:
          - Allowed move methods, always tried in the canonical order C(live), C(quick), C(move), C(storage),
            C(failover) whatever order is given.
        type: list
        elements: str
        choices: [live, quick, move, storage, failover]
        default: [live, quick, move, storage, failover]
      hold:
        description: The VM never moves; it does not make the plan fail.
        type: bool
        default: false
      managed:
        description: C(false) makes the VM ignored.
        type: bool
        default: true
      maintenance:
        description: The VM is in maintenance; it stays and the plan gives a warning.
        type: bool
        default: false
      busy:
        description: Another operation runs on the VM; the plan fails until it ends.
        type: bool
        default: false
      priority:
        description: Higher priorities move first.
        type: int
        default: 0
      depends_on:
        description: VMs that must be moved (and started) before this one.
        type: list
        elements: str
        default: []
      home:
        description: The host the VM belongs on; failback brings it back there when capacity allows.
        type: str
      methods_reason:
        description: Why an info module narrowed O(vms[].methods) (informational).
        type: str
      allow_downtime:
        description:
          - The VM's guest may be stopped to move it (quick or cold migration) even when the plan is made
            without downtime (C(allow_downtime=false) in M(vmfleet.maintenance.placement_plan)); a running VM
            without it then moves only by C(live), C(storage), or C(failover) from a host that is down.
        type: bool
        default: false
  rules:
    description:
      - Placement rules and disruption budgets.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Rule name, used in reasons and warnings.
        type: str
      kind:
        description:
          - C(affinity) keeps the VMs together, C(anti_affinity) on distinct hosts, C(vm_host) on the listed
            hosts, C(vm_anti_host) off them; C(disruption_budget) limits how many of the VMs move or are
            down at once.
        type: str
        required: true
        choices: [affinity, anti_affinity, vm_host, vm_anti_host, disruption_budget]
      vms:
        description: The VMs the rule binds.
        type: list
        elements: str
        required: true
      hosts:
        description: Hosts of a C(vm_host) or C(vm_anti_host) rule.
        type: list
        elements: str
        default: []
      strength:
        description: C(must) rules are never broken; C(should) rules only when nothing else fits, and reported.
        type: str
        default: must
        choices: [must, should]
      max_unavailable:
        description: For C(disruption_budget), how many of the VMs may be moving or down at once.
        type: int
        default: 1
      max_per_host:
        description:
          - For C(anti_affinity), how many of the VMs one host may run (nova's C(max_server_per_host));
            1 when not set.
        type: int
'''

    PLACEMENT_OPTIONS = r'''
options:
  scope:
    description: C(running) moves powered-on and suspended VMs off the drained hosts; C(all) moves every VM.
    type: str
    default: running
    choices: [running, all]
  rolling_order:
    description:
      - The hosts in the order they will be updated. A drain then prefers hosts already updated and hosts
        outside the order, and avoids hosts drained later, so each VM moves once per rollout where
        capacity allows. Without O(drain_hosts) the plan covers the whole rollout.
    type: list
    elements: str
    default: []
  headroom_percent:
    description: Percent of each target's usable memory kept free.
    type: float
    default: 0
  max_parallel_per_host:
    description: At most this many moves of a wave leave one source or enter one target (Hyper-V's default is 2).
    type: int
    default: 2
  max_parallel_total:
    description: At most this many moves per wave; C(0) means no limit beyond the per-host one.
    type: int
    default: 0
  count_powered_off:
    description: Count powered-off VMs' memory too (nova keeps allocations for stopped instances).
    type: bool
    default: false
'''
