#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: vsphere_drs_hold
short_description: Keep a fully automated DRS from moving VMs while a host of its cluster is drained, then restore it
version_added: 0.1.0
description:
  - With DRS enabled and fully automated, vCenter migrates VMs on its own - it may move VMs back onto the host
    being drained, or drain it its own way when it enters maintenance mode.
  - O(state=held) sets the default automation level of the cluster of O(host) to partially automated (DRS then
    only recommends) when it is fully automated, and returns in RV(drs) what it changed. With DRS disabled,
    partially automated or manual, nothing changes. Per-VM overrides, DRS rules and VM/host groups are not
    touched.
  - O(state=released) sets the level back to C(before) of O(held) (the result of the hold) when the
    hold changed it and the level is still the one the hold set. When someone changed it since, it is left as
    it is and RV(left_behind) says so; when the hold changed nothing, nothing is done.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.vmware
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.VSPHERE
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the cluster's default DRS automation level before and after.
options:
  host:
    description: The ESXi host being drained (its cluster is the one changed), by its name in vCenter.
    type: str
    required: true
  state:
    description: C(held) to hold DRS for the drain, C(released) to restore what the hold changed.
    type: str
    default: held
    choices: [held, released]
  held:
    description: With O(state=released), RV(drs) of the hold (C(cluster), C(before), C(after)).
    type: dict
  timeout:
    description: Seconds to wait for the cluster reconfiguration task.
    type: int
    default: 300
'''

EXAMPLES = r'''
- name: Hold DRS while esx-01 is drained
  vmfleet.maintenance.vsphere_drs_hold:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    host: esx-01
  register: drs_hold

- name: After esx-01 is back, restore what the hold changed
  vmfleet.maintenance.vsphere_drs_hold:
    host: esx-01
    state: released
    held: "{{ drs_hold.drs }}"
'''

RETURN = r'''
drs:
  description: What the hold found and left; pass it as O(held) to release the hold.
  returned: always
  type: dict
  contains:
    cluster:
      description: The cluster of O(host).
      type: str
      sample: Cluster-A
    enabled:
      description: Whether DRS is on.
      type: bool
      sample: true
    before:
      description: The default automation level found - C(fullyAutomated), C(partiallyAutomated) or C(manual).
      type: str
      sample: fullyAutomated
    after:
      description: The level left by the task (as it would be, in check mode).
      type: str
      sample: partiallyAutomated
left_behind:
  description: With O(state=released), what was not restored and why; null when nothing was left behind.
  returned: always
  type: dict
  contains:
    what:
      description: The setting not restored.
      type: str
      sample: DRS automation level of cluster Cluster-A
    why:
      description: Why it was left as it is.
      type: str
      sample: "DRS of cluster Cluster-A is manual, not ..."
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import (
    VmwareModule, VsphereError, wait_for_task)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import VsphereCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.services import (
    drs_facts, hold_plan, release_plan, set_drs_behavior)

try:
    from pyVmomi import vim
except ImportError:
    pass  # vsphere.base reports the missing library once


class VsphereDrsHoldModule(VmwareModule):
    argument_spec = dict(
        host=dict(type="str", required=True),
        state=dict(type="str", default="held", choices=["held", "released"]),
        held=dict(type="dict"),
        timeout=dict(type="int", default=300),
    )
    module_kwargs = dict(supports_check_mode=True, required_if=[("state", "released", ("held",))])
    retry_whole_run = True  # converges on the desired level: safe to repeat after an outage

    def run(self):
        host = VsphereCluster(self.content).select_hosts(hosts=[self.params["host"]])[0]
        cluster = host.parent
        if not isinstance(cluster, vim.ClusterComputeResource):
            raise VsphereError("%s is a standalone host, in no cluster: there is no DRS to hold" % host.name)
        facts = drs_facts(cluster)
        self.results["left_behind"] = None
        if self.params["state"] == "held":
            change = hold_plan(facts)
            target = change["after"] if change["after"] != change["before"] else None
        else:
            target, why = release_plan(facts, self.params["held"])
            change = dict(facts, before=facts["behavior"], after=target or facts["behavior"])
            change.pop("behavior")
            if why:
                self.results["left_behind"] = {"what": "DRS automation level of cluster %s" % cluster.name, "why": why}
                self.ansible.warn(why)
        change.pop("behavior", None)
        self.results["drs"] = change
        if self.ansible._diff:
            self.results["diff"] = {"before": {"drs_behavior": change["before"]}, "after": {"drs_behavior": change["after"]}}
        if target is None:
            return
        self.results["changed"] = True
        if not self.check_mode:
            timeout = self.params["timeout"]
            set_drs_behavior(cluster, target, lambda task: wait_for_task(task, timeout))


def main():
    VsphereDrsHoldModule()()


if __name__ == "__main__":
    main()
