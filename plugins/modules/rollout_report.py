#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: rollout_report
short_description: Write a rolling update's report as JSON and as one self-contained HTML page
version_added: 0.1.0
description:
  - Turns the record of a rollout into C(<path>/<name>.json) (the record plus a computed C(summary)) and
    C(<path>/<name>.html), a single page with inline CSS and SVG and no JavaScript, that opens anywhere.
  - The page shows the status and summary (hosts updated, VMs moved, failed migrations, migrated MB against
    the floor, duration), the failures with their reasons, what the rollout restored or left behind and why,
    a per-host timeline of drain, update, back in service and failback, a chart of every host's memory
    utilization over the rollout, and every VM move with its method, wave, duration and result.
  - Files are written atomically and only when their content changes, so the same record gives
    C(changed=false) the second time. The output depends only on the record.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Writes nothing; reports whether the files would change.
  diff_mode:
    support: none
    details: The report files are generated; compare the JSON documents instead.
options:
  path:
    description: Directory the report is written to; created when missing.
    type: path
    required: true
  name:
    description: Base name of the two files, without extension or directory.
    type: str
    default: rollout
  data:
    description:
      - 'The rollout record. Keys (only C(status) is required; unknown keys are kept in the JSON):'
      - 'C(run_id) str; C(platform) C(nova), C(vsphere) or C(hyperv); C(cluster) str; C(status) C(ok), C(failed) or
        C(check); C(started), C(finished) ISO-8601 strings (C(finished) may be null); C(rolling_order) list of hosts;
        C(floor_mb), C(migrated_mb) numbers or null.'
      - 'C(steps) list, one per host: C(host) (required); C(status) C(done), C(failed), C(skipped) or C(planned)
        (default); C(error) str or null; C(times) dict of seconds since the rollout started, any of C(drain_start),
        C(drain_end), C(update_start), C(update_end), C(back), C(failback_start), C(failback_end);
        C(moves) and C(failback) lists of moves; C(unplaced) list of C(vm), C(host), C(reasons) (list of C(code), C(detail)).'
      - 'A move: C(vm) (required), C(source), C(target), C(method), C(wave), C(status) C(moved), C(failed),
        C(not_started) or C(planned) (default), C(duration_seconds), C(memory_mb), C(error), C(attempts) (list of dicts with
        C(method) and, when it failed, C(error)).'
      - 'C(utilization) list of snapshots C(label), C(t) (seconds), C(hosts) (dict host to percent of memory used);
        the chart uses C(t) as x when every snapshot has it, else the snapshot index.'
      - 'C(restored) list of C(host), C(what); C(left_behind) list of C(host), C(what), C(why): the disabled services,
        maintenance modes and forced-down flags the rollout set.'
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Write the report, also when the rollout failed
  vmfleet.maintenance.rollout_report:
    path: "{{ playbook_dir }}/reports"
    name: "rollout-{{ rollout_record.run_id }}"
    data: "{{ rollout_record }}"
  register: report

- name: Say where it is
  ansible.builtin.debug:
    msg: "Report: {{ report.html_path }} ({{ report.summary.hosts_updated }} hosts updated,
      {{ report.summary.failed_migrations }} failed migrations)"

- name: A minimal record
  vmfleet.maintenance.rollout_report:
    path: /tmp/reports
    data:
      run_id: demo
      status: ok
      rolling_order: [node1]
      steps:
        - host: node1
          status: done
          times: {drain_start: 0, drain_end: 42, update_start: 43, update_end: 300, back: 360}
          moves:
            - {vm: web-1, source: node1, target: node2, method: live, wave: 1, status: moved, duration_seconds: 40}
      utilization:
        - {label: start, t: 0, hosts: {node1: 60, node2: 55}}
        - {label: node1 drained, t: 42, hosts: {node1: 0, node2: 90}}
'''

RETURN = r'''
json_path:
  description: The JSON document (the record plus C(summary)).
  returned: always
  type: str
  sample: /srv/reports/rollout.json
html_path:
  description: The HTML page.
  returned: always
  type: str
  sample: /srv/reports/rollout.html
summary:
  description: The numbers at the top of the report.
  returned: always
  type: dict
  contains:
    status:
      description: The record's status.
      type: str
      sample: ok
    hosts_total:
      description: Hosts the record names.
      type: int
    hosts_updated:
      description: Steps with status C(done).
      type: int
      sample: 4
    hosts_failed:
      description: Steps with status C(failed).
      type: int
    hosts_skipped:
      description: Steps with status C(skipped).
      type: int
    vms_moved:
      description: Moves with status C(moved), drain and failback.
      type: int
      sample: 37
    vms_planned:
      description: Moves with status C(planned) (check mode).
      type: int
    vms_unplaced:
      description: VMs the plan could not place.
      type: int
    failed_migrations:
      description: Failed migrations; per move its failed attempts, at least one when the move failed.
      type: int
      sample: 0
    migrated_mb:
      description: The record's C(migrated_mb), else the memory of the moved VMs when moves carry C(memory_mb), else null.
      type: float
    floor_mb:
      description: The record's C(floor_mb).
      type: float
    duration_seconds:
      description: From C(started) to C(finished), or null when either is missing.
      type: float
    left_behind:
      description: Entries in C(left_behind).
      type: int
    restored:
      description: Entries in C(restored).
      type: int
'''

import os

from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.document import build_report
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.schema import ReportDataError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.files import write_atomically


class RolloutReportModule(VmfleetModule):
    argument_spec = dict(
        path=dict(type="path", required=True),
        name=dict(type="str", default="rollout"),
        data=dict(type="dict", required=True),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        directory, name = self.params["path"], self.params["name"]
        if not name or name in (".", "..") or "/" in name or os.sep in name:
            self.fail("name must be a plain file name without a directory, got %r" % name)
        if os.path.exists(directory) and not os.path.isdir(directory):
            self.fail("path %s exists and is not a directory" % directory)
        try:
            report = build_report(self.params["data"])
        except ReportDataError as error:
            self.fail("data is not a valid rollout record: %s" % error)
        files = [(os.path.join(directory, name + ".json"), to_bytes(report["json"])),
                 (os.path.join(directory, name + ".html"), to_bytes(report["html"]))]
        self.results.update(json_path=files[0][0], html_path=files[1][0], summary=report["summary"])
        stale = [(path, content) for path, content in files if self._current(path) != content]
        self.results["changed"] = bool(stale)
        if not stale or self.check_mode:
            return
        for path, content in stale:
            self._write(path, content)

    def _current(self, path):
        """The file's bytes, or None when it does not exist."""
        if not os.path.isfile(path):
            return None
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except (IOError, OSError) as error:
            self.fail("cannot read %s: %s" % (path, to_native(error)))

    def _write(self, path, content):
        try:
            write_atomically(path, content)
        except (IOError, OSError) as error:
            self.fail("cannot write %s: %s" % (path, to_native(error)))


def main():
    RolloutReportModule()()


if __name__ == "__main__":
    main()
