#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: maintenance_simulate
short_description: What-if simulation of a rolling update under CAU's strategies and vmfleet's plan
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
    1.5 x the longest measured drain); C(vmfleet) is this collection's planned rollout.
  - Returns per strategy the failed migrations, makespan, migrations, migrated MB, peak utilization and VMs
    not running at the end, with two floors to compare against. It changes nothing.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.cluster_model
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: A simulation has no before and after state to compare.
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
    choices: [cau_immediate, cau_no_failback, cau_sleep, vmfleet]
    default: [cau_immediate, cau_no_failback, cau_sleep, vmfleet]
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
    description: Seed of the out-of-order live-migration queue.
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
'''

RETURN = r'''
simulation:
  description: Results per strategy and the floors.
  returned: always
  type: dict
  contains:
    strategies:
      description:
        - Per strategy C(failed_migrations), C(failures) (event 21502-like records), C(makespan_seconds),
          C(migrations), C(migrated_mb), C(peak_utilization_percent), C(vms_not_running), C(hosts_updated),
          and C(cau_would_stop_at) for the CAU strategies.
      type: dict
    floor_mb:
      description: Memory of every VM that must leave a host at least once.
      type: float
    lower_bound_seconds:
      description: Every host's update and reboot one after another, plus moving floor_mb at full parallelism.
      type: float
    sleep_seconds:
      description: The wait C(cau_sleep) used between nodes.
      type: float
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.cluster_spec import cluster_model_spec, model_params
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation import STRATEGIES, simulate


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
        **cluster_model_spec()
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        hosts, vms, rules = model_params(self.params)
        names = ("rolling_order", "strategies", "migration_bandwidth_mb_s", "max_parallel_per_host",
                 "update_seconds", "reboot_seconds", "sleep_seconds", "seed", "headroom_percent",
                 "count_powered_off")
        self.results["simulation"] = simulate(hosts, vms, rules, **dict((n, self.params[n]) for n in names))


def main():
    MaintenanceSimulateModule()()


if __name__ == "__main__":
    main()
