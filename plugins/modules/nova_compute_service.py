#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nova_compute_service
short_description: Enable, disable or force down a nova compute service
version_added: 0.1.0
description:
  - Sets the status (with a reason) and the forced-down flag of one nova service, the first and last
    steps of a compute node's maintenance (RHOSP 14.2 "migrating instances" procedure).
  - Idempotent; check mode reports what would change; diff shows before and after.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.openstack
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.NOVA
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows C(status), C(disabled_reason) and C(forced_down) before and after.
options:
  host:
    description: Compute host name as nova's services list it.
    type: str
    required: true
  binary:
    description: Service binary.
    type: str
    default: nova-compute
  state:
    description: C(disabled) keeps the scheduler from placing new instances on the host.
    type: str
    choices: [enabled, disabled]
  disabled_reason:
    description: Why the service is disabled; only with O(state=disabled) (nova rejects it otherwise).
    type: str
  forced_down:
    description:
      - Mark the service down without waiting for nova to notice, after the host is fenced; evacuation
        needs the service down or forced down.
    type: bool
'''

EXAMPLES = r'''
- name: Disable compute-1 before draining it
  vmfleet.maintenance.nova_compute_service:
    cloud: overcloud
    host: compute-1
    state: disabled
    disabled_reason: "vmfleet: monthly patching"

- name: Fence a failed host so its instances can be evacuated
  vmfleet.maintenance.nova_compute_service:
    cloud: overcloud
    host: compute-3
    forced_down: true

- name: Put compute-1 back in service
  vmfleet.maintenance.nova_compute_service:
    cloud: overcloud
    host: compute-1
    state: enabled
    forced_down: false
'''

RETURN = r'''
service:
  description: The service after the change (as it would be, in check mode).
  returned: always
  type: dict
  contains:
    id:
      description: The service's ID.
      type: str
      sample: 5d1a...
    host:
      description: Its host.
      type: str
      sample: compute-1
    binary:
      description: Its binary.
      type: str
      sample: nova-compute
    status:
      description: C(enabled) or C(disabled).
      type: str
      sample: disabled
    disabled_reason:
      description: Why it is disabled, or null.
      type: str
      sample: "vmfleet: monthly patching"
    forced_down:
      description: Whether it is forced down.
      type: bool
      sample: false
    state:
      description: Whether nova hears from it - C(up) or C(down).
      type: str
      sample: up
    zone:
      description: Its availability zone, when nova reports it.
      type: str
      sample: nova
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import OpenStackModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.gather import NovaCluster

FIELDS = ("status", "disabled_reason", "forced_down")


class NovaComputeServiceModule(OpenStackModule):
    argument_spec = dict(
        host=dict(type="str", required=True),
        binary=dict(type="str", default="nova-compute"),
        state=dict(type="str", choices=["enabled", "disabled"]),
        disabled_reason=dict(type="str"),
        forced_down=dict(type="bool"),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        params = self.params
        if params["disabled_reason"] and params["state"] != "disabled":
            self.fail("disabled_reason is only valid with state=disabled (nova rejects a reason on an enabled service)")
        service = NovaCluster(self.conn).service(params["host"], params["binary"])
        if service is None:
            known = sorted(s.host for s in self.conn.compute.services(binary=params["binary"]))
            self.fail("no %s service on host '%s'; known hosts: %s"
                      % (params["binary"], params["host"], ", ".join(known) or "none"))
        before = _view(service)
        after = dict(before)
        if params["state"] == "disabled":
            after["status"] = "disabled"
            if params["disabled_reason"] is not None:
                after["disabled_reason"] = params["disabled_reason"]
        elif params["state"] == "enabled":
            after["status"] = "enabled"
            after["disabled_reason"] = None
        if params["forced_down"] is not None:
            after["forced_down"] = params["forced_down"]
        changed = any(before[k] != after[k] for k in FIELDS)
        if changed and not self.check_mode:
            self._apply(service, before, after)
            service = NovaCluster(self.conn).service(params["host"], params["binary"])
            after = _view(service)
        self.results.update(changed=changed, service=dict(_describe(service), **after))
        if self.ansible._diff:
            self.results["diff"] = {"before": before, "after": after}

    def _apply(self, service, before, after):
        compute = self.conn.compute
        if after["status"] != before["status"] or after["disabled_reason"] != before["disabled_reason"]:
            if after["status"] == "disabled":
                compute.disable_service(service, disabled_reason=after["disabled_reason"])
            else:
                compute.enable_service(service)
        if after["forced_down"] != before["forced_down"]:
            compute.update_service_forced_down(service, forced=after["forced_down"])


def _view(service):
    return {"status": service.status, "disabled_reason": service.disabled_reason or None,
            "forced_down": bool(service.is_forced_down)}


def _describe(service):
    return {"id": service.id, "host": service.host, "binary": service.binary, "state": service.state,
            "zone": getattr(service, "availability_zone", None)}


def main():
    NovaComputeServiceModule()()


if __name__ == "__main__":
    main()
