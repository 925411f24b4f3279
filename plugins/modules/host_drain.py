#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: host_drain
short_description: Drain a host, or fail back onto it, with the module of its platform
version_added: 0.2.0
description:
  - Runs the platform's own module with the same plan and settings, as M(ansible.builtin.package) runs the
    package manager's - M(vmfleet.maintenance.nova_host_drain) on C(nova),
    M(vmfleet.maintenance.vsphere_host_drain) on C(vsphere), M(vmfleet.maintenance.hyperv_node_drain) on
    C(hyperv) - so a playbook or role carries out a drain with one task whatever the platform.
  - With O(mode=drain) the VMs move off O(host); vSphere then puts the host in maintenance mode and Hyper-V leaves
    the node paused (nova's compute service is disabled beforehand with
    M(vmfleet.maintenance.nova_compute_service)). With O(mode=failback) the moves of a failback plan bring VMs onto
    O(host), which stays in service (a Hyper-V node is resumed first).
  - Every other option is passed on unchanged; see the platform module for its full behaviour. The task's
    C(module_defaults) for the platform module or its action group (C(group/vmfleet.maintenance.openstack),
    C(group/vmfleet.maintenance.vmware), C(group/vmfleet.maintenance.hyperv)) apply, under O(connection).
  - Runs like the platform module, C(async) included (action plugin).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.drain
attributes:
  action:
    support: full
    description: Chooses and runs the platform's module.
  async:
    support: full
    description: The platform module runs in the background; M(vmfleet.maintenance.drain_status) follows it.
  check_mode:
    support: full
    description: As the platform module - returns the plan; moves nothing.
  diff_mode:
    support: none
    description: The per-VM results say what changed.
options:
  platform:
    description: The cluster's platform, which chooses the module.
    type: str
    required: true
    choices: [hyperv, nova, vsphere]
  host:
    description: The host to drain or to fail back onto - a nova compute host, an ESXi host by its name in vCenter,
      or a Hyper-V cluster node (the module's O(vmfleet.maintenance.hyperv_node_drain#module:node)).
    type: str
    required: true
  mode:
    description: C(drain) moves the VMs off O(host); C(failback) carries out the moves of a failback plan
      (O(plan) from M(vmfleet.maintenance.placement_plan) with C(mode=failback)) onto it.
    type: str
    default: drain
    choices: [drain, failback]
  connection:
    description:
      - The platform module's connection options - those of the C(vmfleet.maintenance.openstack),
        C(vmfleet.maintenance.vmware) or C(vmfleet.maintenance.winrm) documentation fragment (on Hyper-V,
        C(host) is the WinRM endpoint here).
    type: dict
    default: {}
  timeout:
    description: Seconds for all the moves; the platform module's default when not set.
    type: int
'''

EXAMPLES = r'''
- name: Drain the host whatever the cluster's platform, in the background
  vmfleet.maintenance.host_drain:
    platform: "{{ vmfleet_platform }}"
    connection: "{{ vmfleet_connection }}"
    host: "{{ host_to_patch }}"
    plan: "{{ drain_plan.plan }}"
    allow_downtime: false
    progress_file: /tmp/drain-{{ host_to_patch }}.json
  async: 7500
  poll: 0
  register: drain_job  # vmfleet.maintenance.drain_status follows it

- name: Bring the VMs home by a failback plan
  vmfleet.maintenance.host_drain:
    platform: nova
    connection: {cloud: overcloud}
    host: compute-0
    mode: failback
    plan: "{{ failback_plan.plan }}"
'''

RETURN = r'''
plan:
  description: The plan carried out (see M(vmfleet.maintenance.placement_plan)).
  returned: always
  type: dict
results:
  description: Per VM, the platform module's result of its move (C(vm), C(source), C(target), C(method),
    C(status), C(downtime), C(error), ...).
  returned: always
  type: list
  elements: dict
'''
