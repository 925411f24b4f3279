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
  - C(mode=self_updating) (the default) starts the CAU clustered role's own updating run
    (C(Set-CauClusterRole -UpdateNow -Force)) on the WinRM endpoint, a cluster node. The run uses the role's
    settings, as M(vmfleet.maintenance.cau_cluster_role) and M(vmfleet.maintenance.cau_wait_script) configured them
    (failback mode, pre/post-update scripts, node order). The module follows it with C(Get-CauRun) until it ends or
    O(timeout_minutes) pass, then reads its report (C(Get-CauReport -Last -Detailed)).
  - C(mode=remote) runs a remote-updating run (C(Invoke-CauRun)) coordinated by the WinRM endpoint, which must
    be a machine with the CAU tools that is not a node of O(cluster_name); the module refuses a node. Such a run
    does not use the clustered role's settings; CAU's defaults apply to whatever is not passed (failback
    C(Immediate), no scripts). So the module passes every setting the role has, with this task's overrides on top,
    explicitly - as far as the coordinator's Windows Server release has the parameter.
  - A run that does not succeed, or that CAU refuses, fails the task with CAU's own error (unless
    O(fail_on_error=false)); use M(vmfleet.maintenance.hyperv_migration_events) to see which live migrations failed
    (event 21502).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.HYPERV
attributes:
  check_mode:
    support: full
    details: Starts nothing; reports which run would start and with which settings.
  diff_mode:
    support: none
    details: RV(report) says what the run did.
options:
  mode:
    description:
      - C(self_updating) starts the clustered role's run on the cluster the endpoint is a node of; it needs no
        delegated credentials (the run is the cluster's own).
      - C(remote) coordinates an C(Invoke-CauRun) run from the endpoint, which must not be a node. The coordinator
        reaches every node, so the session needs delegated credentials (C(transport=credssp)).
    type: str
    default: self_updating
    choices: [self_updating, remote]
  cluster_name:
    description: The cluster to update; required with O(mode=remote).
    type: str
  if_running:
    description: With O(mode=self_updating), what to do when an updating run is already in progress - C(fail), or
      C(follow) it and report it.
    type: str
    default: fail
    choices: [fail, follow]
  timeout_minutes:
    description:
      - How long to follow the run (host time). The run goes on when the module gives up; it fails saying so.
      - With O(mode=remote) the run is also given this as C(StopAfter) when the settings have no shorter one, so CAU
        itself stops it.
    type: int
    default: 720
  poll_seconds:
    description: Seconds between two looks at the run in progress.
    type: int
    default: 30
  failback_mode:
    description: With O(mode=remote), the run's failback instead of the role's.
    type: str
    choices: [NoFailback, Immediate, Policy]
  max_failed_nodes:
    description: With O(mode=remote), the run's MaxFailedNodes instead of the role's.
    type: int
  max_retries_per_node:
    description: With O(mode=remote), the run's MaxRetriesPerNode instead of the role's.
    type: int
  node_order:
    description: With O(mode=remote), the run's NodeOrder instead of the role's. For the self-updating run set
      it on the role (M(vmfleet.maintenance.cau_cluster_role)); C(-UpdateNow) takes no settings.
    type: list
    elements: str
  pre_update_script:
    description: With O(mode=remote), the run's PreUpdateScript instead of the role's.
    type: str
  post_update_script:
    description: With O(mode=remote), the run's PostUpdateScript instead of the role's.
    type: str
  require_all_nodes_online:
    description: With O(mode=remote), the run's RequireAllNodesOnline instead of the role's.
    type: bool
  reboot_timeout_minutes:
    description: With O(mode=remote), the run's RebootTimeoutMinutes instead of the role's.
    type: int
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

- name: Run the clustered role's updating run and wait for it
  vmfleet.maintenance.cau_run:
    host: hv01.contoso.local
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
  register: cau

- name: A remote-updating run coordinated from a management server
  vmfleet.maintenance.cau_run:
    host: admin01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    mode: remote
    cluster_name: HVCLU01
    failback_mode: NoFailback
'''

RETURN = r'''
report:
  description: The run's report (C(Get-CauReport -Last -Detailed), or what C(Invoke-CauRun) returns).
  returned: unless check mode
  type: dict
  contains:
    status:
      description: How the run ended - C(Succeeded), C(Failed), C(Canceled) ...
      type: str
      sample: Failed
    run_id:
      description: CAU's id of the run.
      type: str
    error:
      description: CAU's error text for the run; empty when it gave none.
      type: str
    start:
      description: When the run started, as the coordinator's clock prints it.
      type: str
    end:
      description: When the run ended, as the coordinator's clock prints it.
      type: str
    nodes:
      description: One entry per node the run touched.
      type: list
      elements: dict
      sample: [{node: HV01, status: Failed, installed: 3, failed: 0, error: "..."},
               {node: HV02, status: Succeeded, installed: 3, failed: 0, error: ""}]
      contains:
        node:
          description: The node's name.
          type: str
        status:
          description: The node's result - C(Succeeded), C(Failed), C(Skipped) ...
          type: str
        installed:
          description: Updates installed on the node.
          type: int
        failed:
          description: Updates that failed on the node.
          type: int
        error:
          description: CAU's error text for the node; empty when it gave none.
          type: str
progress:
  description: What the module saw while following the run, one line per node and step (self-updating runs).
  returned: with O(mode=self_updating), unless check mode
  type: list
  elements: str
settings:
  description: The settings the run uses (in check mode, would use), by option name as in
    M(vmfleet.maintenance.cau_cluster_role); the schedule settings are left out with O(mode=remote).
  returned: always
  type: dict
  sample: {failback_mode: NoFailback, max_failed_nodes: 0, max_retries_per_node: 3, pre_update_script: null}
'''

import datetime

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError, WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import (
    CAU_KINDS, CAU_SETTINGS, format_timespan, read_cau_role, refuse_unavailable, unavailable, wanted_cau_settings)

OVERRIDES = ("failback_mode", "max_failed_nodes", "max_retries_per_node", "node_order", "pre_update_script",
             "post_update_script", "require_all_nodes_online", "reboot_timeout_minutes")
NOT_RUN_SETTINGS = ("start_date", "days_of_week", "weeks_of_month", "interval_weeks", "run_once")
WAIT_PER_SCRIPT = 300  # host seconds one follow script polls before it answers


def _items(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class CauRunModule(WinRMModule):
    argument_spec = dict(
        mode=dict(type="str", default="self_updating", choices=["self_updating", "remote"]),
        cluster_name=dict(type="str"),
        if_running=dict(type="str", default="fail", choices=["fail", "follow"]),
        timeout_minutes=dict(type="int", default=720),
        poll_seconds=dict(type="int", default=30),
        failback_mode=dict(type="str", choices=["NoFailback", "Immediate", "Policy"]),
        max_failed_nodes=dict(type="int"),
        max_retries_per_node=dict(type="int"),
        node_order=dict(type="list", elements="str"),
        pre_update_script=dict(type="str"),
        post_update_script=dict(type="str"),
        require_all_nodes_online=dict(type="bool"),
        reboot_timeout_minutes=dict(type="int"),
        fail_on_error=dict(type="bool", default=True),
    )
    module_kwargs = dict(supports_check_mode=True, required_if=[("mode", "remote", ["cluster_name"])])
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    @property
    def needs_second_hop(self):
        """The self-updating run is the cluster's own; a remote coordinator reaches every node (CredSSP)."""
        return self.params["mode"] == "remote"

    def run(self):
        if self.params["timeout_minutes"] < 1 or self.params["poll_seconds"] < 1:
            self.fail("timeout_minutes and poll_seconds must be at least 1")
        if self.params["mode"] == "remote":
            self._remote()
        else:
            self._self_updating()

    # ------------------------------------------------------------------ the role's own run
    def _self_updating(self):
        given = [o for o in OVERRIDES if self.params[o] is not None]
        if given:
            self.fail("%s: the self-updating run uses the CAU clustered role's settings (Set-CauClusterRole "
                      "-UpdateNow takes none); set them on the role with vmfleet.maintenance.cau_cluster_role, or "
                      "use mode=remote" % ", ".join(given))
        role = read_cau_role(self.shell)
        if not role.exists:
            self.fail("the cluster of %s has no Cluster-Aware Updating clustered role: add it first "
                      "(vmfleet.maintenance.cau_cluster_role with state=present), or use mode=remote"
                      % (role.computer or self.params["host"]))
        self.results["settings"] = role.settings
        self.results["changed"] = True
        if self.check_mode:
            return
        started = self.shell.json(scripts.start_role_run()) or {}
        run_id = None
        if started.get("busy"):
            if self.params["if_running"] != "follow":
                self.results["changed"] = False
                self.fail("an updating run (%s) is already in progress on the cluster; wait for it, or set "
                          "if_running=follow to follow it" % started.get("run_id"))
            run_id = started.get("run_id")
        deadline = (_host_time(started.get("now")) +
                    datetime.timedelta(minutes=self.params["timeout_minutes"])).strftime("%Y-%m-%dT%H:%M:%S")
        progress, seen = [], set()
        while True:
            state = self.shell.json(scripts.follow_role_run(run_id, started.get("prev"), WAIT_PER_SCRIPT,
                                                            self.params["poll_seconds"], deadline)) or {}
            run_id = state.get("run_id") or run_id
            for step in _items(state.get("steps")):
                line = "%s: %s" % (step.get("node"), step.get("step"))
                if line not in seen:
                    seen.add(line)
                    progress.append(line)
            if state.get("state") == "done":
                break
            if state.get("state") == "timeout":
                self.results["progress"] = progress
                self.fail("the CAU updating run %s was still in progress after %d minutes (last: %s); it goes on "
                          "on the cluster - follow it with Get-CauRun, or run this task again with "
                          "if_running=follow" % (run_id or "(not started yet)", self.params["timeout_minutes"],
                                                 progress[-1] if progress else "no node started"))
        self.results["progress"] = progress
        self._report(state.get("report") or {})

    # ------------------------------------------------------------------ remote updating
    def _remote(self):
        cluster = self.params["cluster_name"]
        members = self.shell.json(scripts.cluster_nodes(cluster)) or {}
        computer = (members.get("cn") or "").lower()
        if computer in [n.lower() for n in _items(members.get("nodes"))]:
            self.fail("the WinRM endpoint %s is a node of cluster %s: a remote-updating run (Invoke-CauRun) must be "
                      "coordinated from a computer that is not a node of the cluster. Use mode=self_updating to "
                      "start the clustered role's own run there" % (members.get("cn"), cluster))
        role = read_cau_role(self.shell, cluster)
        wanted = wanted_cau_settings(dict((o, self.params[o]) for o in OVERRIDES))
        refuse_unavailable([o for o, v in wanted.items() if v not in (None, False)], role)
        settings = dict(role.settings)
        settings.update(wanted)
        values = self._run_values(settings, role.release)
        self.results["settings"] = dict((o, v) for o, v in settings.items() if o not in NOT_RUN_SETTINGS)
        self.results["changed"] = True
        if self.check_mode:
            return
        answer = self.shell.json(scripts.invoke_remote_run(cluster, values, CAU_KINDS)) or {}
        if not answer.get("report"):
            self.results["changed"] = False
            self.fail("Invoke-CauRun on %s did not run: %s" % (
                answer.get("cn") or self.params["host"], answer.get("error") or "no report and no error"))
        self._report(answer["report"], answer.get("error"))

    def _run_values(self, settings, release):
        """Invoke-CauRun's parameters (CAU name -> value) for every setting that has a value; StopAfter bounded by
        timeout_minutes."""
        skip = set(NOT_RUN_SETTINGS) | set(unavailable([o for o, _n, _k in CAU_SETTINGS], release))
        values = {}
        for option, name, kind in CAU_SETTINGS:
            value = settings.get(option)
            if option in skip or value is None or value is False or value == []:
                continue
            if kind == "days":
                value = ", ".join(value)
            elif kind == "plugin_args":
                value = [[{"k": k, "v": v} for k, v in sorted(item.items())] for item in value]
            values[name] = value
        limit = format_timespan(self.params["timeout_minutes"])
        if values.get("StopAfter") is None or _seconds(values["StopAfter"]) > _seconds(limit):
            values["StopAfter"] = limit
        return values

    # ------------------------------------------------------------------ the report
    def _report(self, report, error=None):
        report["nodes"] = _items(report.get("nodes"))
        if error and not report.get("error"):
            report["error"] = error
        self.results["report"] = report
        self.results["changed"] = any(n.get("installed") or n.get("status") == "Failed" for n in report["nodes"])
        if report.get("status") != "Succeeded" and self.params["fail_on_error"]:
            failed = [n["node"] for n in report["nodes"] if n.get("status") not in ("Succeeded", "Skipped")]
            self.fail("the CAU updating run %s ended %s (nodes not updated: %s): %s. See hyperv_migration_events for "
                      "failed live migrations (event 21502)." % (
                          report.get("run_id") or "", report.get("status") or "without a status",
                          ", ".join(failed) or "none", report.get("error") or error or "CAU gave no error text"))


def _host_time(text):
    try:
        return datetime.datetime.strptime((text or "")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise HyperVError("the host's clock gave %r, not a time" % text)


def _seconds(timespan):
    """Seconds of a '[d.]hh:mm:ss' text as format_timespan writes it."""
    days, _dot, clock = timespan.rpartition(".")
    hours, minutes, seconds = (int(p) for p in clock.split(":"))
    return int(days or 0) * 86400 + hours * 3600 + minutes * 60 + seconds


def main():
    CauRunModule()()


if __name__ == "__main__":
    main()
