# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot an ESXi host through vCenter and follow it until it is back.

``HostSystem.RebootHost_Task`` succeeds once the host has taken the command; the host then stops answering
(``runtime.connectionState`` notResponding or disconnected) and comes back connected with a newer
``runtime.bootTime``. That boot time, not the connection state alone, tells that the reboot happened: right
after the task a host may still show connected with its old boot time. No pyVmomi import: the watch reads the
host through a function the module gives it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError

CONNECTED = "connected"
API_UNREADABLE = "unreadable"  # the vSphere API itself did not answer a read (recorded among the states seen)


def boot_facts(host):
    """connection_state, boot_time (a datetime or None) and in_maintenance_mode of a HostSystem, read at once."""
    runtime = host.runtime
    return {"connection_state": str(runtime.connectionState), "boot_time": runtime.bootTime,
            "in_maintenance_mode": bool(runtime.inMaintenanceMode)}


def reboot_supported(host):
    """capability.rebootSupported, or None when the host does not say (vCenter then decides)."""
    capability = host.capability
    return None if capability is None else bool(capability.rebootSupported)


def reboot_refusal(name, facts, force, supported):
    """Why vCenter would refuse to reboot the host (the sentence for the user), or None when it would reboot it."""
    if supported is False:
        return ("%s does not support a reboot through the vSphere API (capability.rebootSupported is false); "
                "reboot it from its console or its BMC" % name)
    if facts["connection_state"] != CONNECTED:
        return ("%s is %s: vCenter cannot reboot a host it does not reach; bring it back (reconnect it) or reboot "
                "it from its console" % (name, facts["connection_state"]))
    if not facts["in_maintenance_mode"] and not force:
        return ("%s is not in maintenance mode: vCenter refuses to reboot it (InvalidState); put it in maintenance "
                "mode first (vsphere_host_drain) or set force=true, which reboots it with whatever still runs "
                "on it" % name)
    return None


class RebootWatch:
    """The states a rebooting host went through, and whether it is back: connected with a newer boot time."""

    def __init__(self, boot_before):
        self.boot_before = boot_before
        self.states = []
        self.facts = None

    def see(self, facts):
        """Record one read (None: the API did not answer)."""
        state = API_UNREADABLE if facts is None else facts["connection_state"]
        if not self.states or self.states[-1] != state:
            self.states.append(state)
        if facts is not None:
            self.facts = facts

    @property
    def went_down(self):
        return any(s not in (CONNECTED, API_UNREADABLE) for s in self.states)

    def is_back(self):
        """Connected with a boot time newer than before; without a boot time before, connected after a down state."""
        facts = self.facts
        if facts is None or facts["connection_state"] != CONNECTED or self.states[-1] != CONNECTED:
            return False
        if self.boot_before is None or facts["boot_time"] is None:
            return self.went_down
        return facts["boot_time"] > self.boot_before


def wait_until_back(name, read, watch, timeout_seconds, poll_seconds, clock=time.monotonic, sleep=time.sleep):
    """Read the host every poll_seconds until the watch says it is back; VsphereError after timeout_seconds."""
    deadline = clock() + timeout_seconds
    while True:
        watch.see(read())
        if watch.is_back():
            return watch.facts
        if clock() > deadline:
            facts = watch.facts or {}
            raise VsphereError(
                "%s did not come back from its reboot within %s s: vCenter shows it %s, boot time %s (before the "
                "reboot %s; states seen: %s). It stays in maintenance mode; check its console, then run again"
                % (name, timeout_seconds, facts.get("connection_state", "unknown"), iso(facts.get("boot_time")),
                   iso(watch.boot_before), " -> ".join(watch.states)))
        sleep(poll_seconds)


def iso(moment):
    """An ISO 8601 text of a datetime (None stays None)."""
    return None if moment is None else moment.isoformat()
