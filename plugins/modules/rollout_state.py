#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: rollout_state
short_description: Keep a rolling update's record and its per-cluster lock on the controller
version_added: 0.2.0
description:
  - The one owner of a rollout's record, C(<report_dir>/rollout.json) and C(rollout.html). Each O(op) loads the
    record, changes it and rewrites both files atomically, so the report on disk always says how far the run got,
    whatever ends it (a failure, Ctrl-C, a killed controller).
  - The record is written ahead of every change - a step's hosts are recorded before they are taken out of
    service, a drain job before it is started - and each drain's journal (its progress file, rewritten as every
    move starts and ends) is folded in whenever the record is written. So a re-run with the same run id knows which
    hosts this run took out of service and which drain job may still be running, and finishes them.
  - O(op=start) validates what the run needs before anything changes (O(max_hosts_down), the update tasks file,
    the rolling order), fixes the run id once and takes the cluster's lock, C(<state_dir>/<cluster>/lock.json),
    naming the holder's run id, controller, PID and start time. A run holding the lock refuses every other run.
    A lock left by a run that stopped is taken over by the same run id (a resume); any other stale lock is only
    broken with O(break_lock).
  - O(op=close) reconciles the record with the cluster as the platform shows it (where each VM is, which hosts are
    out of service), lists what the run leaves out of service, writes the report and releases the lock.
  - Runs on the controller only (action plugin). The record and the lock are the run's bookkeeping, not a change
    to the cluster, so every op returns C(changed=false), and a re-run of a finished rollout reports no change.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Validates the inputs and checks the lock; writes nothing. O(op=close) returns the summary of the
      planned record.
  diff_mode:
    support: none
    details: The record is the report.
options:
  op:
    description:
      - C(start) validates the inputs, takes the lock and opens or resumes the record.
      - C(plan) records the rolling order, the floor of memory to move and the starting utilization.
      - C(step_start) records that O(hosts) are about to be taken out of service, as step O(step).
      - C(job) records the asynchronous drain job of O(host) (O(results_file), O(progress_file)).
      - C(times) stamps O(keys) (for example C(update_start)) on O(hosts)' steps.
      - C(step_done) and C(step_failed) end the step of O(hosts).
      - C(snapshot) adds a utilization snapshot.
      - C(holds) records O(holds), what the run holds for its whole length; what is still held at O(op=close) is
        listed as left behind.
      - C(close) ends the run with O(status).
    type: str
    required: true
    choices: [start, plan, step_start, job, times, step_done, step_failed, snapshot, holds, close]
  cluster:
    description: The cluster's name (one lock and one record directory per cluster).
    type: str
  platform:
    description: The cluster's platform.
    type: str
    choices: [nova, vsphere, hyperv]
  state_dir:
    description: Directory holding every cluster's lock and records.
    type: path
  run_id:
    description:
      - The run's id. With O(op=start), empty means the id of this cluster's interrupted run when its lock is
        still there (so a plain re-run resumes it), else today's date (C(YYYYMMDD)).
    type: str
  report_dir:
    description: Where the record and report live; O(op=start) defaults it to C(<state_dir>/<cluster>/<run_id>).
    type: path
  break_lock:
    description: Break a stale lock of another run id (never a lock whose holder is alive).
    type: bool
    default: false
  max_hosts_down:
    description: Hosts out of service at once; checked to be an integer >= 1 however it was passed, or C(auto).
    type: raw
    default: 1
  max_hosts_down_cap:
    description: With O(max_hosts_down=auto), the most hosts a step takes out; checked to be an integer >= 1.
    type: raw
    default: 4
  update_tasks:
    description: The update tasks file; O(op=start) checks that it exists, parses, and is a list of tasks.
    type: str
  rolling_order:
    description: With O(op=start), the order asked for (a host named twice is refused); with O(op=plan), the order proven.
    type: list
    elements: str
  vms:
    description: With O(op=plan), the cluster's VMs (the memory of running VMs on the order's hosts is the floor).
    type: list
    elements: dict
  left_to_platform:
    description: With O(op=plan), what the platform handles itself and the rollout leaves alone (for example vSphere's
      vCLS agent VMs), each with C(what) and C(how); the report lists them.
    type: list
    elements: dict
  plan:
    description:
      - A plan of M(vmfleet.maintenance.placement_plan). With O(op=plan), its C(hosts_before) is the starting
        utilization; with O(op=snapshot), its C(hosts_after) is the snapshot; with O(op=close) in check mode, its
        rollout is summarized as planned steps.
    type: dict
  hosts:
    description: The step's hosts.
    type: list
    elements: str
  step:
    description: The step's number.
    type: int
  host:
    description: The drained host, with O(op=job).
    type: str
  results_file:
    description: The asynchronous job's results file.
    type: path
  progress_file:
    description: The drain's progress file (its journal).
    type: path
  keys:
    description: Time keys to stamp, with O(op=times).
    type: list
    elements: str
  failback:
    description: Failback moves, with O(op=step_done).
    type: list
    elements: dict
  error:
    description: What failed, with O(op=step_failed) and O(op=close).
    type: str
  unplaced:
    description: VMs that could not be placed, with O(op=step_failed).
    type: list
    elements: dict
  holds:
    description:
      - With O(op=holds), the platform settings the run changed for its whole length and must restore, by name
        (for example the DRS automation level of a vSphere cluster), each a dict with C(where) (the cluster),
        C(what) and C(why) (said in the report if it is still held at the end) and what restoring it needs.
      - Replaces the recorded holds; an empty dict says everything was restored.
    type: dict
  label:
    description: The snapshot's label.
    type: str
  status:
    description: The run's outcome, with O(op=close).
    type: str
    choices: [ok, failed]
  cluster_state:
    description: With O(op=close), the cluster as read at the end (C(hosts) with C(name), C(state); C(vms) with C(name), C(host)).
    type: dict
'''

EXAMPLES = r'''
- name: Start (or resume) the rollout of the cluster
  vmfleet.maintenance.rollout_state:
    op: start
    cluster: overcloud
    platform: nova
    state_dir: ~/.vmfleet
    max_hosts_down: "{{ rolling_update_max_hosts_down }}"
    update_tasks: /srv/patch_and_reboot.yml
  register: rollout

- name: Record that compute-1 is about to be taken out of service
  vmfleet.maintenance.rollout_state:
    op: step_start
    report_dir: "{{ rollout.report_dir }}"
    run_id: "{{ rollout.run_id }}"
    hosts: [compute-1]
    step: 1
'''

RETURN = r'''
run_id:
  description: The run's id, fixed for the whole run.
  returned: op=start
  type: str
report_dir:
  description: Where C(rollout.json) and C(rollout.html) are written.
  returned: op=start
  type: str
progress_dir:
  description: Where the run's drains write their progress files.
  returned: op=start
  type: str
max_hosts_down:
  description: O(max_hosts_down) as an integer, or C(auto).
  returned: op=start
  type: raw
max_hosts_down_cap:
  description: O(max_hosts_down_cap) as an integer.
  returned: op=start
  type: int
update_tasks:
  description: The update tasks file, resolved to an absolute path (empty when none was given).
  returned: op=start
  type: str
resumed:
  description: Whether an earlier invocation of this run left a record.
  returned: op=start
  type: bool
done_hosts:
  description: Hosts this run has finished.
  returned: op=start
  type: list
  elements: str
taken_out:
  description: Hosts this run took out of service and has not put back.
  returned: op=start
  type: list
  elements: str
pending_jobs:
  description: Per host, the drain job an earlier invocation started - its C(results_file) and C(progress_file).
  returned: op=start
  type: dict
  sample: {compute-1: {results_file: /root/.ansible_async/j123.456,
                       progress_file: /root/.vmfleet/overcloud/20261203/drains/compute-1.json}}
rolling_order:
  description: The order recorded by an earlier invocation of this run (empty for a new run).
  returned: op=start
  type: list
  elements: str
holds:
  description: What an earlier invocation of this run holds and has not restored (see O(holds)).
  returned: op=start
  type: dict
lock:
  description: This run's lock, as C(<state_dir>/<cluster>/lock.json) holds it.
  returned: op=start
  type: dict
  contains:
    run_id:
      description: The run's id.
      type: str
      sample: "20261203"
    controller:
      description: The controller the run is on.
      type: str
      sample: ansible-ctl-1
    pid:
      description: The process that holds the lock.
      type: int
      sample: 41872
    pid_start_ticks:
      description: When that process started (clock ticks since boot), so a reused PID is not taken for the holder.
      type: int
    started:
      description: When the run took the lock.
      type: str
lock_note:
  description: What happened to a stale lock (taken over by a resume, or broken), else null.
  returned: op=start
  type: str
summary:
  description: The report's summary (see M(vmfleet.maintenance.rollout_report)).
  returned: when the record was written, and always with op=close
  type: dict
record:
  description: The whole record.
  returned: op=close
  type: dict
json_path:
  description: Path of C(rollout.json) (null in check mode).
  returned: op=close
  type: str
html_path:
  description: Path of C(rollout.html) (null in check mode).
  returned: op=close
  type: str
'''
