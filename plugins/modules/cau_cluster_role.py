#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cau_cluster_role
short_description: Manage the Cluster-Aware Updating clustered role of a failover cluster
version_added: 0.1.0
description:
  - Adds, configures or removes the CAU clustered role (the self-updating role that patches the cluster node by
    node, C(Set-CauClusterRole)).
  - Options not given keep their current values. The module reads the role first (C(Get-CauClusterRole)) and
    passes the current settings along with the new ones, so changing one setting never
    resets the others - the Failover Cluster Manager wizard, for one, always turns failback back on.
  - On a Hyper-V cluster with little free memory, C(failback_mode=NoFailback) (or a wait script between nodes, see
    M(vmfleet.maintenance.cau_wait_script)) keeps CAU's failback live migrations from racing the next node's drain
    and failing for lack of memory (event 21502, a stopped run).
  - An empty string clears a text or list setting (O(pre_update_script=''), O(node_order=[]));
    O(days_of_week=[]) clears the days (CAU's value C(None)).
  - The schedule is one of three kinds that Windows never mixes - monthly (O(weeks_of_month)), weekly
    (O(interval_weeks)) or once (O(run_once)). Giving one switches the role to that kind and drops the other's
    values; giving none keeps the current kind.
  - Some settings exist only on newer Windows Server (noted per option). The module reads the node's release
    (C(Win32_OperatingSystem)) and refuses such a setting on an older one before writing anything.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.HYPERV
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the role's settings before and after.
options:
  state:
    description: C(present) adds the role when missing and sets the given settings; C(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
  enabled:
    description: Whether the role starts self-updating runs on its schedule (C(Enable-CauClusterRole),
      C(Disable-CauClusterRole)); unchanged when not given.
    type: bool
  failback_mode:
    description:
      - How drained VMs come back to a node after its update. C(Immediate) (CAU's default) sends them all home at
        once without looking at free memory; C(Policy) follows each role's failback policy; C(NoFailback) leaves
        them where they are.
    type: str
    choices: [NoFailback, Immediate, Policy]
  pre_update_script:
    description: A C(.ps1) path, the same on every node, run on each node before it is drained.
    type: str
  post_update_script:
    description: A C(.ps1) path, the same on every node, run on each node after it is resumed.
    type: str
  max_failed_nodes:
    description: Nodes that may fail before the run stops (CAU's default is a third of the nodes).
    type: int
  max_retries_per_node:
    description: Attempts per node (CAU's default 3).
    type: int
  require_all_nodes_online:
    description: Start a run only when every node is online.
    type: bool
  reboot_timeout_minutes:
    description: Minutes a node may take to restart (CAU's default 15).
    type: int
  node_order:
    description: Nodes to update first, in this order.
    type: list
    elements: str
  start_date:
    description: When the self-updating schedule begins (C(2024-06-01T03:00:00)).
    type: str
  days_of_week:
    description: Days the role runs on.
    type: list
    elements: str
    choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
  weeks_of_month:
    description: Weeks of the month (1 to 5) the role runs in (a monthly schedule).
    type: list
    elements: int
  interval_weeks:
    description: Run every this many weeks (a weekly schedule); read back from the role's C(WeeksInterval).
    type: int
  run_once:
    description: Run once rather than on a schedule (C(-RunOnce)); drops the schedule. Windows Server 2022 or later.
    type: bool
  plugin_name:
    description: CAU plug-ins to use (C(Microsoft.WindowsUpdatePlugin), C(Microsoft.HotfixPlugin)).
    type: list
    elements: str
  plugin_arguments:
    description: One dictionary of arguments per plug-in, in the order of O(plugin_name).
    type: list
    elements: dict
  run_plugins_serially:
    description: Run the plug-ins one after the other on each node.
    type: bool
  stop_on_plugin_failure:
    description: Stop at the first plug-in that fails.
    type: bool
  configuration_name:
    description: PowerShell session configuration (JEA endpoint) the scripts run under.
    type: str
  warn_after:
    description: Warn when a run takes longer than this (C(hh:mm:ss), C(d.hh:mm:ss) or minutes).
    type: str
  stop_after:
    description: Cancel a run that takes longer than this (C(hh:mm:ss), C(d.hh:mm:ss) or minutes).
    type: str
  separate_reboots:
    description: Restart a node separately for each update that needs it.
    type: bool
  enable_firewall_rules:
    description: Let CAU enable the Windows Firewall rules for remote restart.
    type: bool
  suspend_cluster_node_timeout_minutes:
    description: Minutes a node's drain may take.
    type: int
  suspend_retries_per_node:
    description: Attempts at draining a node. Windows Server 2025 or later.
    type: int
  wait_for_storage_repair_timeout_minutes:
    description: Minutes to wait for Storage Spaces Direct repair after a node returns. Windows Server 2025 or later.
    type: int
  force_pause_no_drain:
    description: Pause nodes without draining them. Windows Server 2022 or later.
    type: bool
  force_pause_and_drain:
    description: Pause and drain even when a role cannot move. Windows Server 2022 or later.
    type: bool
  force_pause_drain_and_reboot:
    description: Pause, drain and restart even when a role cannot move. Windows Server 2022 or later.
    type: bool
  skip_update_checks:
    description: Skip the updates scan. Windows Server 2022 or later.
    type: bool
  site_aware_updating_order:
    description: Sites (fault domains) in the order to update them. Windows Server 2022 or later.
    type: list
    elements: str
  os_rolling_upgrade:
    description: Run an operating system rolling upgrade. Windows Server 2022 or later.
    type: bool
  attempt_soft_reboot:
    description: Try a Kernel Soft Reboot first. Windows Server 2022 or later.
    type: bool
  reboot_mode:
    description: How nodes restart (CAU's RebootType). Windows Server 2022 or later.
    type: str
    choices: [ClusProp, FullReboot, SoftReboot, PluginCustomReboot, OrchestratorDefault]
'''

EXAMPLES = r'''
- name: Turn CAU's failback off so it never races the next node's drain, keeping every other setting
  vmfleet.maintenance.cau_cluster_role:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    failback_mode: NoFailback

- name: Add the role with a monthly schedule
  vmfleet.maintenance.cau_cluster_role:
    host: hv01.contoso.local
    failback_mode: NoFailback
    days_of_week: [Tuesday]
    weeks_of_month: [2]
    max_failed_nodes: 0
    require_all_nodes_online: true
'''

RETURN = r'''
exists:
  description: Whether the role exists after the task (or would, in check mode).
  returned: always
  type: bool
settings:
  description: The role's settings after the task (as they would be, in check mode), by option name; settings the
    role does not have are null.
  returned: always
  type: dict
  sample: {failback_mode: NoFailback, max_failed_nodes: 0, max_retries_per_node: 3, reboot_timeout_minutes: 15,
           plugin_name: [Microsoft.WindowsUpdatePlugin], pre_update_script: null, require_all_nodes_online: false}
changed_settings:
  description: Names of the options whose values changed (or would).
  returned: always
  type: list
  elements: str
group_name:
  description: The role's cluster group name (null when the role is only being added in check mode).
  returned: with O(state=present)
  type: str
status:
  description: The role's status, C(Online) or C(Offline).
  returned: with O(state=present)
  type: str
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import (
    configure_cau_role, read_cau_role, wanted_cau_settings)

DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class CauClusterRoleModule(WinRMModule):
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        enabled=dict(type="bool"),
        failback_mode=dict(type="str", choices=["NoFailback", "Immediate", "Policy"]),
        pre_update_script=dict(type="str"),
        post_update_script=dict(type="str"),
        max_failed_nodes=dict(type="int"),
        max_retries_per_node=dict(type="int"),
        require_all_nodes_online=dict(type="bool"),
        reboot_timeout_minutes=dict(type="int"),
        node_order=dict(type="list", elements="str"),
        start_date=dict(type="str"),
        days_of_week=dict(type="list", elements="str", choices=DAYS),
        weeks_of_month=dict(type="list", elements="int"),
        interval_weeks=dict(type="int"),
        run_once=dict(type="bool"),
        plugin_name=dict(type="list", elements="str"),
        plugin_arguments=dict(type="list", elements="dict"),
        run_plugins_serially=dict(type="bool"),
        stop_on_plugin_failure=dict(type="bool"),
        configuration_name=dict(type="str"),
        warn_after=dict(type="str"),
        stop_after=dict(type="str"),
        separate_reboots=dict(type="bool"),
        enable_firewall_rules=dict(type="bool"),
        suspend_cluster_node_timeout_minutes=dict(type="int"),
        suspend_retries_per_node=dict(type="int"),
        wait_for_storage_repair_timeout_minutes=dict(type="int"),
        force_pause_no_drain=dict(type="bool"),
        force_pause_and_drain=dict(type="bool"),
        force_pause_drain_and_reboot=dict(type="bool"),
        skip_update_checks=dict(type="bool"),
        site_aware_updating_order=dict(type="list", elements="str"),
        os_rolling_upgrade=dict(type="bool"),
        attempt_soft_reboot=dict(type="bool"),
        reboot_mode=dict(type="str", choices=["ClusProp", "FullReboot", "SoftReboot", "PluginCustomReboot",
                                              "OrchestratorDefault"]),
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[
        ("weeks_of_month", "interval_weeks", "run_once"), ("run_once", "days_of_week"), ("run_once", "start_date")])
    needs_second_hop = False  # Get-/Set-CauClusterRole act on the endpoint's own cluster
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        if self.params["state"] == "absent":
            self._absent()
            return
        change = configure_cau_role(self.shell, wanted_cau_settings(self.params), self.check_mode, create=True)
        changed, status = change.changed, change.role.status
        enabled = self.params["enabled"]
        if enabled is not None and (status == "Online") != enabled:
            changed = True
            status = "Online" if enabled else "Offline"
            if not self.check_mode:
                self.shell.text(scripts.set_cau_role_enabled(enabled))
                status = read_cau_role(self.shell).status
        self.results.update(changed=changed, exists=True, settings=change.after,
                            changed_settings=change.changed_settings, group_name=change.role.group_name,
                            status=status or "Online")
        if self.ansible._diff:
            before = dict(change.before, exists=True, status=change.role.status) if change.existed else {"exists": False}
            self.results["diff"] = {"before": before, "after": dict(change.after, exists=True, status=status or "Online")}

    def _absent(self):
        role = read_cau_role(self.shell)
        self.results.update(changed=role.exists, exists=False, settings={}, changed_settings=[])
        if role.exists and not self.check_mode:
            self.shell.text(scripts.remove_cau_role())
        if self.ansible._diff:
            self.results["diff"] = {"before": dict(role.settings, exists=role.exists), "after": {"exists": False}}


def main():
    CauClusterRoleModule()()


if __name__ == "__main__":
    main()
