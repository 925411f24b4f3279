#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: vsphere_host_reboot
short_description: Reboot an ESXi host through vCenter and wait until it is back
version_added: 0.1.0
description:
  - Reboots O(host) with the vSphere API (C(HostSystem.RebootHost_Task)), then waits until vCenter shows it
    connected again with a boot time (C(runtime.bootTime)) newer than before the reboot. The task itself
    succeeds as soon as the host has taken the command, before it goes down; the new boot time is what proves
    that the host rebooted.
  - A reboot is an action, not a state - every run that reboots the host reports a change.
  - vCenter refuses to reboot a host that is not in maintenance mode (C(InvalidState)) unless O(force=true);
    the module refuses it the same way before calling vCenter, naming the host, and nothing is changed. Drain
    the host and put it in maintenance mode first (M(vmfleet.maintenance.vsphere_host_drain)). With
    O(force=true) the host reboots with whatever still runs on it.
  - A host that is not connected, or whose C(capability.rebootSupported) is false, is refused too.
  - Connect to vCenter, not to the ESXi host itself - a host rebooting drops the connection to its own API, and
    vCenter is what follows it back.
  - Reads that fail while the host reboots because the vSphere API did not answer (a reset connection, an HTTP
    503) are retried until O(timeout).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.vmware
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.VSPHERE
attributes:
  check_mode:
    support: full
    details: Says whether the host would be rebooted (or why vCenter would refuse); nothing is done.
  diff_mode:
    support: none
    details: RV(boot_time_before) and RV(boot_time_after) say what changed.
  idempotent:
    description: Running the task again with the same options changes nothing.
    support: none
    details: A reboot is an action, not a state; every run reboots the host again.
options:
  host:
    description: The ESXi host to reboot, by its name in vCenter.
    type: str
    required: true
  force:
    description: Reboot even when the host is not in maintenance mode (vCenter's C(force) flag); VMs still running
      on it go down with it.
    type: bool
    default: false
  timeout:
    description: Seconds for the whole reboot - the task, the host going down and coming back connected with a
      new boot time. The module fails after it, and the host is left as vCenter shows it.
    type: int
    default: 1800
  poll_seconds:
    description: Seconds between two reads of the host while it reboots.
    type: float
    default: 5
seealso:
  - module: vmfleet.maintenance.vsphere_host_drain
  - name: HostSystem.RebootHost_Task (vSphere Web Services API)
    description: The method, its C(force) flag and its InvalidState fault.
    link: https://developer.broadcom.com/xapis/virtual-infrastructure-json-api/latest/sdk/vim25/release/HostSystem/moId/RebootHost_Task/post/
'''

EXAMPLES = r'''
- name: Drain esx-01 and put it in maintenance mode
  vmfleet.maintenance.vsphere_host_drain:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    host: esx-01

- name: Reboot it and wait until it is back (at most 30 minutes)
  vmfleet.maintenance.vsphere_host_reboot:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    host: esx-01
    timeout: 1800
  register: reboot

- name: Say how long it took
  ansible.builtin.debug:
    msg: "esx-01 rebooted in {{ reboot.seconds }} s (boot time {{ reboot.boot_time_after }})"
'''

RETURN = r'''
host:
  description: The host's name in vCenter.
  returned: always
  type: str
  sample: esx-01
rebooted:
  description: Whether the host was rebooted (false in check mode).
  returned: always
  type: bool
boot_time_before:
  description: C(runtime.bootTime) before the reboot (ISO 8601), null when vCenter did not say.
  returned: always
  type: str
  sample: "2026-11-30T16:11:10.424272+00:00"
boot_time_after:
  description: C(runtime.bootTime) once the host is back; null when it was not rebooted.
  returned: always
  type: str
  sample: "2026-12-03T16:11:11.818154+00:00"
seconds:
  description: Seconds from the reboot request until the host was back (0 when it was not rebooted).
  returned: always
  type: float
  sample: 214.6
states:
  description: The connection states vCenter showed, in order, from the reboot request until the host was back
    (C(unreadable) when the vSphere API itself did not answer a read).
  returned: always
  type: list
  elements: str
  sample: [connected, notResponding, connected]
in_maintenance_mode:
  description: Whether the host is in maintenance mode at the end (a reboot keeps it).
  returned: always
  type: bool
'''

import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import (
    CONNECTION_ERRORS, VmwareModule, wait_for_task)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import VsphereCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.reboot import (
    RebootWatch, boot_facts, iso, reboot_refusal, reboot_supported, wait_until_back)


class VsphereHostRebootModule(VmwareModule):
    argument_spec = dict(
        host=dict(type="str", required=True),
        force=dict(type="bool", default=False),
        timeout=dict(type="int", default=1800),
        poll_seconds=dict(type="float", default=5),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before rebooting)

    def run(self):
        params = self.params
        name = params["host"]
        host = self._find(name)
        facts = boot_facts(host)
        self.results.update(host=name, rebooted=False, boot_time_before=iso(facts["boot_time"]), boot_time_after=None,
                            seconds=0.0, states=[facts["connection_state"]],
                            in_maintenance_mode=facts["in_maintenance_mode"])
        refusal = reboot_refusal(name, facts, params["force"], reboot_supported(host))
        if refusal:
            self.fail(refusal)
        self.results["changed"] = True
        if self.check_mode:
            return
        started = time.monotonic()
        wait_for_task(host.RebootHost_Task(force=params["force"]), params["timeout"])
        watch = RebootWatch(facts["boot_time"])
        watch.see(facts)
        remaining = max(params["timeout"] - (time.monotonic() - started), 0)
        back = wait_until_back(name, lambda: self._read(name), watch, remaining, params["poll_seconds"])
        self.results.update(rebooted=True, boot_time_after=iso(back["boot_time"]), states=watch.states,
                            seconds=round(time.monotonic() - started, 1),
                            in_maintenance_mode=back["in_maintenance_mode"])

    def _find(self, name):
        return VsphereCluster(self.content).select_hosts(hosts=[name])[0]

    def _read(self, name):
        """The host's boot facts, or None when the vSphere API did not answer (the connection is made again)."""
        try:
            return boot_facts(self._find(name))
        except CONNECTION_ERRORS as error:
            if not self.is_transient(error):
                raise
            self.reconnect()
            return None


def main():
    VsphereHostRebootModule()()


if __name__ == "__main__":
    main()
