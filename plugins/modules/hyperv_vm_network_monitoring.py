#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hyperv_vm_network_monitoring
short_description: Turn the protected network of a clustered VM's network adapters on or off
version_added: 0.1.0
description:
  - The failover cluster watches each VM network adapter's virtual switch (the adapter's
    C(ClusterMonitored), "protected network", on by default) and live-migrates the VM to another node when that
    switch's network fails. An adapter on a network that may drop briefly (backup, VM-to-VM traffic) should not
    move the VM; this module sets C(ClusterMonitored) with C(Set-VMNetworkAdapter -NotMonitoredInCluster).
  - Selects the VM's adapters on O(switch_name), or named O(adapter_name), or both; the VM is found through its
    cluster role, whichever node runs it. Reaching a VM on another node than the WinRM endpoint is a second hop
    that only C(transport=credssp) carries; when the VM cannot be read the task fails with the host's error
    (naming the node) instead of reporting that the VM has no adapters.
  - Detection of a failed network can take up to a minute, and queued migrations are cancelled when the network
    comes back; this setting only decides which adapters count.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.HYPERV
attributes:
  check_mode:
    support: full
    details: Reports which adapters would change.
  diff_mode:
    support: full
    details: Shows the selected adapters' C(ClusterMonitored) before and after.
options:
  vm:
    description: The VM (its cluster role's name).
    type: str
    required: true
  switch_name:
    description: Select the VM's adapters connected to this virtual switch.
    type: str
  adapter_name:
    description: Select the VM's adapters with this name.
    type: str
  monitored:
    description: Whether the cluster moves the VM when the network of these adapters fails.
    type: bool
    required: true
'''

EXAMPLES = r'''
- name: A backup network outage must not move VM1
  vmfleet.maintenance.hyperv_vm_network_monitoring:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    vm: VM1
    switch_name: Private
    monitored: false
'''

RETURN = r'''
adapters:
  description: The selected adapters after the task (as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The adapter's name.
      type: str
      sample: Network Adapter
    switch_name:
      description: The virtual switch it is connected to.
      type: str
      sample: Private
    mac_address:
      description: Its MAC address.
      type: str
      sample: 00155D86723B
    cluster_monitored:
      description: Whether the cluster moves the VM when this adapter's network fails (C(ClusterMonitored)).
      type: bool
      sample: false
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule


def adapter_view(raw):
    return {"name": raw["n"], "switch_name": raw["sw"], "mac_address": raw["mac"], "cluster_monitored": bool(raw["cm"])}


class HyperVVmNetworkMonitoringModule(WinRMModule):
    argument_spec = dict(
        vm=dict(type="str", required=True),
        switch_name=dict(type="str"),
        adapter_name=dict(type="str"),
        monitored=dict(type="bool", required=True),
    )
    module_kwargs = dict(supports_check_mode=True, required_one_of=[("switch_name", "adapter_name")])
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        params = self.params
        every = [adapter_view(a) for a in self.shell.json(scripts.vm_network_adapters(params["vm"])) or []]
        chosen = [a for a in every if (params["switch_name"] is None or a["switch_name"] == params["switch_name"])
                  and (params["adapter_name"] is None or a["name"] == params["adapter_name"])]
        if not chosen:
            self.fail("%s has no network adapter %s; its adapters: %s" % (
                params["vm"], self._selection(), ", ".join("%s on %s" % (a["name"], a["switch_name"]) for a in every)
                or "none"))
        before = [dict(a) for a in chosen]
        changed = any(a["cluster_monitored"] != params["monitored"] for a in chosen)
        after = [dict(a, cluster_monitored=params["monitored"]) for a in chosen]
        if changed and not self.check_mode:
            self.shell.text(scripts.set_vm_network_monitoring(params["vm"], params["switch_name"], params["adapter_name"],
                                                              params["monitored"]))
            after = [a for a in (adapter_view(x) for x in self.shell.json(scripts.vm_network_adapters(params["vm"])))
                     if a["mac_address"] in set(b["mac_address"] for b in chosen)]
            wrong = [a for a in after if a["cluster_monitored"] != params["monitored"]]
            if wrong:
                self.fail("%s: ClusterMonitored of %s is still %s after Set-VMNetworkAdapter" % (
                    params["vm"], ", ".join(a["switch_name"] for a in wrong), wrong[0]["cluster_monitored"]))
        self.results.update(changed=changed, adapters=after)
        if self.ansible._diff:
            self.results["diff"] = {"before": {"adapters": before}, "after": {"adapters": after}}

    def _selection(self):
        parts = []
        if self.params["adapter_name"]:
            parts.append("named '%s'" % self.params["adapter_name"])
        if self.params["switch_name"]:
            parts.append("on switch '%s'" % self.params["switch_name"])
        return " ".join(parts)


def main():
    HyperVVmNetworkMonitoringModule()()


if __name__ == "__main__":
    main()
