# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No silent downtime: which move methods keep a running guest running.

Shared by the planner and the platform runners (which fall back from one method to the next), so
both apply one policy: a running VM moves only by a method that keeps its guest running, unless
downtime is allowed for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .model import METHODS

GUEST_STOPS = {
    "quick": "quick migration saves and restores it",
    "move": "cold migration",
    "failover": "failover restarts it",
}


def downtime_free(method, power_state, source_down):
    """True when moving a VM by method stops no running guest.

    live and storage (Storage vMotion of a running VM is live) keep it running; failover only
    restores a guest already down with its source host (source_down); quick and move stop it.
    A powered-off or suspended VM has no running guest: every method is free.
    """
    if power_state != "on":
        return True
    if method == "failover":
        return bool(source_down)
    return method in ("live", "storage")


def policy_methods(methods, power_state, source_down, downtime_allowed):
    """The methods, in canonical order, that the policy lets carry the VM."""
    ordered = [m for m in METHODS if m in methods]
    if downtime_allowed:
        return ordered
    return [m for m in ordered if downtime_free(m, power_state, source_down)]


def allowed_methods(vm_dicts, allow_downtime, allow_downtime_vms, down_hosts=()):
    """{vm name: [methods in canonical order]} a runner may try, or fall back to, for each VM.

    vm_dicts: VMs in the core's shape (name, host, methods, power_state, allow_downtime).
    allow_downtime: downtime is allowed for every VM; allow_downtime_vms: names allowed it anyway,
    as is a VM whose dict says allow_downtime: true. down_hosts: hosts that are down (failover from
    them restores a guest that is already down, so it is no downtime).
    """
    allowed_names = set(allow_downtime_vms or ())
    down = set(down_hosts or ())
    result = {}
    for vm in vm_dicts:
        methods = vm.get("methods")
        result[vm["name"]] = policy_methods(
            METHODS if methods is None else methods, vm.get("power_state") or "on", vm.get("host") in down,
            bool(allow_downtime or vm.get("allow_downtime") or vm["name"] in allowed_names))
    return result


def restrict_methods(cluster, allow_downtime, allow_downtime_vms):
    """Narrow each model VM's methods to those the policy allows; the ones taken away (they would
    stop its guest) go to vm.stopping_methods, so an unplaced VM can say why."""
    allowed_names = set(allow_downtime_vms or ())
    for vm in cluster.vms.values():
        source_down = cluster.hosts[vm.host].state == "down"
        allowed = allow_downtime or vm.allow_downtime or vm.name in allowed_names
        kept = policy_methods(vm.methods, vm.power_state, source_down, allowed)
        vm.stopping_methods = tuple(m for m in vm.methods if m not in kept)
        vm.methods = tuple(kept)


def stop_detail(method):
    """What an unplaced VM's reason says when only a method that stops its guest would move it."""
    return ("moving it would stop the guest (%s); allow downtime for it with allow_downtime_vms or hold it"
            % GUEST_STOPS.get(method, method))
