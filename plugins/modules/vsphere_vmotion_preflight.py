#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: vsphere_vmotion_preflight
short_description: Find, and where safe fix, what makes vMotion fail in a vSphere cluster
version_added: 0.1.0
description:
  - Checks the hosts of a cluster (or the hosts named) for the vMotion failures operators meet again and again,
    and returns each as a finding with a stable C(code), the hosts and VMs affected and the fix.
  - C(VMOTION_VMK_NOT_ENABLED) (error) - no VMkernel adapter of the host has the vMotion service (or O(vmotion_vmk)
    does not have it).
  - C(CDROM_LOCAL_ISO) (error) - a connected CD/DVD drive of a VM is backed by an ISO on a datastore that another
    host of the cluster does not mount (host-local), or on the host itself; vMotion to those hosts fails.
  - C(CDROM_HOST_DEVICE) (error) - a connected CD/DVD drive of a VM is backed by a drive of its host (emulated or
    passthrough); no other host can reach it, so vMotion fails.
  - C(MIGRATE_DISABLED) (error) - the host's advanced setting C(Migrate.Enabled) is 0, typically left behind by
    backup software that failed mid-job; vMotion to or from it stalls at 20% and fails.
  - C(CLOCK_SKEW) (warning) - the host's clock is more than O(max_clock_skew_seconds) from the median of the
    cluster's host clocks; vMotion works but a guest that takes its time from the host may jump. Reported only,
    with the skew in seconds and the NTP advice.
  - C(VMOTION_NETWORK_UNVERIFIED) (info) - whether vMotion traffic (TCP 8000) passes between the hosts cannot be
    seen through the API; the finding lists the C(vmkping) and C(nc) commands to run on each host (for an adapter
    on the vMotion TCP/IP stack C(vmkping -S vmotion) and no C(nc), which only uses the default stack). Reported
    only.
  - C(HOST_NOT_CONNECTED) (error) - the host is disconnected or not responding, so nothing on it can be checked.
  - An adapter on the vMotion TCP/IP stack counts as vMotion-enabled whether or not it is selected for the service.
  - vCLS agent VMs are not checked (vCenter manages them).
  - With O(fix=true) the module sets C(Migrate.Enabled) back to 1 (typed as the host's C(supportedOption) defines
    it), enables vMotion on the chosen VMkernel adapter, and switches a connected CD/DVD drive backed by a
    host-local ISO or a drive of the host to a (disconnected) client device,
    then reads the settings again and marks each finding C(fixed). A second run reports no change.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.vmware
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.VSPHERE
attributes:
  check_mode:
    support: full
    details: Reports the findings and whether O(fix=true) would change anything, and changes nothing.
  diff_mode:
    support: full
    details: Shows each setting the fix changes (C(Migrate.Enabled), the vMotion VMkernel adapters, the CD/DVD
      drive's backing) before and after.
options:
  cluster:
    description: The cluster to check; without it, O(hosts) or every host of the vCenter.
    type: str
  hosts:
    description: Only these hosts (of O(cluster) when given) and their VMs; the other hosts of their clusters
      still count as vMotion peers (clock median, datastore visibility, network commands).
    type: list
    elements: str
    default: []
  fix:
    description: Repair the findings marked C(fixable); clock and network findings are never changed.
    type: bool
    default: false
  vmotion_vmk:
    description:
      - The VMkernel adapter meant for vMotion (for example V(vmk1)); a host where it does not have the vMotion
        service gets a finding even when another adapter has it, and the fix enables it.
      - Without it a host gets a finding only when no adapter has vMotion, and the fix picks the adapter on a
        portgroup whose name contains C(vmotion), else the first adapter that is neither selected for management
        traffic nor on a portgroup whose name contains C(management).
    type: str
  max_clock_skew_seconds:
    description: Clock difference to the median of the hosts above which C(CLOCK_SKEW) is reported (vCenter warns
      above 5 minutes).
    type: int
    default: 300
  timeout:
    description: Seconds to wait for each VM reconfiguration task of the fix.
    type: int
    default: 300
notes:
  - A guest that locked its CD/DVD drive makes vCenter ask a question on the VM before the drive can be switched;
    answer it in the vSphere Client.
'''

EXAMPLES = r'''
- name: Check the cluster before a rolling update, changing nothing
  vmfleet.maintenance.vsphere_vmotion_preflight:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    cluster: Cluster-A
  register: preflight

- name: Stop when an error remains
  ansible.builtin.fail:
    msg: "{{ preflight.findings | selectattr('severity', 'equalto', 'error') | map(attribute='message') | list }}"
  when: not preflight.ready

- name: Repair what can safely be repaired, enabling vMotion on vmk1
  vmfleet.maintenance.vsphere_vmotion_preflight:
    cluster: Cluster-A
    fix: true
    vmotion_vmk: vmk1
  diff: true
'''

RETURN = r'''
findings:
  description: One per problem found.
  returned: always
  type: list
  elements: dict
  sample: [{code: MIGRATE_DISABLED, severity: error, hosts: [esx-03], vms: [], fixable: true, fixed: true,
            message: "esx-03: advanced setting Migrate.Enabled = 0, so every vMotion to or from it stalls at 20% and fails",
            fix: "set Migrate.Enabled back to 1 on esx-03 ...", details: {setting: Migrate.Enabled, value: 0}}]
  contains:
    code:
      description: What the problem is, one of the codes in the module's description.
      type: str
      sample: MIGRATE_DISABLED
    severity:
      description: C(error) (vMotion fails), C(warning) or C(info).
      type: str
      sample: error
    hosts:
      description: The hosts affected.
      type: list
      elements: str
      sample: [esx-03]
    vms:
      description: The VMs affected.
      type: list
      elements: str
    message:
      description: What is wrong, where.
      type: str
    fix:
      description: What to do about it.
      type: str
    fixable:
      description: Whether O(fix=true) repairs it.
      type: bool
    fixed:
      description: Whether this run repaired it (or would, in check mode).
      type: bool
    details:
      description:
        - What the check read, by code.
        - C(VMOTION_VMK_NOT_ENABLED) - C(vmk) (the adapter to enable) and C(selected).
        - C(MIGRATE_DISABLED) - C(setting) and C(value).
        - C(CDROM_LOCAL_ISO) - C(device), C(iso), C(datastore) and C(blind_hosts) (the hosts that cannot see it).
        - C(CDROM_HOST_DEVICE) - C(device), C(host_device) and C(blind_hosts).
        - C(CLOCK_SKEW) - C(skew_seconds) and C(ntp_servers).
        - C(VMOTION_NETWORK_UNVERIFIED) - C(commands), each with C(from), C(to), C(vmkping) and C(nc) (null for an
          adapter on the vMotion TCP/IP stack).
      type: dict
ready:
  description: True when no error finding is left unfixed.
  returned: always
  type: bool
summary:
  description: The findings counted.
  returned: always
  type: dict
  contains:
    error:
      description: Error findings.
      type: int
      sample: 3
    warning:
      description: Warning findings.
      type: int
      sample: 1
    info:
      description: Information findings.
      type: int
      sample: 1
    fixed:
      description: Findings this run repaired.
      type: int
      sample: 3
details:
  description: What was read.
  returned: always
  type: dict
  contains:
    hosts:
      description: Per host in scope, its C(connection_state), C(in_maintenance_mode), C(migrate_enabled),
        C(vmknics) (C(device), C(portgroup), C(ip), C(netstack)), C(vmotion_vmks), C(management_vmks),
        C(clock_offset_seconds) (to vCenter's clock) and C(ntp_servers).
      type: dict
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VmwareModule, wait_for_task
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import VsphereCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.preflight import (
    apply_fix, finding_key, fix_diff, inspect)

SEVERITIES = ("error", "warning", "info")


class VsphereVmotionPreflightModule(VmwareModule):
    argument_spec = dict(
        cluster=dict(type="str"),
        hosts=dict(type="list", elements="str", default=[]),
        fix=dict(type="bool", default=False),
        vmotion_vmk=dict(type="str"),
        max_clock_skew_seconds=dict(type="int", default=300),
        timeout=dict(type="int", default=300),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        cluster = VsphereCluster(self.content)
        hosts = cluster.select_hosts(self.params["cluster"], self.params["hosts"])
        facts = inspect(cluster, hosts, self.si.CurrentTime())
        findings = self._findings(facts)
        to_fix = [f for f in findings if f["fixable"]] if self.params["fix"] else []
        self._report(findings, facts, changed=bool(to_fix))
        if self.ansible._diff:
            self.results["diff"] = _diff(to_fix)
        if not to_fix or self.check_mode:
            return
        for item in to_fix:
            apply_fix(item, facts.host_objects, facts.vm_objects,
                      lambda task: wait_for_task(task, self.params["timeout"]))
        remaining = set(finding_key(f) for f in self._findings(inspect(cluster, hosts, self.si.CurrentTime())))
        for item in to_fix:
            item["fixed"] = finding_key(item) not in remaining
        self._report(findings, facts, changed=True)
        stuck = [f for f in to_fix if not f["fixed"]]
        if stuck:
            self.fail("the fix did not take: %s still found after it was applied"
                      % "; ".join("%s on %s" % (f["code"], ", ".join(f["vms"] or f["hosts"])) for f in stuck))

    def _findings(self, facts):
        return facts.findings(self.params["vmotion_vmk"], self.params["max_clock_skew_seconds"])

    def _report(self, findings, facts, changed):
        summary = dict((s, len([f for f in findings if f["severity"] == s])) for s in SEVERITIES)
        summary["fixed"] = len([f for f in findings if f["fixed"]])
        self.results.update(
            changed=changed, findings=findings, summary=summary,
            ready=not any(f["severity"] == "error" and not f["fixed"] for f in findings),
            details={"hosts": dict((h["name"], dict((k, v) for k, v in h.items() if k != "name")) for h in facts.hosts)})


def _diff(to_fix):
    """Before and after of every setting the fix changes, by hosts and vms."""
    diff = {"before": {"hosts": {}, "vms": {}}, "after": {"hosts": {}, "vms": {}}}
    for item in to_fix:
        kind, name, before, after = fix_diff(item)
        diff["before"][kind].setdefault(name, {}).update(before)
        diff["after"][kind].setdefault(name, {}).update(after)
    return diff


def main():
    VsphereVmotionPreflightModule()()


if __name__ == "__main__":
    main()
