# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere, the inventory read: hosts, VMs, clusters and datastores with the properties gathering needs, in one
PropertyCollector call over a container view (RetrievePropertiesEx, continued while vCenter pages its answer),
where reading pyVmomi attributes one by one costs a round trip each.

Properties are asked by path ("summary.hardware", "config.hardware.device"): vCenter leaves out a path that is
not set (a VM without configuration, a VM no solution manages), so a missing path reads as None.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # vsphere.base reports the missing library once

# What selecting hosts and their peers needs (vsphere_drs_hold, vsphere_host_reboot, the preflight)
NAMES = {
    "HostSystem": ("name", "parent"),
    "ClusterComputeResource": ("name", "host"),
    "Datastore": ("name", "host"),
}
# What gathering hosts, VMs and rules into the core's shape needs
GATHER = {
    "HostSystem": ("name", "parent", "vm", "summary.hardware", "summary.runtime", "config.systemResources",
                   "config.network.vnic", "config.virtualNicManagerInfo"),
    "VirtualMachine": ("name", "runtime.powerState", "runtime.host", "datastore", "config.template",
                       "config.hardware.memoryMB", "config.hardware.numCPU", "config.hardware.device",
                       "config.files.vmPathName", "config.managedBy"),
    "ClusterComputeResource": ("name", "host", "configurationEx"),
    "Datastore": ("name", "host"),
}
# What the vMotion preflight reads of hosts and VMs (read again after a fix: its facts must be current)
PREFLIGHT = {
    "HostSystem": ("name", "vm", "runtime.connectionState", "runtime.inMaintenanceMode", "config.network.vnic",
                   "config.virtualNicManagerInfo", "config.vmotion", "config.dateTimeInfo",
                   "configManager.advancedOption", "configManager.dateTimeSystem"),
    "VirtualMachine": ("name", "runtime.powerState", "config.hardware.device", "config.managedBy"),
}


class Inventory:
    """The objects read, by type, each with its properties (path -> value)."""

    def __init__(self, contents):
        self.properties = {}
        self.by_type = {}
        for content in contents:
            obj = content.obj
            self.properties[obj] = dict((p.name, p.val) for p in content.propSet or [])
            self.by_type.setdefault(type(obj).__name__.rsplit(".", 1)[-1], []).append(obj)

    def of_type(self, name):
        """Every object of one type ("HostSystem", "VirtualMachine", ...), in the order vCenter listed them."""
        return list(self.by_type.get(name, []))

    def get(self, obj, path, default=None):
        """One property of an object read, default when it was not set (or the object not read)."""
        return self.properties.get(obj, {}).get(path, default)

    def name(self, obj):
        return self.get(obj, "name")


def read_inventory(content, properties):
    """An Inventory of every object of the types of properties (type name -> property paths) under the root
    folder: one container view, one RetrievePropertiesEx (plus one ContinueRetrievePropertiesEx per further page
    vCenter cuts the answer into), the view destroyed after."""
    types = [getattr(vim, name) for name in properties]
    view = content.viewManager.CreateContainerView(content.rootFolder, types, True)
    collector = vmodl.query.PropertyCollector
    try:
        spec = collector.FilterSpec(
            objectSet=[collector.ObjectSpec(obj=view, skip=True, selectSet=[
                collector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)])],
            propSet=[collector.PropertySpec(type=getattr(vim, name), pathSet=list(paths))
                     for name, paths in properties.items()])
        pc = content.propertyCollector
        result = pc.RetrievePropertiesEx(specSet=[spec], options=collector.RetrieveOptions())
        contents = []
        while result is not None:
            contents.extend(result.objects or [])
            result = pc.ContinueRetrievePropertiesEx(token=result.token) if result.token else None
    finally:
        view.Destroy()
    return Inventory(contents)
