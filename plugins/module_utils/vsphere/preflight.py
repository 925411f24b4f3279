# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vMotion preflight: facts read once per host and VM, the checks as pure functions, and the fixes.

Checks: no vMotion VMkernel adapter (one on the vMotion TCP/IP stack counts), a connected CD/DVD drive
backed by a host-local ISO or a drive of the host, Migrate.Enabled = 0, clock skew, and the network
commands to run since the API cannot see vMotion traffic.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError, fault_text
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.gather import cdrom_facts, local_isos, seen_by_text
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.inventory import PREFLIGHT, read_inventory
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.moves import VMOTION_PORT
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.services import is_agent_managed

try:
    from pyVmomi import VmomiSupport, vim, vmodl
except ImportError:
    pass  # vsphere.base reports the missing library once

MIGRATE_ENABLED = "Migrate.Enabled"
VMOTION_STACK = "vmotion"


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


def inspect(cluster, hosts, vcenter_time):
    """PreflightFacts of the hosts in scope, of their cluster peers and of the scope's VMs (cluster: a VsphereCluster).

    vcenter_time is vCenter's clock read just before; host clocks are compared with it as it runs on.
    """
    facts = PreflightFacts()
    inv = read_inventory(cluster.content, PREFLIGHT)  # hosts and VMs as they are now, in one call
    names = [inv.name(h) for h in hosts]
    peers = cluster.peers(hosts)
    started = time.monotonic()

    def vcenter_now():
        return vcenter_time + datetime.timedelta(seconds=time.monotonic() - started)

    facts.peers = [preflight_host_facts(inv, h, vcenter_now) for h in peers]
    facts.hosts = [f for f in facts.peers if f["name"] in names]
    facts.mounts = cluster.datastore_mounts(peers)
    for host in hosts:
        facts.host_objects[inv.name(host)] = host
        if str(inv.get(host, "runtime.connectionState")) != "connected":
            continue
        for vm in inv.get(host, "vm") or []:
            props = inv.properties.get(vm, {})
            if is_agent_managed(props.get("config.managedBy")):
                continue
            facts.vms.append(preflight_vm_facts(props, inv.name(host)))
            facts.vm_objects[facts.vms[-1]["name"]] = vm
    return facts


def preflight_host_facts(inv, host, vcenter_now):
    """Per host of the inventory (PREFLIGHT): connection, Migrate.Enabled, VMkernel adapters and their services,
    clock and NTP. Two calls to the host: its advanced option and its clock.

    vcenter_now() is vCenter's clock now; the host's offset is taken against the middle of its query.
    """
    facts = {"name": inv.name(host), "connection_state": str(inv.get(host, "runtime.connectionState")),
             "in_maintenance_mode": bool(inv.get(host, "runtime.inMaintenanceMode")), "migrate_enabled": None,
             "vmknics": [], "vmotion_vmks": [], "management_vmks": [], "clock_offset_seconds": None,
             "ntp_servers": []}
    if facts["connection_state"] != "connected":
        return facts
    facts["migrate_enabled"] = advanced_option(inv.get(host, "configManager.advancedOption"), MIGRATE_ENABLED)
    facts["vmknics"] = [{"device": nic.device, "portgroup": nic.portgroup or "",
                         "ip": nic.spec.ip.ipAddress if nic.spec and nic.spec.ip else None,
                         "netstack": (nic.spec.netStackInstanceKey if nic.spec else None) or "defaultTcpipStack"}
                        for nic in inv.get(host, "config.network.vnic") or []]
    # an adapter on the vMotion TCP/IP stack carries vMotion whether or not it is selected for the service
    stack = [n["device"] for n in facts["vmknics"] if n["netstack"] == VMOTION_STACK]
    nic_info, vmotion = inv.get(host, "config.virtualNicManagerInfo"), inv.get(host, "config.vmotion")
    facts["vmotion_vmks"] = sorted(set(selected_vmks(nic_info, "vmotion", vmotion)) | set(stack))
    facts["management_vmks"] = selected_vmks(nic_info, "management")
    before = vcenter_now()
    now = inv.get(host, "configManager.dateTimeSystem").QueryDateTime()
    middle = before + (vcenter_now() - before) / 2
    facts["clock_offset_seconds"] = round((now - middle).total_seconds(), 1)
    date_time = inv.get(host, "config.dateTimeInfo")
    ntp = date_time.ntpConfig if date_time is not None else None
    facts["ntp_servers"] = list(ntp.server or []) if ntp is not None else []
    return facts


def advanced_option(manager, key):
    """The value of a host advanced setting (manager: its configManager.advancedOption), or None when the host
    does not have it."""
    try:
        values = manager.QueryOptions(key)
    except vim.fault.InvalidName:
        return None
    return values[0].value if values else None


def selected_vmks(info, nic_type, vmotion=None):
    """Devices (vmk0, ...) selected for a VMkernel service such as vmotion or management (info: the host's
    config.virtualNicManagerInfo; vmotion: its config.vmotion, which older hosts fill instead)."""
    for net in (info.netConfig if info is not None else None) or []:
        if net.nicType == nic_type:
            devices = dict((nic.key, nic.device) for nic in net.candidateVnic or [])
            return sorted(devices.get(key, key.rsplit("-", 1)[-1]) for key in net.selectedVnic or [])
    if nic_type == "vmotion" and vmotion is not None and vmotion.netConfig is not None:
        selected = vmotion.netConfig.selectedVnic
        return [selected.rsplit("-", 1)[-1]] if selected else []
    return []


def option_value(manager, key, value):
    """value typed as the host's supportedOption defines key (LongOption: xsd:long, IntOption: xsd:int, ...);
    without a definition, typed like the current value."""
    kinds = (("LongOption", VmomiSupport.vmodlTypes["long"]), ("IntOption", int), ("BoolOption", bool),
             ("FloatOption", float), ("StringOption", str))
    for option in manager.supportedOption or []:
        if option.key == key:
            name = type(option.optionType).__name__.rsplit(".", 1)[-1]
            for kind, cast in kinds:
                if name == kind:
                    return cast(value)
    current = manager.QueryOptions(key)
    if current and current[0].value is not None:
        return type(current[0].value)(value)
    return VmomiSupport.vmodlTypes["long"](value)


def preflight_vm_facts(props, host_name):
    """A VM's name, power state and CD/DVD drives, from its properties read (PREFLIGHT)."""
    return {"name": props.get("name"), "host": host_name, "power_state": str(props.get("runtime.powerState")),
            "cdroms": [cdrom_facts(d) for d in props.get("config.hardware.device") or []
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
    """No VMkernel adapter has the vMotion service (or not the one named)."""
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
    """Migrate.Enabled = 0, often left behind by backup software that failed mid-job."""
    return [finding("MIGRATE_DISABLED", "error",
                    "%s: advanced setting %s = %s, so every vMotion to or from it stalls at 20%% and fails"
                    % (h["name"], MIGRATE_ENABLED, h["migrate_enabled"]),
                    "set %s back to 1 on %s (Configure > Advanced System Settings); check the backup software "
                    "that locked it" % (MIGRATE_ENABLED, h["name"]),
                    hosts=[h["name"]], fixable=True, setting=MIGRATE_ENABLED, value=h["migrate_enabled"])
            for h in hosts if h["connection_state"] == "connected" and h["migrate_enabled"] == 0]


def check_cdrom_local_iso(vms, mounts, peers):
    """A connected CD/DVD drive backed by an ISO some other host cannot see."""
    found = []
    for vm in vms:
        for cdrom in local_isos(vm, mounts, peers):
            if cdrom["backing"] == "host_device":
                found.append(host_device_finding(vm, cdrom))
                continue
            found.append(finding(
                "CDROM_LOCAL_ISO", "error",
                "%s: connected %s is backed by %s, which %s; vMotion to %s fails"
                % (vm["name"], cdrom["label"], cdrom["iso"], seen_by_text(cdrom), ", ".join(cdrom["blind"])),
                "switch %s of %s to a client device (Edit Settings > CD/DVD drive > Client Device); "
                "disconnecting alone is not enough" % (cdrom["label"], vm["name"]),
                hosts=[vm["host"]], vms=[vm["name"]], fixable=True, device_key=cdrom["key"],
                device=cdrom["label"], iso=cdrom["iso"], datastore=cdrom["datastore"], blind_hosts=cdrom["blind"]))
    return found


def host_device_finding(vm, cdrom):
    """A connected CD/DVD drive backed by a drive of the VM's host: vMotion to any other host fails."""
    return finding(
        "CDROM_HOST_DEVICE", "error",
        "%s: connected %s is the host's own drive %s, which no other host can reach; vMotion to %s fails"
        % (vm["name"], cdrom["label"], cdrom["host_device"], ", ".join(cdrom["blind"])),
        "switch %s of %s to a client device (Edit Settings > CD/DVD drive > Client Device)"
        % (cdrom["label"], vm["name"]),
        hosts=[vm["host"]], vms=[vm["name"]], fixable=True, device_key=cdrom["key"], device=cdrom["label"],
        host_device=cdrom["host_device"], blind_hosts=cdrom["blind"])


def check_clock_skew(hosts, peers, max_skew_seconds):
    """A host clock further than max_skew_seconds from the median of the hosts (a warning)."""
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
    """The API cannot see whether vMotion traffic passes; say what to test, host by host."""
    address = {}
    for host in peers:
        vmks = host["vmotion_vmks"] or [v for v in [vmotion_vmk_for(host, wanted)] if v]
        nics = dict((n["device"], n) for n in host["vmknics"])
        for vmk in vmks:
            if vmk in nics and nics[vmk]["ip"]:
                address[host["name"]] = (vmk, nics[vmk]["ip"], nics[vmk].get("netstack") == VMOTION_STACK)
                break
    commands = []
    for host in hosts:
        if host["name"] not in address:
            continue
        vmk, _ip, on_stack = address[host["name"]]
        for peer in peers:
            if peer["name"] != host["name"] and peer["name"] in address:
                ip = address[peer["name"]][1]
                commands.append(network_commands(host["name"], peer["name"], vmk, ip, on_stack))
    if not commands:
        return []
    tested = sorted(set(c["from"] for c in commands) | set(c["to"] for c in commands))
    stack_note = ("; nc uses the default TCP/IP stack, so for an adapter on the vMotion TCP/IP stack only "
                  "vmkping -S vmotion tests the path" if any(c["nc"] is None for c in commands) else "")
    return [finding("VMOTION_NETWORK_UNVERIFIED", "info",
                    "the vSphere API cannot tell whether vMotion traffic (TCP %d) passes between %s"
                    % (VMOTION_PORT, ", ".join(tested)),
                    "on each host's ESXi shell run the vmkping and nc commands in details.commands; a vmkping "
                    "without reply or an nc without 'succeeded' means a router, firewall or VLAN blocks vMotion"
                    + stack_note,
                    hosts=tested, commands=commands)]


def network_commands(source, target, vmk, ip, on_vmotion_stack):
    """The vmkping and nc commands to test vMotion from source (its adapter vmk) to target's ip. An adapter on
    the vMotion TCP/IP stack needs vmkping -S vmotion; nc cannot pick a stack (None then)."""
    if on_vmotion_stack:
        return {"from": source, "to": target, "vmkping": "vmkping -S %s -I %s %s" % (VMOTION_STACK, vmk, ip),
                "nc": None}
    return {"from": source, "to": target, "vmkping": "vmkping -I %s %s" % (vmk, ip),
            "nc": "nc -z %s %d" % (ip, VMOTION_PORT)}


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
    backing = details.get("iso") or "host drive %s" % details.get("host_device")
    return ("vms", item["vms"][0], {details["device"]: {"backing": backing, "connected": True}},
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
        manager = host_objects[item["hosts"][0]].configManager.advancedOption
        value = option_value(manager, MIGRATE_ENABLED, 1)  # ESXi rejects a value of another width
        manager.UpdateOptions([vim.option.OptionValue(key=MIGRATE_ENABLED, value=value)])
    elif item["code"] == "VMOTION_VMK_NOT_ENABLED":
        host_objects[item["hosts"][0]].configManager.virtualNicManager.SelectVnicForNicType("vmotion", details["vmk"])
    elif item["code"] in ("CDROM_LOCAL_ISO", "CDROM_HOST_DEVICE"):
        wait(cdrom_to_client_device(vm_objects[item["vms"][0]], details["device_key"]))


def cdrom_to_client_device(vm, device_key):
    """Start the reconfiguration that backs the drive by a (disconnected) client device; returns the task."""
    device = [d for d in vm.config.hardware.device if d.key == device_key][0]
    device.backing = vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(deviceName="", exclusive=False)
    device.connectable = vim.vm.device.VirtualDevice.ConnectInfo(connected=False, startConnected=False,
                                                                 allowGuestControl=True)
    change = vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=device)
    return vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change]))
