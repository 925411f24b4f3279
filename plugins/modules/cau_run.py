#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cau_run
short_description: Run Cluster-Aware Updating on a Hyper-V cluster and report per node
version_added: 0.1.0
description:
  - Starts an updating run (C(Invoke-CauRun -Force)) with the CAU clustered role's settings - as
    M(vmfleet.maintenance.cau_cluster_role) and M(vmfleet.maintenance.cau_wait_script) configured them - and
    waits for its report. Returns the run's status and each node's result.
  - A run that does not succeed fails the task (unless O(fail_on_error=false)); use
    M(vmfleet.maintenance.hyperv_migration_events) to see which live migrations failed (event 21502).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
attributes:
  check_mode:
    support: full
    description: Reports that a run would start; starts nothing.
  diff_mode:
    support: none
    description: The report says what the run did.
options:
  max_failed_nodes:
    description: Override the role's MaxFailedNodes for this run.
    type: int
  node_order:
    description: Override the role's NodeOrder for this run.
    type: list
    elements: str
  fail_on_error:
    description: Fail the task when the run does not succeed.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Make failback safe, then run CAU
  vmfleet.maintenance.cau_cluster_role:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    failback_mode: NoFailback

- name: Run Cluster-Aware Updating
  vmfleet.maintenance.cau_run:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
  register: cau
'''

RETURN = r'''
report:
  description: The run's C(status) (Succeeded, Failed, ...), C(run_id), C(error) and per
    node C(node), C(status), C(error).
  returned: unless check mode
  type: dict
  sample: {status: Failed, nodes: [{node: HV01, status: Failed, error: "..."}, {node: HV02, status: Succeeded}]}
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils import cau_scripts as scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.winrm_base import WinRMModule


class CauRunModule(WinRMModule):
    argument_spec = dict(
        max_failed_nodes=dict(type="int"),
        node_order=dict(type="list", elements="str"),
        fail_on_error=dict(type="bool", default=True),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def run(self):
        self.results["changed"] = True
        if self.check_mode:
            return
        params = dict((k, self.params[k]) for k in ("max_failed_nodes", "node_order"))
        report = self.shell.json(scripts.invoke_cau_run(params)) or {}
        self.results["report"] = report
        if report.get("status") != "Succeeded" and self.params["fail_on_error"]:
            failed = [n["node"] for n in report.get("nodes", []) if n.get("status") not in ("Succeeded", "Skipped")]
            self.fail("the CAU run ended %s (nodes not updated: %s): %s. See hyperv_migration_events for failed live "
                      "migrations (event 21502)." % (report.get("status"), ", ".join(failed) or "none",
                                                     report.get("error") or "no error record"))


def main():
    CauRunModule()()


if __name__ == "__main__":
    main()
