#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: maintenance_simulate
short_description: What-if simulation of a rolling update under CAU's strategies and vmfleet's plans
version_added: 0.1.0
description:
  - A discrete-event simulation of patching every host of O(rolling_order) in turn, with live migrations
    that take memory / bandwidth seconds, at most O(max_parallel_per_host) migrations leaving or entering
    a host at once, and the host's update and reboot time.
  - C(cau_immediate) is Cluster-Aware Updating's default as Microsoft describes it - the drain spreads VMs
    by free memory, failback sends every VM home at once without looking at memory, the next drain starts
    when the node resumes, and the live-migration queue is served out of order; a migration whose target
    lacks memory fails like event 21502.
  - C(cau_no_failback) is FailbackMode NoFailback; C(cau_sleep) adds a wait between nodes (by default
    1.5 x the longest measured drain); C(vmfleet) is this collection's planned rollout, one host at a time.
  - C(vmfleet_fixed) takes O(max_hosts_down) hosts of the order out of service per step; C(vmfleet_auto)
    takes each step the largest group the plan proves, at most O(max_hosts_down_cap) hosts, possibly out
    of the rolling order. Every host of a step is drained at once, the step's hosts update together once
    all are empty, and the next step starts when all are back. CAU strategies stay one node at a time.
  - Returns per strategy the steps and their groups, the failed migrations, makespan, migrations, migrated
    MB, peak utilization and VMs not running at the end, with floors to compare against. It changes nothing.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.cluster_model
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
options:
  rolling_order:
    description: The hosts in the order they are updated.
    type: list
    elements: str
    required: true
  strategies:
    description: Strategies to compare.
    type: list
    elements: str
    choices: [cau_immediate, cau_no_failback, cau_sleep, vmfleet, vmfleet_fixed, vmfleet_auto]
    default: [cau_immediate, cau_no_failback, cau_sleep, vmfleet, vmfleet_fixed, vmfleet_auto]
  max_hosts_down:
    description: Hosts out of service per step of C(vmfleet_fixed) (groups of this many along O(rolling_order)).
    type: int
    default: 2
  max_hosts_down_cap:
    description: The most hosts C(vmfleet_auto) takes out of service in one step.
    type: int
    default: 4
  migration_bandwidth_mb_s:
    description: Throughput of one live migration in MB/s.
    type: float
    default: 1000
  max_parallel_per_host:
    description: Migrations leaving or entering one host at once (Hyper-V's MaximumVirtualMachineMigrations).
    type: int
    default: 2
  update_seconds:
    description: Time to install updates on one host.
    type: float
    default: 1200
  reboot_seconds:
    description: Time for one host to reboot and rejoin.
    type: float
    default: 300
  sleep_seconds:
    description: Wait of C(cau_sleep) between nodes; default 1.5 x the measured drain time of the busiest node.
    type: float
  seed:
    description: The random number generator's seed for the order in which CAU's live-migration queue is served
      (not first in, first out); the same seed gives the same result.
    type: int
    default: 0
  headroom_percent:
    description: Percent of each target's memory the vmfleet plan keeps free.
    type: float
    default: 0
  count_powered_off:
    description: Count powered-off VMs' memory too.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Compare CAU's default with vmfleet on the cluster as it is now
  vmfleet.maintenance.maintenance_simulate:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    rolling_order: "{{ cluster.hosts | map(attribute='name') | list }}"
    migration_bandwidth_mb_s: 1100
    update_seconds: 1800
    reboot_seconds: 420
  register: whatif

- name: Show the failed migrations CAU's default would cause
  ansible.builtin.debug:
    msg: "{{ whatif.simulation.strategies.cau_immediate.failed_migrations }} failed migrations"

- name: How much shorter is the rollout with up to three hosts out at once?
  vmfleet.maintenance.maintenance_simulate:
    hosts: "{{ cluster.hosts }}"
    vms: "{{ cluster.vms }}"
    rules: "{{ cluster.rules }}"
    rolling_order: "{{ cluster.hosts | map(attribute='name') | list }}"
    strategies: [vmfleet, vmfleet_fixed, vmfleet_auto]
    max_hosts_down: 3
    max_hosts_down_cap: 3
  register: parallel

- name: Show auto's steps against one host at a time
  ansible.builtin.debug:
    msg: >-
      auto {{ parallel.simulation.strategies.vmfleet_auto.steps }} steps in
      {{ parallel.simulation.strategies.vmfleet_auto.makespan_seconds }} s, one at a time
      {{ parallel.simulation.strategies.vmfleet.makespan_seconds }} s
'''

RETURN = r'''
simulation:
  description: Results per strategy and the floors.
  returned: always
  type: dict
  contains:
    strategies:
      description:
        - Strategy name -> its result, in the order of O(strategies).
        - Every strategy has C(failed_migrations), C(failures) (event 21502-like records), C(makespan_seconds),
          C(migrations), C(migrated_mb), C(floor_mb), C(peak_utilization_percent), C(vms_not_running),
          C(vms_interrupted) (running VMs left on a host when it rebooted), C(hosts_updated), C(max_drain_seconds),
          C(steps) (how many steps), C(largest_step) (the most hosts out in one step), C(groups) (the hosts of
          each step, in order) and C(lower_bound_seconds), its own bound (see below).
        - The CAU strategies add C(cau_would_stop_at), the node where real CAU would stop on a failed failback.
        - The vmfleet strategies add C(plan_feasible) (every step proven), C(stopped_at) (the hosts of the first
          step the plan could not prove, when any) and C(plan_message).
        - The strategy's C(lower_bound_seconds), for at most K hosts out of service at once; each host is out
          from the start of its drain to its return, at least L = drain + update + reboot, its drain at least
          max(largest VM / bandwidth, sum of its VMs / (max_parallel_per_host x bandwidth)); the makespan is at
          least max(max L, sum L / K, sum of the ceil(N/K) smallest L) for N hosts. K is the smaller of the
          strategy's limit (1 for C(vmfleet) and CAU, O(max_hosts_down) for C(vmfleet_fixed),
          O(max_hosts_down_cap) for C(vmfleet_auto)) and the most hosts the others' capacity lets out at once,
          and at least 1.
      type: dict
      sample:
        vmfleet_auto:
          failed_migrations: 0
          makespan_seconds: 3412.5
          steps: 2
          largest_step: 2
          groups: [[node01, node02], [node03]]
          lower_bound_seconds: 3300.0
          migrated_mb: 81920
          floor_mb: 73728
          peak_utilization_percent: 91.4
          hosts_updated: 3
          plan_feasible: true
          stopped_at: null
    floor_mb:
      description: Memory of every VM that must leave a host at least once.
      type: float
    lower_bound_seconds:
      description: Every host's update and reboot one after another, plus moving floor_mb at full parallelism.
      type: float
    sleep_seconds:
      description: The wait C(cau_sleep) used between nodes.
      type: float
    rolling_order:
      description: The hosts in the order given.
      type: list
      elements: str
    seed:
      description: The random number generator's seed that ordered the live-migration queue.
      type: int
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.cluster_spec import cluster_model_spec, model_params
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.whatif import STRATEGIES, simulate


class MaintenanceSimulateModule(VmfleetModule):
    argument_spec = dict(
        rolling_order=dict(type="list", elements="str", required=True),
        strategies=dict(type="list", elements="str", choices=list(STRATEGIES), default=list(STRATEGIES)),
        migration_bandwidth_mb_s=dict(type="float", default=1000),
        max_parallel_per_host=dict(type="int", default=2),
        update_seconds=dict(type="float", default=1200),
        reboot_seconds=dict(type="float", default=300),
        sleep_seconds=dict(type="float"),
        seed=dict(type="int", default=0),
        headroom_percent=dict(type="float", default=0),
        count_powered_off=dict(type="bool", default=False),
        max_hosts_down=dict(type="int", default=2),
        max_hosts_down_cap=dict(type="int", default=4),
        **cluster_model_spec()
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        hosts, vms, rules = model_params(self.params)
        names = ("rolling_order", "strategies", "migration_bandwidth_mb_s", "max_parallel_per_host",
                 "update_seconds", "reboot_seconds", "sleep_seconds", "seed", "headroom_percent",
                 "count_powered_off", "max_hosts_down", "max_hosts_down_cap")
        self.results["simulation"] = simulate(hosts, vms, rules, **dict((n, self.params[n]) for n in names))


def main():
    MaintenanceSimulateModule()()


if __name__ == "__main__":
    main()
