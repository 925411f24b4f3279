#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: drain_status
short_description: Watch a drain started asynchronously and show its per-VM progress
version_added: 0.1.0
description:
  - Reads the result file of a drain module run asynchronously (C(async)) and the drain's O(progress_file).
    While the drain runs it returns C(finished=false) and each VM's move in C(moves) (which VM, where to,
    by which method, how far); used with C(until) and C(delay), the C(vmfleet.maintenance.rollout) output
    shows each move as it progresses instead of Ansible's retry message (the C(vmfleet.maintenance.progress)
    callback prints them next to another output).
  - When the job has ended it returns the drain module's result in C(drain), and fails with the drain's
    message if the drain failed.
  - A drain job whose process is gone without writing its result (the controller that started it was killed,
    or the job itself) is reported as finished with C(lost=true) and fails, naming the process; its per-VM
    outcome so far is in O(progress_file).
  - It reads the files on the controller, in Ansible's own process (an action plugin), so the drain must have run
    there too (a cluster's inventory host with C(ansible_connection=local), as the rolling update's are).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
attributes:
  action:
    description: Has an action plugin, which reads the files on the controller without starting a module process.
    support: full
options:
  job_id:
    description: The C(ansible_job_id) of the asynchronous drain task. One of O(job_id) and O(results_file) is required.
    type: str
  results_file:
    description: The job's results file (the C(results_file) an asynchronous task returns); preferred over O(job_id).
    type: path
  progress_file:
    description: The drain's progress file (its O(vmfleet.maintenance.nova_host_drain#module:progress_file)).
    type: path
  async_dir:
    description:
      - Directory of asynchronous job results, used with O(job_id). Defaults to Ansible's configured C(async_dir)
        (the E(ANSIBLE_ASYNC_DIR) environment variable), else C(~/.ansible_async).
    type: path
'''

EXAMPLES = r'''
- name: Start the drain in the background
  vmfleet.maintenance.nova_host_drain:
    cloud: overcloud
    host: compute-1
    progress_file: /tmp/compute-1.progress.json
  async: 7200
  poll: 0
  register: drain_job

- name: Watch it (each VM's move every 15 s with the vmfleet.maintenance.rollout output)
  vmfleet.maintenance.drain_status:
    job_id: "{{ drain_job.ansible_job_id }}"
    progress_file: /tmp/compute-1.progress.json
  register: drain
  until: drain.finished
  retries: 480
  delay: 15
'''

RETURN = r'''
finished:
  description: Whether the drain has ended.
  returned: always
  type: bool
progress:
  description: One line per VM - which VM, from where to where, by which method in which wave, and how far it got.
  returned: always
  type: list
  elements: str
  sample: ["db-1: compute-1 -> compute-2 (live, wave 1) running 63%"]
moves:
  description: Each VM's move as it stands (empty without O(progress_file)).
  returned: always
  type: list
  elements: dict
  contains:
    vm:
      description: The VM.
      type: str
    source:
      description: The host it leaves.
      type: str
    target:
      description: The host it is heading to (another than planned when the platform refused that one), or where it landed.
      type: str
    method:
      description: How it moves (V(live), V(cold), ...), the planned method until it starts.
      type: str
    wave:
      description: The plan's wave of the move.
      type: int
    state:
      description:
        - V(waiting) (not started), V(moving), V(moved), V(failed), V(in_flight) (still moving on the platform when
          the drain stopped) or V(not_started) (the drain stopped before it).
      type: str
    percent:
      description: How much of the move is done, when the platform says so.
      type: int
    detail:
      description: The platform's progress in other terms, or why the move failed.
      type: str
host:
  description: The host the drain empties (or fills, for a failback), as written in O(progress_file).
  returned: when O(progress_file) exists
  type: str
elapsed_seconds:
  description: Seconds since the drain started (until it ended, once it has).
  returned: when O(progress_file) exists
  type: float
drain:
  description: The drain module's whole result once the job has ended, as M(vmfleet.maintenance.nova_host_drain),
    M(vmfleet.maintenance.vsphere_host_drain) or M(vmfleet.maintenance.hyperv_node_drain) returns it.
  returned: when finished
  type: dict
  contains:
    plan:
      description: The plan carried out.
      type: dict
    results:
      description: One entry per VM moved or to move (see
        RV(vmfleet.maintenance.nova_host_drain#module:results)).
      type: list
      elements: dict
lost:
  description: Whether the job's process ended without writing a result.
  returned: always
  type: bool
'''

from ansible.module_utils.basic import env_fallback
from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.status import (
    STATUS_REQUIRED_ONE_OF, StatusFailure, check_drain, status_argument_spec)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule


def _argument_spec():
    spec = status_argument_spec()
    spec["async_dir"]["fallback"] = (env_fallback, ["ANSIBLE_ASYNC_DIR"])
    return spec


class DrainStatusModule(VmfleetModule):
    argument_spec = _argument_spec()
    module_kwargs = dict(supports_check_mode=True, required_one_of=STATUS_REQUIRED_ONE_OF)

    def run(self):
        try:
            self.results.update(check_drain(self.params))
        except StatusFailure as failure:
            self.results.update(failure.results)
            self.fail(failure.msg)


def main():
    DrainStatusModule()()


if __name__ == "__main__":
    main()
