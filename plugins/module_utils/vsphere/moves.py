# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere, carry out: move one VM for the drain runner (vMotion, cold migration, Storage vMotion), and enter
or exit maintenance mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import (
    VsphereError, describe_transport_error, fault_text, is_transient, objects_of)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import file_datastores
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.services import is_agent_vm

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # vsphere.base reports the missing library once

VSPHERE_METHODS = ("live", "move", "storage")
VMOTION_PORT = 8000
MOVE_LABEL = {"live": "vMotion", "move": "cold migration", "storage": "Storage vMotion"}
MOVE_TASKS = ("VirtualMachine.migrate", "VirtualMachine.relocate")
FIX_HINTS = {
    "MigrationDisabled": "set Migrate.Enabled = 1 on that host (vsphere_vmotion_preflight with fix=true)",
    "VMotionNotConfigured": "enable the vMotion service on a VMkernel adapter of that host "
                            "(vsphere_vmotion_preflight with fix=true)",
    "CannotAccessVmDevice": "switch the CD/DVD drive to a client device (vsphere_vmotion_preflight with fix=true)",
    "MigrationFault": "test the vMotion network between the hosts: vmkping -I <vmk> <ip> and nc -z <ip> %d "
                      "(vmkping -S vmotion -I <vmk> <ip> for an adapter on the vMotion TCP/IP stack)" % VMOTION_PORT,
}


class VsphereMoveAdapter(MoveAdapter):
    """Moves one VM: vMotion, cold migration, or relocation with its files (Storage vMotion).

    Rides through the outages vsphere.base.is_transient names (retry_seconds: the runner's default unless the
    caller passes the module's).
    """

    methods = VSPHERE_METHODS

    def is_transient(self, error):
        return is_transient(error)

    def describe_error(self, error):
        if isinstance(error, vmodl.MethodFault):
            return fault_text(error)
        stub = getattr(next(iter(self.vms.values()), None), "_stub", None)
        endpoint = getattr(stub, "host", None) or "(vCenter)"
        return describe_transport_error(error, endpoint) or super(VsphereMoveAdapter, self).describe_error(error)

    def started(self, move, method):
        """A handle when vCenter shows a migrate or relocate task of the VM queued or running (the one whose answer
        was lost), or the VM on the target already; None when the request never reached vCenter."""
        vm = self.vms[move["vm"]]
        handle = {"task": None, "vm": vm, "name": move["vm"], "method": method, "target": move["target"]}
        for task in getattr(vm, "recentTask", None) or []:
            info = task.info
            if info.descriptionId in MOVE_TASKS and str(info.state) in ("queued", "running"):
                return dict(handle, task=task)
        host = vm.runtime.host
        if host is not None and host.name == move["target"] and move["target"] != move["source"]:
            return handle
        return None

    def __init__(self, content, vms_by_name, hosts_by_name):
        self.content = content
        self.vms = vms_by_name
        self.hosts = dict(hosts_by_name)

    def start(self, move, method):
        vm = self.vms[move["vm"]]
        target = self._host(move["target"])
        power = str(vm.runtime.powerState)
        if method == "live":
            if power != "poweredOn":
                raise MoveRefused("%s is %s: vMotion moves powered-on VMs" % (move["vm"], power))
            pool = pool_for(vm, target)
            task = _call(vm.MigrateVM_Task, host=target, priority="defaultPriority", **({"pool": pool} if pool else {}))
        elif method == "move":
            if power == "poweredOn":
                raise MoveRefused("%s is powered on: a cold migration needs it powered off or suspended"
                                  % move["vm"])
            task = _call(vm.RelocateVM_Task, spec=relocate_spec(vm, target))
        elif method == "storage":
            task = _call(vm.RelocateVM_Task, spec=relocate_spec(vm, target), priority="defaultPriority")
        else:
            raise MoveRefused("vSphere has no %s migration (methods: %s)" % (method, ", ".join(VSPHERE_METHODS)))
        return {"task": task, "vm": vm, "name": move["vm"], "method": method, "target": move["target"]}

    def poll(self, handle):
        if handle["task"] is None:  # found on the target by started()
            return MoveStatus(DONE, host=handle["vm"].runtime.host.name)
        info = handle["task"].info
        if info.state == "success":
            return MoveStatus(DONE, host=handle["vm"].runtime.host.name)
        if info.state == "error":
            return MoveStatus(FAILED, detail=move_failure(handle, info.error), host=handle["vm"].runtime.host.name)
        # TaskInfo.progress is the task's percent done (0-100), when vCenter reports it
        return MoveStatus(RUNNING, progress=info.progress, percent=info.progress, copying=True)

    def abort(self, handle):
        if handle["task"] is None:
            return
        try:
            handle["task"].CancelTask()
        except vmodl.MethodFault:
            pass  # already finished: nothing to cancel

    def force_complete(self, handle):
        """vSphere has no force-complete (vMotion's own stun during page send converges); keep watching."""

    def _host(self, name):
        if name not in self.hosts:
            found = [h for h in objects_of(self.content, vim.HostSystem) if h.name == name]
            if not found:
                raise MoveRefused("unknown target host '%s'" % name)
            self.hosts[name] = found[0]
        return self.hosts[name]


def pool_for(vm, target):
    """The resource pool for a move to target: the VM's own within its cluster, else the target's root pool."""
    if vm.runtime.host is not None and vm.runtime.host.parent == target.parent:
        return None
    return target.parent.resourcePool


def relocate_spec(vm, target):
    """RelocateSpec to target; with a datastore the target mounts when it lacks one of the VM's."""
    spec = vim.vm.RelocateSpec(host=target)
    pool = pool_for(vm, target)
    if pool is not None:
        spec.pool = pool
    reachable = list(target.datastore)
    names = set(d.name for d in reachable)
    if any(name not in names for name in file_datastores(vm.config)):
        spec.datastore = best_datastore(reachable, vm.name, target.name)
    return spec


def best_datastore(datastores, vm_name, host_name):
    """The accessible datastore mounted by the most hosts, then with the most free space."""
    ranked = []
    for datastore in datastores:
        summary = datastore.summary
        if summary.accessible is False or getattr(summary, "maintenanceMode", "normal") not in (None, "normal"):
            continue
        ranked.append((len(datastore.host or []), summary.freeSpace or 0, datastore.name, datastore))
    if not ranked:
        raise MoveRefused("%s: %s mounts no accessible datastore to take its files" % (vm_name, host_name))
    return max(ranked, key=lambda r: r[:3])[3]


def move_failure(handle, fault):
    """'vMotion of web-01 to esx-03 failed: MigrationDisabled: ... - set Migrate.Enabled = 1 ...'."""
    name = type(fault).__name__.rsplit(".", 1)[-1]
    hint = FIX_HINTS.get(name)
    what = MOVE_LABEL[handle["method"]]
    text = "%s of %s to %s failed: %s" % (what, handle["name"], handle["target"], fault_text(fault))
    return "%s - %s" % (text, hint) if hint else text


def _call(method, **kwargs):
    """Start a task; a fault raised at once becomes MoveRefused so the runner tries the next method."""
    try:
        return method(**kwargs)
    except vmodl.MethodFault as fault:
        raise MoveRefused(fault_text(fault))


def powered_on_vms(host):
    """Names of the VMs that keep the host out of maintenance mode (powered on; vCLS agent VMs never do)."""
    return sorted(vm.name for vm in host.vm
                  if str(vm.runtime.powerState) == "poweredOn" and not is_agent_vm(vm.config))


def set_maintenance_mode(host, enter, timeout, wait):
    """Enter or exit maintenance mode and wait(task) for it; a fault becomes a VsphereError naming the host."""
    try:
        if enter:
            wait(host.EnterMaintenanceMode_Task(timeout=timeout, evacuatePoweredOffVms=False))
        else:
            wait(host.ExitMaintenanceMode_Task(timeout=timeout))
    except vmodl.MethodFault as fault:
        action = "entering" if enter else "exiting"
        raise VsphereError("%s maintenance mode on %s failed: %s" % (action, host.name, fault_text(fault)))
