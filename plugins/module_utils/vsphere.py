# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere adapter: gather hosts, VMs and DRS rules into the core's shape, move VMs, and check
the five vMotion failures of seed 003 (pure functions over facts read once).

Capacity: ``memory_mb`` is the host's physical memory; ``reserved_memory_mb`` is the memory
reservation of the host's system resource pool (``HostConfigInfo.systemResources``: what the VMkernel
and its agents keep back) when vCenter reports it, else 0. vSphere gives no better per-host figure
through the API; VM memory overhead is what ``headroom_percent`` is for. vCPUs are not admission
checked by vSphere, so hosts report ``vcpus: 0`` (the core then does not check them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.evacuation import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vmware_base import (
    VsphereError, describe_transport_error, fault_text, is_transient, objects_of)

try:
    from pyVmomi import VmomiSupport, vim, vmodl
except ImportError:
    pass  # vmware_base reports the missing library once

VSPHERE_METHODS = ("live", "move", "storage")
METHODS_BY_POWER = {"on": ["live", "storage"], "off": ["move", "storage"], "suspended": ["move", "storage"]}
POWER = {"poweredOn": "on", "poweredOff": "off", "suspended": "suspended"}
MIB = 1024 * 1024
MIGRATE_ENABLED = "Migrate.Enabled"
VMOTION_PORT = 8000
MOVE_LABEL = {"live": "vMotion", "move": "cold migration", "storage": "Storage vMotion"}
MOVE_TASKS = ("VirtualMachine.migrate", "VirtualMachine.relocate")
FIX_HINTS = {
    "MigrationDisabled": "set Migrate.Enabled = 1 on that host (vsphere_vmotion_preflight with fix=true)",
    "VMotionNotConfigured": "enable the vMotion service on a VMkernel adapter of that host "
                            "(vsphere_vmotion_preflight with fix=true)",
    "CannotAccessVmDevice": "switch the CD/DVD drive to a client device (vsphere_vmotion_preflight with fix=true)",
    "MigrationFault": "test the vMotion network between the hosts: vmkping -I <vmk> <ip> and nc -z <ip> %d"
                      % VMOTION_PORT,
}


# ---------------------------------------------------------------------------------------------
# Selection and gathering


class Snapshot:
    """One read of the hosts in scope: the core's dicts, the platform details and the pyVmomi objects."""

    def __init__(self):
        self.hosts = []
        self.vms = []
        self.rules = []
        self.skipped_rules = []
        self.details = {"hosts": {}, "vms": {}}
        self.host_objects = {}
        self.vm_objects = {}


class PreflightFacts:
    """What the vMotion checks read: hosts in scope, their cluster peers, the scope's VMs, datastore mounts."""

    def __init__(self):
        self.hosts = []
        self.peers = []
        self.vms = []
        self.mounts = {}
        self.host_objects = {}
        self.vm_objects = {}

    def findings(self, vmotion_vmk=None, max_clock_skew_seconds=300):
        return preflight_findings(self.hosts, self.peers, self.vms, self.mounts, vmotion_vmk, max_clock_skew_seconds)


class VsphereCluster:
    """Reads a cluster (or chosen hosts) of a vCenter into hosts, vms and rules dicts for the core."""

    def __init__(self, content):
        self.content = content

    def select_hosts(self, cluster=None, hosts=None):
        """HostSystem objects: the named ones, else the cluster's, else every host; unknown names fail."""
        every = objects_of(self.content, vim.HostSystem)
        where = ""
        if cluster:
            clusters = objects_of(self.content, vim.ClusterComputeResource)
            found = [c for c in clusters if c.name == cluster]
            if not found:
                raise VsphereError("unknown cluster '%s'; known clusters: %s"
                                   % (cluster, ", ".join(sorted(c.name for c in clusters)) or "none"))
            every = list(found[0].host)
            where = " in cluster '%s'" % cluster
        by_name = dict((h.name, h) for h in every)
        if not hosts:
            return [by_name[n] for n in sorted(by_name)]
        unknown = [n for n in hosts if n not in by_name]
        if unknown:
            raise VsphereError("unknown host %s%s; known hosts: %s" % (
                ", ".join("'%s'" % n for n in unknown), where, ", ".join(sorted(by_name)) or "none"))
        return [by_name[n] for n in hosts]

    def peers(self, hosts):
        """The selected hosts and the other hosts of their clusters (where their VMs can go)."""
        found = dict((h.name, h) for h in hosts)
        for host in hosts:
            if isinstance(host.parent, vim.ClusterComputeResource):
                for peer in host.parent.host:
                    found.setdefault(peer.name, peer)
        return [found[n] for n in sorted(found)]

    def datastore_mounts(self, hosts):
        """Datastore name -> names of the given hosts that mount it (mounted and accessible)."""
        names = dict((h, h.name) for h in hosts)
        mounts = {}
        for datastore in objects_of(self.content, vim.Datastore):
            seen = mounts.setdefault(datastore.name, [])
            for mount in datastore.host or []:
                info = mount.mountInfo
                if mount.key in names and info.mounted is not False and info.accessible is not False:
                    seen.append(names[mount.key])
        return dict((name, sorted(seen)) for name, seen in mounts.items())

    def inspect(self, hosts, vcenter_time):
        """PreflightFacts of the hosts in scope, of their cluster peers and of the scope's VMs.

        vcenter_time is vCenter's clock read just before; host clocks are compared with it as it runs on.
        """
        facts = PreflightFacts()
        names = [h.name for h in hosts]
        peers = self.peers(hosts)
        started = time.monotonic()

        def vcenter_now():
            return vcenter_time + datetime.timedelta(seconds=time.monotonic() - started)

        facts.peers = [preflight_host_facts(h, vcenter_now) for h in peers]
        facts.hosts = [f for f in facts.peers if f["name"] in names]
        facts.mounts = self.datastore_mounts(peers)
        for host in hosts:
            facts.host_objects[host.name] = host
            if str(host.runtime.connectionState) != "connected":
                continue
            for vm in host.vm:
                facts.vms.append(preflight_vm_facts(vm, host.name))
                facts.vm_objects[facts.vms[-1]["name"]] = vm
        return facts

    def gather(self, hosts):
        """A Snapshot of the hosts, every VM registered on them and the DRS rules of their clusters."""
        snap = Snapshot()
        mounts = self.datastore_mounts(hosts)
        scope = [h.name for h in hosts]
        for host in hosts:
            facts = host_facts(host, mounts)
            snap.hosts.append(host_dict(facts))
            snap.details["hosts"][facts["name"]] = host_details(facts)
            snap.host_objects[facts["name"]] = host
            for vm in host.vm:
                vfacts = vm_facts(vm, facts["name"])
                snap.vms.append(vm_dict(vfacts, mounts, scope))
                snap.details["vms"][vfacts["name"]] = vm_details(vfacts)
                snap.vm_objects[vfacts["name"]] = vm
        snap.vms.sort(key=lambda v: v["name"])
        vm_names = dict((obj, name) for name, obj in snap.vm_objects.items())
        clusters = []
        for host in hosts:
            if isinstance(host.parent, vim.ClusterComputeResource) and host.parent not in clusters:
                clusters.append(host.parent)
        for cluster in clusters:
            rules, skipped = rule_dicts(rule_facts(cluster, vm_names), list(snap.vm_objects), scope)
            snap.rules.extend(rules)
            snap.skipped_rules.extend(skipped)
        return snap


def host_state(connection_state, in_maintenance_mode):
    """The core's host state: down unless connected, maintenance when in maintenance mode, else up."""
    if connection_state != "connected":
        return "down"
    return "maintenance" if in_maintenance_mode else "up"


def host_facts(host, mounts):
    """What gathering needs from one host, as plain data."""
    summary = host.summary
    hardware = summary.hardware
    runtime = summary.runtime
    parent = host.parent
    return {
        "name": host.name,
        "cluster": parent.name if isinstance(parent, vim.ClusterComputeResource) else None,
        "memory_mb": float(hardware.memorySize // MIB) if hardware is not None and hardware.memorySize else 0.0,
        "reserved_memory_mb": system_reservation_mb(host.config),
        "cpu_cores": hardware.numCpuCores if hardware is not None else None,
        "cpu_mhz": hardware.cpuMhz if hardware is not None else None,
        "connection_state": str(runtime.connectionState),
        "in_maintenance_mode": bool(runtime.inMaintenanceMode),
        "datastores": sorted(name for name, seen in mounts.items() if host.name in seen),
    }


def system_reservation_mb(config):
    """Memory reservation (MB) of the host's system resource pool tree root, or of its children summed."""
    resources = getattr(config, "systemResources", None) if config is not None else None
    if resources is None:
        return 0.0

    def reservation(node):
        allocation = node.config.memoryAllocation if node.config is not None else None
        return float(allocation.reservation or 0) if allocation is not None else 0.0

    return reservation(resources) or sum(reservation(child) for child in resources.child or [])


def host_dict(facts):
    """One host in the core's host shape (a host whose memory vCenter never learned reports 1 MB)."""
    return {
        "name": facts["name"],
        "memory_mb": facts["memory_mb"] or 1.0,
        "reserved_memory_mb": min(facts["reserved_memory_mb"], facts["memory_mb"]),
        "vcpus": 0,
        "storage": facts["datastores"],
        "state": host_state(facts["connection_state"], facts["in_maintenance_mode"]),
    }


def host_details(facts):
    return dict((k, facts[k]) for k in ("cluster", "connection_state", "in_maintenance_mode", "cpu_cores",
                                        "cpu_mhz", "datastores"))


def vm_facts(vm, host_name):
    """What gathering needs from one VM, as plain data (CD-ROMs included)."""
    config = vm.config
    runtime = vm.runtime
    devices = config.hardware.device if config is not None else []
    return {
        "name": vm.name,
        "host": host_name,
        "power_state": str(runtime.powerState),
        "memory_mb": float(config.hardware.memoryMB) if config is not None else 0.0,
        "vcpus": float(config.hardware.numCPU) if config is not None else 0.0,
        "template": bool(config.template) if config is not None else False,
        "accessible": config is not None,
        "datastores": file_datastores(config) if config is not None else sorted(d.name for d in vm.datastore),
        "cdroms": [cdrom_facts(d) for d in devices if isinstance(d, vim.vm.device.VirtualCdrom)],
    }


def file_datastores(config):
    """Names of the datastores holding the VM's configuration and disks (vm.datastore also lists its ISOs')."""
    paths = [config.files.vmPathName] if config.files is not None else []
    paths += [getattr(d.backing, "fileName", None) for d in config.hardware.device
              if isinstance(d, vim.vm.device.VirtualDisk)]
    return sorted(set(name for name in (path_datastore(p) for p in paths if p) if name))


def cdrom_facts(device):
    """A CD/DVD drive as plain data: its backing kind, ISO path and datastore, and whether it is connected."""
    backing = device.backing
    connectable = device.connectable
    facts = {"key": device.key, "label": device.deviceInfo.label if device.deviceInfo else "CD/DVD drive",
             "connected": bool(connectable and connectable.connected),
             "start_connected": bool(connectable and connectable.startConnected),
             "backing": "client", "iso": None, "datastore": None}
    if isinstance(backing, vim.vm.device.VirtualCdrom.IsoBackingInfo):
        facts.update(backing="iso", iso=backing.fileName, datastore=path_datastore(backing.fileName))
    elif isinstance(backing, vim.vm.device.VirtualCdrom.AtapiBackingInfo):
        facts.update(backing="host_device")
    return facts


def path_datastore(path):
    """'esx-01-local' from '[esx-01-local] iso/x.iso'; '' for '[] /vmimages/...' (a host's own files)."""
    path = (path or "").strip()
    if path.startswith("[") and "]" in path:
        return path[1:path.index("]")].strip()
    return ""


def local_isos(facts, mounts, scope):
    """Connected ISO-backed drives whose datastore some other host of the scope does not mount."""
    others = [h for h in scope if h != facts["host"]]
    found = []
    for cdrom in facts["cdroms"]:
        if cdrom["backing"] != "iso" or not cdrom["connected"]:
            continue
        seen = mounts.get(cdrom["datastore"], []) if cdrom["datastore"] else []
        blind = [h for h in others if h not in seen]
        if blind:
            found.append(dict(cdrom, seen_by=list(seen), blind=blind))
    return found


def vm_dict(facts, mounts, scope):
    """One VM in the core's vm shape.

    Powered-on VMs move by vMotion (``live``) or, when the target lacks their datastores, by vMotion
    with Storage vMotion (``storage``); powered-off and suspended VMs by cold migration (``move``),
    with their files when needed (``storage``). A running VM's connected ISO is storage it needs on
    the target; an ISO some host cannot see rules out Storage vMotion (it does not carry the ISO).
    """
    power = POWER.get(facts["power_state"], "on")
    storage = set(facts["datastores"])
    methods = list(METHODS_BY_POWER[power])
    reasons = []
    if not facts["accessible"]:
        methods = []
        reasons.append("vCenter has no configuration for it (inaccessible or orphaned VM)")
    elif power == "on":
        for cdrom in facts["cdroms"]:
            if cdrom["backing"] == "iso" and cdrom["connected"] and cdrom["datastore"]:
                storage.add(cdrom["datastore"])
        for cdrom in local_isos(facts, mounts, scope):
            if "storage" in methods:
                methods.remove("storage")
            if not cdrom["datastore"]:
                methods = []
            reasons.append("connected %s is backed by %s, which %s: switch it to a client device "
                           "(vsphere_vmotion_preflight with fix=true)"
                           % (cdrom["label"], cdrom["iso"], _seen_by_text(cdrom)))
    vm = {
        "name": facts["name"],
        "host": facts["host"],
        "memory_mb": facts["memory_mb"],
        "vcpus": facts["vcpus"],
        "power_state": power,
        "storage": sorted(storage),
        "methods": methods,
    }
    if reasons:
        vm["methods_reason"] = "; ".join(reasons)
    return vm


def _seen_by_text(cdrom):
    if not cdrom["datastore"]:
        return "is a file of the host itself, on no datastore"
    if not cdrom["seen_by"]:
        return "no host in scope mounts"
    return "only %s mount%s" % (", ".join(cdrom["seen_by"]), "s" if len(cdrom["seen_by"]) == 1 else "")


def vm_details(facts):
    return {"power_state": facts["power_state"], "cpus": facts["vcpus"], "template": facts["template"],
            "datastores": facts["datastores"],
            "cdroms": [dict((k, c[k]) for k in ("label", "backing", "iso", "connected")) for c in facts["cdroms"]]}


def rule_facts(cluster, vm_names):
    """The cluster's DRS rules as plain data; VMs outside vm_names (object -> name) are left out."""
    config = cluster.configurationEx
    groups = dict((g.name, g) for g in config.group or [])
    facts = []
    for rule in config.rule or []:
        item = {"name": rule.name, "enabled": rule.enabled is not False, "mandatory": bool(rule.mandatory),
                "cluster": cluster.name, "vms": [], "hosts": [], "type": type(rule).__name__.rsplit(".", 1)[-1]}
        if isinstance(rule, vim.cluster.AffinityRuleSpec):
            item.update(type="affinity", vms=[vm_names[v] for v in rule.vm or [] if v in vm_names])
        elif isinstance(rule, vim.cluster.AntiAffinityRuleSpec):
            item.update(type="anti_affinity", vms=[vm_names[v] for v in rule.vm or [] if v in vm_names])
        elif isinstance(rule, vim.cluster.VmHostRuleInfo):
            vm_group = groups.get(rule.vmGroupName)
            host_group = groups.get(rule.affineHostGroupName or rule.antiAffineHostGroupName)
            item.update(type="vm_host" if rule.affineHostGroupName else "vm_anti_host",
                        vms=[vm_names[v] for v in getattr(vm_group, "vm", None) or [] if v in vm_names],
                        hosts=[h.name for h in getattr(host_group, "host", None) or []])
        facts.append(item)
    return facts


def rule_dicts(facts, vm_names, host_names):
    """Rules in the core's shape (mandatory -> must, else should) and the ones left out, with why."""
    rules, skipped = [], []
    for item in facts:
        why = None
        hosts = [h for h in item["hosts"] if h in host_names]
        vms = [v for v in item["vms"] if v in vm_names]
        if item["type"] not in ("affinity", "anti_affinity", "vm_host", "vm_anti_host"):
            why = "%s rules are not placement rules" % item["type"]
        elif not item["enabled"]:
            why = "disabled"
        elif item["type"] in ("affinity", "anti_affinity") and len(vms) < 2:
            why = "fewer than two of its VMs are in scope"
        elif not vms:
            why = "none of its VMs is in scope"
        elif item["type"] in ("vm_host", "vm_anti_host") and not hosts:
            why = "none of its hosts is in scope"
        if why:
            skipped.append({"name": item["name"], "reason": why})
            continue
        rule = {"name": item["name"], "kind": item["type"], "vms": vms,
                "strength": "must" if item["mandatory"] else "should"}
        if item["type"] in ("vm_host", "vm_anti_host"):
            rule["hosts"] = hosts
        rules.append(rule)
    return rules, skipped


# ---------------------------------------------------------------------------------------------
# Moving VMs


class VsphereMoveAdapter(MoveAdapter):
    """Moves one VM: vMotion, cold migration, or relocation with its files (Storage vMotion).

    Rides through the outages vmware_base.is_transient names (retry_seconds: the runner's default unless the
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
        return MoveStatus(RUNNING, progress=info.progress, copying=True)

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
    """Names of the VMs that keep the host out of maintenance mode (powered on)."""
    return sorted(vm.name for vm in host.vm if str(vm.runtime.powerState) == "poweredOn")


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


# ---------------------------------------------------------------------------------------------
# vMotion preflight: facts, the five seed-003 checks, and the fixes


def preflight_host_facts(host, vcenter_now):
    """Per host: connection, Migrate.Enabled, VMkernel adapters and their services, clock and NTP.

    vcenter_now() is vCenter's clock now; the host's offset is taken against the middle of its query.
    """
    runtime = host.runtime
    facts = {"name": host.name, "connection_state": str(runtime.connectionState),
             "in_maintenance_mode": bool(runtime.inMaintenanceMode), "migrate_enabled": None, "vmknics": [],
             "vmotion_vmks": [], "management_vmks": [], "clock_offset_seconds": None, "ntp_servers": []}
    if facts["connection_state"] != "connected":
        return facts
    config = host.config
    facts["migrate_enabled"] = advanced_option(host, MIGRATE_ENABLED)
    facts["vmknics"] = [{"device": nic.device, "portgroup": nic.portgroup or "",
                         "ip": nic.spec.ip.ipAddress if nic.spec and nic.spec.ip else None}
                        for nic in config.network.vnic or []]
    facts["vmotion_vmks"] = selected_vmks(config, "vmotion")
    facts["management_vmks"] = selected_vmks(config, "management")
    before = vcenter_now()
    now = host.configManager.dateTimeSystem.QueryDateTime()
    middle = before + (vcenter_now() - before) / 2
    facts["clock_offset_seconds"] = round((now - middle).total_seconds(), 1)
    date_time = config.dateTimeInfo
    ntp = date_time.ntpConfig if date_time is not None else None
    facts["ntp_servers"] = list(ntp.server or []) if ntp is not None else []
    return facts


def advanced_option(host, key):
    """The value of a host advanced setting, or None when the host does not have it."""
    try:
        values = host.configManager.advancedOption.QueryOptions(key)
    except vim.fault.InvalidName:
        return None
    return values[0].value if values else None


def selected_vmks(config, nic_type):
    """Devices (vmk0, ...) selected for a VMkernel service such as vmotion or management."""
    info = config.virtualNicManagerInfo
    for net in (info.netConfig if info is not None else None) or []:
        if net.nicType == nic_type:
            devices = dict((nic.key, nic.device) for nic in net.candidateVnic or [])
            return sorted(devices.get(key, key.rsplit("-", 1)[-1]) for key in net.selectedVnic or [])
    if nic_type == "vmotion" and config.vmotion is not None and config.vmotion.netConfig is not None:
        selected = config.vmotion.netConfig.selectedVnic
        return [selected.rsplit("-", 1)[-1]] if selected else []
    return []


def preflight_vm_facts(vm, host_name):
    return {"name": vm.name, "host": host_name, "power_state": str(vm.runtime.powerState),
            "cdroms": [cdrom_facts(d) for d in (vm.config.hardware.device if vm.config else [])
                       if isinstance(d, vim.vm.device.VirtualCdrom)]}


def finding(code, severity, message, fix, hosts=(), vms=(), fixable=False, **details):
    return {"code": code, "severity": severity, "hosts": list(hosts), "vms": list(vms), "message": message,
            "fix": fix, "fixable": fixable, "fixed": False, "details": details}


def vmotion_vmk_for(facts, wanted=None):
    """The VMkernel adapter to enable vMotion on: the one named, else the one on a portgroup whose name
    contains 'vmotion', else the first that is neither selected for management nor on a portgroup whose
    name contains 'management'; None when the host has none of these."""
    devices = [nic["device"] for nic in facts["vmknics"]]
    if wanted:
        return wanted if wanted in devices else None
    for nic in facts["vmknics"]:
        if "vmotion" in nic["portgroup"].lower():
            return nic["device"]
    for nic in facts["vmknics"]:
        if nic["device"] not in facts["management_vmks"] and "management" not in nic["portgroup"].lower():
            return nic["device"]
    return None


def check_connection(hosts):
    return [finding("HOST_NOT_CONNECTED", "error", "%s is %s: vCenter cannot read or move anything on it"
                    % (h["name"], h["connection_state"]),
                    "reconnect the host in vCenter (Connection > Connect) and run the preflight again",
                    hosts=[h["name"]])
            for h in hosts if h["connection_state"] != "connected"]


def check_vmotion_vmk(hosts, wanted=None):
    """Seed-003 case 1: no VMkernel adapter has the vMotion service (or not the one named)."""
    found = []
    for host in hosts:
        if host["connection_state"] != "connected":
            continue
        selected = host["vmotion_vmks"]
        if (wanted and wanted in selected) or (not wanted and selected):
            continue
        pick = vmotion_vmk_for(host, wanted)
        if pick is None:
            what = "has no VMkernel adapter %s" % wanted if wanted else "has no VMkernel adapter besides management"
            found.append(finding("VMOTION_VMK_NOT_ENABLED", "error",
                                 "%s: no VMkernel adapter has the vMotion service enabled and the host %s"
                                 % (host["name"], what),
                                 "create a VMkernel adapter on the vMotion network of %s with the vMotion "
                                 "service ticked" % host["name"], hosts=[host["name"]], vmk=None,
                                 selected=selected))
            continue
        state = "vMotion is enabled on %s instead" % ", ".join(selected) if selected else \
            "no VMkernel adapter has the vMotion service enabled"
        found.append(finding("VMOTION_VMK_NOT_ENABLED", "error", "%s: %s" % (host["name"], state),
                             "enable the vMotion service on %s of %s (Configure > VMkernel adapters > Edit > "
                             "Port properties > vMotion)" % (pick, host["name"]),
                             hosts=[host["name"]], fixable=True, vmk=pick, selected=selected))
    return found


def check_migrate_enabled(hosts):
    """Seed-003 case 3: Migrate.Enabled = 0, often left behind by backup software that failed mid-job."""
    return [finding("MIGRATE_DISABLED", "error",
                    "%s: advanced setting %s = %s, so every vMotion to or from it stalls at 20%% and fails"
                    % (h["name"], MIGRATE_ENABLED, h["migrate_enabled"]),
                    "set %s back to 1 on %s (Configure > Advanced System Settings); check the backup software "
                    "that locked it" % (MIGRATE_ENABLED, h["name"]),
                    hosts=[h["name"]], fixable=True, setting=MIGRATE_ENABLED, value=h["migrate_enabled"])
            for h in hosts if h["connection_state"] == "connected" and h["migrate_enabled"] == 0]


def check_cdrom_local_iso(vms, mounts, peers):
    """Seed-003 case 2: a connected CD/DVD drive backed by an ISO some other host cannot see."""
    found = []
    for vm in vms:
        for cdrom in local_isos(vm, mounts, peers):
            found.append(finding(
                "CDROM_LOCAL_ISO", "error",
                "%s: connected %s is backed by %s, which %s; vMotion to %s fails"
                % (vm["name"], cdrom["label"], cdrom["iso"], _seen_by_text(cdrom), ", ".join(cdrom["blind"])),
                "switch %s of %s to a client device (Edit Settings > CD/DVD drive > Client Device); "
                "disconnecting alone is not enough" % (cdrom["label"], vm["name"]),
                hosts=[vm["host"]], vms=[vm["name"]], fixable=True, device_key=cdrom["key"],
                device=cdrom["label"], iso=cdrom["iso"], datastore=cdrom["datastore"], blind_hosts=cdrom["blind"]))
    return found


def check_clock_skew(hosts, peers, max_skew_seconds):
    """Seed-003 case 4 (a warning): a host clock further than max_skew_seconds from the median of the hosts."""
    offsets = sorted(h["clock_offset_seconds"] for h in peers if h["clock_offset_seconds"] is not None)
    if not offsets:
        return []
    middle = len(offsets) // 2
    median = offsets[middle] if len(offsets) % 2 else (offsets[middle - 1] + offsets[middle]) / 2.0
    ntp = sorted(set(s for h in peers for s in h["ntp_servers"]))
    found = []
    for host in hosts:
        if host["clock_offset_seconds"] is None:
            continue
        skew = round(host["clock_offset_seconds"] - median)
        if abs(skew) <= max_skew_seconds:
            continue
        advice = ("it has no NTP server: configure NTP (%s) and start ntpd" % (", ".join(ntp) or "your NTP servers")
                  if not host["ntp_servers"] else "check that ntpd runs and reaches %s" % ", ".join(host["ntp_servers"]))
        found.append(finding(
            "CLOCK_SKEW", "warning",
            "%s: clock is %d seconds %s the other hosts (more than %d): vMotion works, but a guest that takes "
            "its time from the host may jump" % (host["name"], abs(skew), "ahead of" if skew > 0 else "behind",
                                                 max_skew_seconds),
            "set the time of %s (Configure > Time Configuration, or esxcli system time set); %s"
            % (host["name"], advice),
            hosts=[host["name"]], skew_seconds=skew, ntp_servers=host["ntp_servers"]))
    return found


def check_vmotion_network(hosts, peers, wanted=None):
    """Seed-003 case 5: the API cannot see whether vMotion traffic passes; say what to test, host by host."""
    address = {}
    for host in peers:
        vmks = host["vmotion_vmks"] or [v for v in [vmotion_vmk_for(host, wanted)] if v]
        nics = dict((n["device"], n) for n in host["vmknics"])
        for vmk in vmks:
            if vmk in nics and nics[vmk]["ip"]:
                address[host["name"]] = (vmk, nics[vmk]["ip"])
                break
    commands = []
    for host in hosts:
        if host["name"] not in address:
            continue
        vmk = address[host["name"]][0]
        for peer in peers:
            if peer["name"] != host["name"] and peer["name"] in address:
                ip = address[peer["name"]][1]
                commands.append({"from": host["name"], "to": peer["name"], "vmkping": "vmkping -I %s %s" % (vmk, ip),
                                 "nc": "nc -z %s %d" % (ip, VMOTION_PORT)})
    if not commands:
        return []
    tested = sorted(set(c["from"] for c in commands) | set(c["to"] for c in commands))
    return [finding("VMOTION_NETWORK_UNVERIFIED", "info",
                    "the vSphere API cannot tell whether vMotion traffic (TCP %d) passes between %s"
                    % (VMOTION_PORT, ", ".join(tested)),
                    "on each host's ESXi shell run the vmkping and nc commands in details.commands; a vmkping "
                    "without reply or an nc without 'succeeded' means a router, firewall or VLAN blocks vMotion",
                    hosts=tested, commands=commands)]


def preflight_findings(hosts, peers, vms, mounts, vmotion_vmk=None, max_clock_skew_seconds=300):
    """Every finding for the hosts in scope (facts of their peers give the clock median and the network)."""
    peer_names = [p["name"] for p in peers]
    return (check_connection(hosts) + check_vmotion_vmk(hosts, vmotion_vmk) + check_cdrom_local_iso(vms, mounts, peer_names)
            + check_migrate_enabled(hosts) + check_clock_skew(hosts, peers, max_clock_skew_seconds)
            + check_vmotion_network(hosts, peers, vmotion_vmk))


def finding_key(item):
    return (item["code"], tuple(item["hosts"]), tuple(item["vms"]))


def fix_diff(item):
    """(object kind, name, before, after) of the setting a fixable finding changes."""
    details = item["details"]
    if item["code"] == "MIGRATE_DISABLED":
        return "hosts", item["hosts"][0], {MIGRATE_ENABLED: details["value"]}, {MIGRATE_ENABLED: 1}
    if item["code"] == "VMOTION_VMK_NOT_ENABLED":
        selected = details["selected"]
        return "hosts", item["hosts"][0], {"vmotion_vmks": selected}, {"vmotion_vmks": sorted(selected + [details["vmk"]])}
    return ("vms", item["vms"][0], {details["device"]: {"backing": details["iso"], "connected": True}},
            {details["device"]: {"backing": "client device", "connected": False}})


def apply_fix(item, host_objects, vm_objects, wait):
    """Carry out one fixable finding; wait(task) follows a task to its end. Faults name the finding."""
    try:
        _apply_fix(item, host_objects, vm_objects, wait)
    except vmodl.MethodFault as fault:
        where = ", ".join(item["vms"] or item["hosts"])
        raise VsphereError("fixing %s on %s failed: %s" % (item["code"], where, fault_text(fault)))


def _apply_fix(item, host_objects, vm_objects, wait):
    details = item["details"]
    if item["code"] == "MIGRATE_DISABLED":
        host = host_objects[item["hosts"][0]]
        value = VmomiSupport.vmodlTypes["long"](1)  # ESXi wants an xsd:long, a Python int is an xsd:int
        host.configManager.advancedOption.UpdateOptions([vim.option.OptionValue(key=MIGRATE_ENABLED, value=value)])
    elif item["code"] == "VMOTION_VMK_NOT_ENABLED":
        host_objects[item["hosts"][0]].configManager.virtualNicManager.SelectVnicForNicType("vmotion", details["vmk"])
    elif item["code"] == "CDROM_LOCAL_ISO":
        wait(cdrom_to_client_device(vm_objects[item["vms"][0]], details["device_key"]))


def cdrom_to_client_device(vm, device_key):
    """Start the reconfiguration that backs the drive by a (disconnected) client device; returns the task."""
    device = [d for d in vm.config.hardware.device if d.key == device_key][0]
    device.backing = vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(deviceName="", exclusive=False)
    device.connectable = vim.vm.device.VirtualDevice.ConnectInfo(connected=False, startConnected=False,
                                                                 allowGuestControl=True)
    change = vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=device)
    return vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change]))
