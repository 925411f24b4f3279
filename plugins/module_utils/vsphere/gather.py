# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere, gather: hosts, VMs and DRS rules into the core's shape, from one PropertyCollector read of the
inventory (inventory.py). The vMotion preflight is in preflight.py, DRS, HA and vCLS in services.py, moving VMs in
moves.py.

Capacity: ``memory_mb`` is the host's physical memory; ``reserved_memory_mb`` is the memory
reservation of the host's system resource pool (``HostConfigInfo.systemResources``: what the VMkernel
and its agents keep back) when vCenter reports it, else 0, plus the failover capacity HA admission
control keeps back on the host (services.py). vSphere gives no better per-host figure through the
API; VM memory overhead is what ``headroom_percent`` is for. vCPUs are not admission checked by vSphere,
so hosts report ``vcpus: 0`` (the core then does not check them). vCLS agent VMs are listed apart, never
planned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.inventory import (
    GATHER, NAMES, read_inventory)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.services import (
    AGENT_TREATMENT, drs_config_facts, ha_facts, ha_reserve_mb, ha_text, is_agent_managed)

try:
    from pyVmomi import vim
except ImportError:
    pass  # vsphere.base reports the missing library once

METHODS_BY_POWER = {"on": ["live", "storage"], "off": ["move", "storage"], "suspended": ["move", "storage"]}
POWER = {"poweredOn": "on", "poweredOff": "off", "suspended": "suspended"}
MIB = 1024 * 1024


class Snapshot:
    """One read of the hosts in scope: the core's dicts, the platform details and the pyVmomi objects."""

    def __init__(self):
        self.hosts = []
        self.vms = []
        self.rules = []
        self.skipped_rules = []
        self.agent_vms = []
        self.details = {"hosts": {}, "vms": {}, "clusters": {}}
        self.host_objects = {}
        self.vm_objects = {}


class VsphereCluster:
    """Reads a cluster (or chosen hosts) of a vCenter into hosts, vms and rules dicts for the core.

    Each read is one PropertyCollector call (inventory.py): the names of hosts, clusters and datastores when only
    hosts are selected, everything gathering needs on the first gather, or at once for a caller that will gather
    (``gathering``: one read instead of two).
    """

    def __init__(self, content, gathering=False):
        self.content = content
        self.gathering = gathering
        self._names = None
        self._everything = None

    def inventory(self, everything=False):
        """The Inventory read so far, read now when missing: names only, or everything gathering needs."""
        if (everything or self.gathering) and self._everything is None:
            self._everything = read_inventory(self.content, GATHER)
        if self._everything is not None:
            return self._everything
        if self._names is None:
            self._names = read_inventory(self.content, NAMES)
        return self._names

    def select_hosts(self, cluster=None, hosts=None):
        """HostSystem objects: the named ones, else the cluster's, else every host; unknown names fail."""
        inv = self.inventory()
        every = inv.of_type("HostSystem")
        where = ""
        if cluster:
            clusters = inv.of_type("ClusterComputeResource")
            found = [c for c in clusters if inv.name(c) == cluster]
            if not found:
                raise VsphereError("unknown cluster '%s'; known clusters: %s"
                                   % (cluster, ", ".join(sorted(inv.name(c) for c in clusters)) or "none"))
            every = list(inv.get(found[0], "host") or [])
            where = " in cluster '%s'" % cluster
        by_name = dict((inv.name(h), h) for h in every)
        if not hosts:
            return [by_name[n] for n in sorted(by_name)]
        unknown = [n for n in hosts if n not in by_name]
        if unknown:
            raise VsphereError("unknown host %s%s; known hosts: %s" % (
                ", ".join("'%s'" % n for n in unknown), where, ", ".join(sorted(by_name)) or "none"))
        return [by_name[n] for n in hosts]

    def peers(self, hosts):
        """The selected hosts and the other hosts of their clusters (where their VMs can go)."""
        inv = self.inventory()
        found = dict((inv.name(h), h) for h in hosts)
        for host in hosts:
            parent = inv.get(host, "parent")
            if isinstance(parent, vim.ClusterComputeResource):
                for peer in inv.get(parent, "host") or []:
                    found.setdefault(inv.name(peer), peer)
        return [found[n] for n in sorted(found)]

    def datastore_mounts(self, hosts):
        """Datastore name -> names of the given hosts that mount it (mounted and accessible)."""
        inv = self.inventory()
        names = dict((h, inv.name(h)) for h in hosts)
        mounts = {}
        for datastore in inv.of_type("Datastore"):
            seen = mounts.setdefault(inv.name(datastore), [])
            for mount in inv.get(datastore, "host") or []:
                info = mount.mountInfo
                if mount.key in names and info.mounted is not False and info.accessible is not False:
                    seen.append(names[mount.key])
        return dict((name, sorted(seen)) for name, seen in mounts.items())

    def gather(self, hosts):
        """A Snapshot of the hosts, every VM registered on them and the DRS rules of their clusters."""
        inv = self.inventory(everything=True)
        snap = Snapshot()
        mounts = self.datastore_mounts(hosts)
        scope = [inv.name(h) for h in hosts]
        clusters = []
        for host in hosts:
            parent = inv.get(host, "parent")
            if isinstance(parent, vim.ClusterComputeResource) and parent not in clusters:
                clusters.append(parent)
        ha_reserved = cluster_services(inv, clusters, snap.details["clusters"])
        datastore_names = dict((d, inv.name(d)) for d in inv.of_type("Datastore"))
        for host in hosts:
            facts = host_facts(inv, host, mounts)
            facts["ha_reserved_memory_mb"] = ha_reserved.get(facts["name"], 0.0)
            snap.hosts.append(host_dict(facts))
            snap.details["hosts"][facts["name"]] = host_details(facts)
            snap.host_objects[facts["name"]] = host
            for vm in inv.get(host, "vm") or []:
                vfacts = vm_facts(inv.properties.get(vm, {}), facts["name"], datastore_names)
                if vfacts["agent"]:
                    snap.agent_vms.append({"name": vfacts["name"], "host": vfacts["host"],
                                           "power_state": vfacts["power_state"], "treatment": AGENT_TREATMENT})
                    continue
                snap.vms.append(vm_dict(vfacts, mounts, scope))
                snap.details["vms"][vfacts["name"]] = vm_details(vfacts)
                snap.vm_objects[vfacts["name"]] = vm
        snap.vms.sort(key=lambda v: v["name"])
        snap.agent_vms.sort(key=lambda v: v["name"])
        vm_names = dict((obj, name) for name, obj in snap.vm_objects.items())
        host_names = dict((h, inv.name(h)) for h in inv.of_type("HostSystem"))
        for cluster in clusters:
            facts = rule_facts(inv.name(cluster), inv.get(cluster, "configurationEx"), vm_names, host_names)
            rules, skipped = rule_dicts(facts, list(snap.vm_objects), scope)
            snap.rules.extend(rules)
            snap.skipped_rules.extend(skipped)
        return snap


def cluster_services(inv, clusters, details):
    """Memory HA keeps back per host (name -> MB) in these clusters; fills details (cluster name -> its DRS and HA
    facts, in operator words too)."""
    reserved = {}
    host_names = dict((h, inv.name(h)) for h in inv.of_type("HostSystem"))
    for cluster in clusters:
        name = inv.name(cluster)
        memory = {}
        for host in inv.get(cluster, "host") or []:
            hardware = inv.get(host, "summary.hardware")
            memory[host_names[host]] = (hardware.memorySize or 0) // MIB if hardware is not None else 0
        config = inv.get(cluster, "configurationEx")
        ha = ha_facts(config, host_names)
        reserved.update(ha_reserve_mb(ha, memory))
        details[name] = {"drs": drs_config_facts(name, config), "ha": dict(ha, summary=ha_text(ha))}
    return reserved


def host_state(connection_state, in_maintenance_mode):
    """The core's host state: down unless connected, maintenance when in maintenance mode, else up."""
    if connection_state != "connected":
        return "down"
    return "maintenance" if in_maintenance_mode else "up"


def host_facts(inv, host, mounts):
    """What gathering needs from one host of the inventory, as plain data."""
    hardware = inv.get(host, "summary.hardware")
    runtime = inv.get(host, "summary.runtime")
    parent = inv.get(host, "parent")
    name = inv.name(host)
    return {
        "name": name,
        "cluster": inv.name(parent) if isinstance(parent, vim.ClusterComputeResource) else None,
        "memory_mb": float(hardware.memorySize // MIB) if hardware is not None and hardware.memorySize else 0.0,
        "reserved_memory_mb": system_reservation_mb(inv.get(host, "config.systemResources")),
        "ip": management_ip(inv.get(host, "config.network.vnic"), inv.get(host, "config.virtualNicManagerInfo")),
        "cpu_cores": hardware.numCpuCores if hardware is not None else None,
        "cpu_mhz": hardware.cpuMhz if hardware is not None else None,
        "connection_state": str(runtime.connectionState) if runtime is not None else "disconnected",
        "in_maintenance_mode": bool(runtime.inMaintenanceMode) if runtime is not None else False,
        "datastores": sorted(ds for ds, seen in mounts.items() if name in seen),
    }


def management_ip(vnics, info):
    """The host's management address as vCenter reports it: the IPv4 address of the VMkernel adapter selected for
    the management service (config.virtualNicManagerInfo: info; the lowest-numbered one with an address when several
    are), else of vmk0 (config.network.vnic: vnics); None when the host's configuration shows neither (a host
    vCenter cannot reach)."""
    addresses = dict((nic.device, vmk_ipv4(nic)) for nic in vnics or [])
    for net in (info.netConfig if info is not None else None) or []:
        if net.nicType != "management":
            continue
        candidates = dict((nic.key, nic) for nic in net.candidateVnic or [])
        selected = []
        for key in net.selectedVnic or []:
            nic = candidates.get(key)
            device = nic.device if nic is not None else key.rsplit("-", 1)[-1]
            selected.append((device, addresses.get(device) or (vmk_ipv4(nic) if nic is not None else None)))
        addressed = [item for item in selected if item[1]]
        if addressed:
            return min(addressed, key=lambda item: vmk_number(item[0]))[1]
    return addresses.get("vmk0")


def vmk_ipv4(nic):
    """A VMkernel adapter's IPv4 address (HostVirtualNicSpec.ip.ipAddress), None when it has none."""
    spec = nic.spec
    return (spec.ip.ipAddress or None) if spec is not None and spec.ip is not None else None


def vmk_number(device):
    """Sort key of a VMkernel adapter name: vmk2 before vmk10, unnumbered names last."""
    digits = device[3:] if device.startswith("vmk") else ""
    return (0, int(digits), device) if digits.isdigit() else (1, 0, device)


def system_reservation_mb(resources):
    """Memory reservation (MB) of the host's system resource pool tree (config.systemResources) root, or of its
    children summed."""
    if resources is None:
        return 0.0

    def reservation(node):
        allocation = node.config.memoryAllocation if node.config is not None else None
        return float(allocation.reservation or 0) if allocation is not None else 0.0

    return reservation(resources) or sum(reservation(child) for child in resources.child or [])


def host_dict(facts):
    """One host in the core's host shape (a host whose memory vCenter never learned reports 1 MB).

    reserved_memory_mb is the system reservation plus what HA admission control keeps back on the host.
    """
    reserved = facts["reserved_memory_mb"] + facts.get("ha_reserved_memory_mb", 0.0)
    return {
        "name": facts["name"],
        "memory_mb": facts["memory_mb"] or 1.0,
        "reserved_memory_mb": min(reserved, facts["memory_mb"]),
        "vcpus": 0,
        "storage": facts["datastores"],
        "state": host_state(facts["connection_state"], facts["in_maintenance_mode"]),
        "ip": facts.get("ip"),
    }


def host_details(facts):
    return dict((k, facts.get(k, 0.0)) for k in ("cluster", "connection_state", "in_maintenance_mode", "cpu_cores",
                                                 "cpu_mhz", "datastores", "ha_reserved_memory_mb"))


def vm_facts(props, host_name, datastore_names):
    """What gathering needs from one VM, as plain data (CD-ROMs included), from its properties read (path ->
    value, inventory.GATHER); datastore_names: Datastore -> name. A VM vCenter has no configuration for (its
    config.* paths left out) is not accessible."""
    accessible = "config.hardware.memoryMB" in props
    devices = props.get("config.hardware.device") or []
    if accessible:
        datastores = disk_datastores(props.get("config.files.vmPathName"), devices)
    else:
        datastores = sorted(datastore_names.get(d, "") for d in props.get("datastore") or [])
    return {
        "name": props.get("name"),
        "host": host_name,
        "power_state": str(props.get("runtime.powerState")),
        "memory_mb": float(props.get("config.hardware.memoryMB") or 0),
        "vcpus": float(props.get("config.hardware.numCPU") or 0),
        "template": bool(props.get("config.template")),
        "accessible": accessible,
        "agent": is_agent_managed(props.get("config.managedBy")),
        "datastores": datastores,
        "cdroms": [cdrom_facts(d) for d in devices if isinstance(d, vim.vm.device.VirtualCdrom)],
    }


def file_datastores(config):
    """Names of the datastores holding the VM's configuration and disks (vm.datastore also lists its ISOs')."""
    return disk_datastores(config.files.vmPathName if config.files is not None else None, config.hardware.device)


def disk_datastores(vm_path, devices):
    """Names of the datastores of the VM's configuration file (vm_path) and of its virtual disks."""
    paths = [vm_path] + [getattr(d.backing, "fileName", None) for d in devices or []
                         if isinstance(d, vim.vm.device.VirtualDisk)]
    return sorted(set(name for name in (path_datastore(p) for p in paths if p) if name))


def cdrom_facts(device):
    """A CD/DVD drive as plain data: its backing kind (iso, host_device - a drive of the host, emulated or
    passthrough - or client), ISO path and datastore or host drive, and whether it is connected."""
    backing = device.backing
    connectable = device.connectable
    facts = {"key": device.key, "label": device.deviceInfo.label if device.deviceInfo else "CD/DVD drive",
             "connected": bool(connectable and connectable.connected),
             "start_connected": bool(connectable and connectable.startConnected),
             "backing": "client", "iso": None, "datastore": None, "host_device": None}
    if isinstance(backing, vim.vm.device.VirtualCdrom.IsoBackingInfo):
        facts.update(backing="iso", iso=backing.fileName, datastore=path_datastore(backing.fileName))
    elif isinstance(backing, (vim.vm.device.VirtualCdrom.AtapiBackingInfo,
                              vim.vm.device.VirtualCdrom.PassthroughBackingInfo)):
        facts.update(backing="host_device", host_device=backing.deviceName or "(host drive)")
    return facts


def path_datastore(path):
    """'esx-01-local' from '[esx-01-local] iso/x.iso'; '' for '[] /vmimages/...' (a host's own files)."""
    path = (path or "").strip()
    if path.startswith("[") and "]" in path:
        return path[1:path.index("]")].strip()
    return ""


def local_isos(facts, mounts, scope):
    """Connected drives that some other host of the scope cannot reach: backed by an ISO on a datastore it
    does not mount, or by a drive of the VM's own host (no other host reaches it)."""
    others = [h for h in scope if h != facts["host"]]
    found = []
    for cdrom in facts["cdroms"]:
        if cdrom["connected"] and cdrom["backing"] == "host_device" and others:
            found.append(dict(cdrom, seen_by=[facts["host"]], blind=others))
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
                           % (cdrom["label"], backing_text(cdrom), seen_by_text(cdrom)))
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


def backing_text(cdrom):
    """What backs a CD/DVD drive, for messages: its ISO path or the host's drive."""
    return "the host's own drive %s" % cdrom["host_device"] if cdrom["backing"] == "host_device" else cdrom["iso"]


def seen_by_text(cdrom):
    """Which hosts reach the drive's backing, for messages."""
    if cdrom["backing"] == "host_device":
        return "no other host can reach"
    if not cdrom["datastore"]:
        return "is a file of the host itself, on no datastore"
    if not cdrom["seen_by"]:
        return "no host in scope mounts"
    return "only %s mount%s" % (", ".join(cdrom["seen_by"]), "s" if len(cdrom["seen_by"]) == 1 else "")


def vm_details(facts):
    return {"power_state": facts["power_state"], "cpus": facts["vcpus"], "template": facts["template"],
            "datastores": facts["datastores"],
            "cdroms": [dict((k, c[k]) for k in ("label", "backing", "iso", "host_device", "connected"))
                       for c in facts["cdroms"]]}


def rule_facts(cluster, config, vm_names, host_names):
    """The DRS rules of a cluster (its name and configurationEx) as plain data; VMs outside vm_names (object ->
    name) are left out; host_names: HostSystem -> name."""
    groups = dict((g.name, g) for g in getattr(config, "group", None) or [])
    facts = []
    for rule in getattr(config, "rule", None) or []:
        item = {"name": rule.name, "enabled": rule.enabled is not False, "mandatory": bool(rule.mandatory),
                "cluster": cluster, "vms": [], "hosts": [], "type": type(rule).__name__.rsplit(".", 1)[-1]}
        if isinstance(rule, vim.cluster.AffinityRuleSpec):
            item.update(type="affinity", vms=[vm_names[v] for v in rule.vm or [] if v in vm_names])
        elif isinstance(rule, vim.cluster.AntiAffinityRuleSpec):
            item.update(type="anti_affinity", vms=[vm_names[v] for v in rule.vm or [] if v in vm_names])
        elif isinstance(rule, vim.cluster.VmHostRuleInfo):
            vm_group = groups.get(rule.vmGroupName)
            host_group = groups.get(rule.affineHostGroupName or rule.antiAffineHostGroupName)
            item.update(type="vm_host" if rule.affineHostGroupName else "vm_anti_host",
                        vms=[vm_names[v] for v in getattr(vm_group, "vm", None) or [] if v in vm_names],
                        hosts=[host_names[h] for h in getattr(host_group, "host", None) or [] if h in host_names])
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
