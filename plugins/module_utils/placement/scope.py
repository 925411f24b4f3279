# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which VMs of a drained host move, which are left alone, and what that does to the result.

The result rules follow common practice for emptying a host (SigmaSystemCenter's, for one), in this
precedence: a held VM and an unmanaged VM have no effect, a VM in maintenance gives a warning, a
busy VM makes the drain fail.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Scope:
    """The VMs of the drained hosts sorted into movers, skipped, warnings and errors."""

    def __init__(self):
        self.movers = []
        self.skipped = []
        self.warnings = []
        self.errors = []


def classify(vms, scope):
    """Sort the VMs found on drained hosts (scope 'running' or 'all')."""
    result = Scope()
    for vm in sorted(vms, key=lambda v: v.name):
        if scope == "running" and not vm.active:
            result.skipped.append({"vm": vm.name, "host": vm.host, "reason": "powered_off",
                                   "detail": "scope 'running' leaves powered-off VMs in place"})
        elif vm.hold:
            result.skipped.append({"vm": vm.name, "host": vm.host, "reason": "hold",
                                   "detail": "held VMs never move"})
        elif not vm.managed:
            result.skipped.append({"vm": vm.name, "host": vm.host, "reason": "unmanaged",
                                   "detail": "unmanaged VMs are ignored"})
        elif vm.maintenance:
            result.skipped.append({"vm": vm.name, "host": vm.host, "reason": "maintenance",
                                   "detail": "VM is in maintenance mode; left in place"})
            result.warnings.append("vm '%s' is in maintenance mode and stays on %s" % (vm.name, vm.host))
        elif vm.busy:
            result.errors.append({"vm": vm.name, "host": vm.host, "reasons": [
                {"code": "busy", "detail": "another operation is running on the VM; retry when it ends"}]})
        else:
            result.movers.append(vm)
    return result
