# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hyper-V failover cluster adapter: gather nodes and VM roles into the core's shape, move VM roles,
read and read live-migration failure events (the Cluster-Aware Updating role is in cau.py).

Capacity: a node's ``memory_mb`` is its visible physical memory (Win32_OperatingSystem); its
``reserved_memory_mb`` is what neither its free memory nor its running VMs account for (the parent
partition, and live migrations coming in). A VM holds its assigned memory (its startup memory when off).
Anti-affinity class names are soft in Hyper-V unless the cluster's ClusterEnforcedAntiAffinity is 1, so they
become ``should`` rules (``must`` when enforced); preferred owners become ``vm_host`` should-rules. Storage is
cluster-shared (CSV), so hosts and VMs carry no storage names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.vmfleet.maintenance.plugins.module_utils import hyperv_scripts as scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.evacuation import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.node_reads import node_access_error
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import DEFAULT_WINDOW_SECONDS
from ansible_collections.vmfleet.maintenance.plugins.module_utils.winrm_base import (
    HyperVError, PowerShellError, is_transient)

HYPERV_METHODS = ("live", "quick", "move", "failover")
METHODS_BY_POWER = {"on": ["live", "quick", "move", "failover"], "suspended": ["quick", "move", "failover"],
                    "off": ["move", "failover"]}
MIGRATION_TYPES = {"live": "Live", "quick": "Quick", "move": "Shutdown", "failover": "TurnOff"}
NODE_STATES = {"Up": "up", "Paused": "maintenance"}  # Down, Joining, Unknown: down
PRIORITY_NAMES = {3000: "High", 2000: "Medium", 1000: "Low", 0: "NoAutoStart"}
MIGRATING = (1, 2, 3)  # MigrationState of a VM resource: queued, transferring, (3) finishing
MIGRATION_ENDED = {4: "cancelled", 5: "failed"}  # kept until another migration of the VM starts
ONLINE = ("Online", "PartialOnline")
MIB = 1024 * 1024

# Live-migration failure events: 21502 (Hyper-V-High-Availability, "Live migration of 'Virtual Machine X' failed",
# e.g. for lack of memory at the destination), 22038 (Hyper-V-High-Availability, the failure's detail, e.g.
# authentication), 21024 (Hyper-V-VMMS, "Virtual machine migration operation ... failed at migration source").
MIGRATION_EVENT_IDS = (21502, 22038, 21024)
MIGRATION_EVENT_LOGS = ("System", "Microsoft-Windows-Hyper-V-High-Availability-Admin",
                        "Microsoft-Windows-Hyper-V-VMMS-Admin")


# ---------------------------------------------------------------------------------------------
# Gathering


class Snapshot:
    """One read of the cluster: the core's dicts, the platform details, and the facts moves need."""

    def __init__(self, name):
        self.cluster = name
        self.hosts = []
        self.vms = []
        self.rules = []
        self.skipped_rules = []
        self.details = {"hosts": {}, "vms": {}}
        self.node_facts = {}
        self.vm_facts = {}


class HyperVCluster:
    """Reads a failover cluster (through one endpoint) into hosts, vms and rules dicts for the core."""

    def __init__(self, shell):
        self.shell = shell

    def gather(self, nodes=None):
        """A Snapshot of the named nodes (default all) and the VM roles they own; unknown names fail, and so does a
        node in scope that is not down but whose memory or VMs could not be read."""
        raw = self.shell.json(scripts.cluster_facts())
        node_list = [node_facts(n) for n in raw["nodes"]]
        names = [n["name"] for n in node_list]
        wanted = select_nodes(names, nodes, raw["name"])
        snap = Snapshot(raw["name"])
        vm_list = [vm_facts(v) for v in raw["vms"]]
        for node in node_list:
            snap.node_facts[node["name"]] = node
        in_scope = [v for v in vm_list if v["owner"] in wanted]
        check_readable([n for n in node_list if n["name"] in wanted], in_scope, raw.get("ep"))
        for node in (n for n in node_list if n["name"] in wanted):
            own = [v for v in in_scope if v["owner"] == node["name"]]
            snap.hosts.append(host_dict(node, own))
            snap.details["hosts"][node["name"]] = host_details(node, own)
        for vm in sorted(in_scope, key=lambda v: v["name"]):
            snap.vms.append(vm_dict(vm))
            snap.details["vms"][vm["name"]] = vm_details(vm)
            snap.vm_facts[vm["name"]] = vm
        snap.rules, snap.skipped_rules = rule_dicts(in_scope, wanted, bool(raw.get("enforced")))
        return snap

    def node_states(self):
        """Node name -> {state, drain_status} as the cluster names them (Up/Down/Paused, NotInitiated/...)."""
        return dict((n["n"], {"state": n["s"], "drain_status": n["d"]}) for n in self.shell.json(scripts.node_states()))

    def node_state(self, name):
        """One node's {name, state, drain_status}; HyperVError naming the known nodes when it is unknown."""
        states = self.node_states()
        found = [n for n in states if n.lower() == name.lower()]
        if not found:
            raise HyperVError("unknown node '%s'; nodes of the cluster: %s" % (name, ", ".join(sorted(states))))
        return dict(states[found[0]], name=found[0])

    def suspend(self, node, drain=False):
        self.shell.text(scripts.suspend_node(node, drain))

    def resume(self, node, failback="NoFailback"):
        self.shell.text(scripts.resume_node(node, failback))

    def migrations_in_flight(self):
        """Names of the VMs with a live migration queued or running anywhere in the cluster."""
        return sorted(self.shell.json(scripts.migrations_in_flight()) or [])

    def host_time(self):
        return self.shell.text(scripts.host_time()).strip()

    def migration_events(self, since=None, event_ids=MIGRATION_EVENT_IDS, logs=MIGRATION_EVENT_LOGS, max_events=1000):
        """(events parsed by parse_migration_event, newest first; names of the nodes skipped as down).

        HyperVError naming the nodes when the log of a node that is not down could not be read."""
        raw = self.shell.json(scripts.migration_events(event_ids, logs, since, max_events)) or {}
        failed = raw.get("failed") or []
        if not isinstance(failed, list):
            failed = [failed]
        if failed:
            problems = {}
            for item in failed:
                problems.setdefault(item.get("n"), "%s log: %s" % (item.get("l"), item.get("x")))
            raise node_access_error("read the event logs", problems, raw.get("ep"))
        events = [parse_migration_event(e) for e in raw.get("events") or []]
        seen, unique = set(), []
        for event in events:
            key = (event["node"], event["log"], event["record_id"])
            if key not in seen:
                seen.add(key)
                unique.append(event)
        unique.sort(key=lambda e: (e["time"] or "", e["record_id"] or 0), reverse=True)
        return unique, sorted(raw.get("skipped") or [])


def select_nodes(names, wanted, cluster):
    """The wanted node names as the cluster spells them (all when none is wanted); unknown names fail."""
    if not wanted:
        return list(names)
    by_lower = dict((n.lower(), n) for n in names)
    unknown = [n for n in wanted if n.lower() not in by_lower]
    if unknown:
        raise HyperVError("unknown node %s in cluster %s; its nodes: %s" % (
            ", ".join("'%s'" % n for n in unknown), cluster, ", ".join(sorted(names))))
    return [by_lower[n.lower()] for n in wanted]


def _names(values):
    """A list of the non-empty strings in values (a single value, a list, or None)."""
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [str(v) for v in values if v not in (None, "")]


def node_facts(raw):
    """What gathering needs from one node, as plain data (memory in MB, None when unreadable; its client-access
    address, None when it has none; the read's error)."""
    total_kb, free_kb = raw.get("t"), raw.get("f")
    return {"name": raw["n"], "state": raw["s"], "drain_status": raw["d"],
            "memory_mb": float(total_kb) / 1024 if total_kb else None,
            "free_memory_mb": float(free_kb) / 1024 if free_kb is not None and total_kb else None,
            "ip": raw.get("ip") or None, "read_error": raw.get("x")}


def vm_facts(raw):
    """What gathering needs from one VM role, as plain data (memory in MB; the error of reading its VM)."""
    return {"name": raw["n"], "owner": raw["o"], "group_state": raw["s"], "priority": int(raw.get("p") or 0),
            "anti_affinity": _names(raw.get("a")), "preferred_owners": _names(raw.get("po")),
            "memory_startup_mb": float(raw.get("ms") or 0) / MIB, "memory_assigned_mb": float(raw.get("ma") or 0) / MIB,
            "cpus": int(raw.get("c") or 0), "vm_state": raw.get("vs") or "", "migration_state": int(raw.get("mg") or 0),
            "read_error": raw.get("x")}


def check_readable(nodes, vms, endpoint):
    """HyperVError naming every node that is not down whose memory, or one of whose VMs, could not be read."""
    down = set(n["name"] for n in nodes if host_state(n["state"]) == "down")
    problems = {}
    for node in nodes:
        if node["name"] not in down and (node["read_error"] or node["memory_mb"] is None):
            problems[node["name"]] = "memory: %s" % (node["read_error"] or "no answer")
    for vm in vms:
        if vm["read_error"] and vm["owner"] not in down:
            problems.setdefault(vm["owner"], "virtual machine %s: %s" % (vm["name"], vm["read_error"]))
    if problems:
        raise node_access_error("read the memory and virtual machines", problems, endpoint)


def power_state(facts):
    """on, off or suspended from the role's group state and the VM's own state."""
    if facts["vm_state"] in ("Saved", "FastSaved"):
        return "suspended"
    return "on" if facts["group_state"] in ("Online", "PartialOnline") else "off"


def vm_memory_mb(facts):
    """Memory the VM holds on its node: assigned when running (dynamic memory may exceed startup), else startup."""
    if power_state(facts) == "on":
        return max(facts["memory_assigned_mb"], facts["memory_startup_mb"])
    return facts["memory_startup_mb"]


def host_state(state):
    """The core's host state: Up -> up, Paused -> maintenance, anything else -> down."""
    return NODE_STATES.get(state, "down")


def host_dict(node, vms):
    """One node in the core's host shape (a down node, whose memory is not read, reports 1 MB; any other node
    without its memory is an error: check_readable)."""
    if node["memory_mb"] is None and host_state(node["state"]) != "down":
        raise HyperVError("the memory of node %s, which is %s, was not read" % (node["name"], node["state"]))
    memory = node["memory_mb"] or 1.0
    reserved = 0.0
    if node["memory_mb"] and node["free_memory_mb"] is not None:
        running = sum(vm_memory_mb(v) for v in vms if power_state(v) == "on")
        reserved = min(memory, max(0.0, memory - node["free_memory_mb"] - running))
    return {"name": node["name"], "memory_mb": memory, "reserved_memory_mb": reserved, "vcpus": 0,
            "state": host_state(node["state"]), "ip": node.get("ip")}


def host_details(node, vms):
    return {"state": node["state"], "drain_status": node["drain_status"], "free_memory_mb": node["free_memory_mb"],
            "vm_count": len(vms)}


def vm_dict(facts):
    """One VM role in the core's vm shape; a role with a migration in flight is busy."""
    power = power_state(facts)
    return {
        "name": facts["name"],
        "host": facts["owner"],
        "memory_mb": vm_memory_mb(facts),
        "vcpus": float(facts["cpus"]),
        "power_state": power,
        "methods": list(METHODS_BY_POWER[power]),
        "priority": facts["priority"],
        "busy": facts["migration_state"] in MIGRATING or facts["group_state"] == "Pending",
    }


def vm_details(facts):
    return {"group_state": facts["group_state"], "vm_state": facts["vm_state"],
            "priority": PRIORITY_NAMES.get(facts["priority"], str(facts["priority"])),
            "anti_affinity_class_names": facts["anti_affinity"], "preferred_owners": facts["preferred_owners"],
            "memory_startup_mb": facts["memory_startup_mb"], "memory_assigned_mb": facts["memory_assigned_mb"],
            "migration_state": facts["migration_state"]}


def rule_dicts(vms, node_names, enforced):
    """Anti-affinity classes and preferred owners as rules in the core's shape, and the ones left out (with why)."""
    rules, skipped = [], []
    classes = {}
    for vm in vms:
        for name in vm["anti_affinity"]:
            classes.setdefault(name.lower(), (name, []))[1].append(vm["name"])
    for _key, (name, members) in sorted(classes.items()):
        if len(members) < 2:
            skipped.append({"name": "anti-affinity %s" % name, "reason": "fewer than two of its VMs are in scope"})
            continue
        rules.append({"name": "anti-affinity %s" % name, "kind": "anti_affinity", "vms": sorted(members),
                      "strength": "must" if enforced else "should"})
    owners = {}
    for vm in vms:
        if vm["preferred_owners"]:
            owners.setdefault(tuple(vm["preferred_owners"]), []).append(vm["name"])
    scope = dict((n.lower(), n) for n in node_names)
    for listed, members in sorted(owners.items()):
        name = "preferred owners %s" % ",".join(listed)
        hosts = [scope[n.lower()] for n in listed if n.lower() in scope]
        if not hosts:
            skipped.append({"name": name, "reason": "none of its nodes is in scope"})
            continue
        rules.append({"name": name, "kind": "vm_host", "vms": sorted(members), "hosts": hosts, "strength": "should"})
    return rules, skipped


# ---------------------------------------------------------------------------------------------
# Events


VM_PATTERNS = (r"'(?:Virtual Machine|\u4eee\u60f3\u30de\u30b7\u30f3) ([^']+)'", r"for '([^']+)'", r"virtual machine '([^']+)'")
TARGET_PATTERNS = (r"destination '([^']+)'", r"\u79fb\u884c\u5148 '([^']+)'")  # English, Japanese
MEMORY_PATTERN = r"(\d+)\s*(?:megabytes|MB)\b"
JAPANESE_MEMORY, JAPANESE_SHORT = u"\u30e1\u30e2\u30ea", u"\u4e0d\u8db3"  # "memory", "not enough"


def _first(patterns, text):
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            return found.group(1)
    return None


def parse_migration_event(raw):
    """An event as {id, node (where logged: a 21502's migration source), vm, target, memory_mb, reason, ...}.

    The VM, the destination and the memory asked are read from the message text (English or Japanese).
    """
    message = raw.get("message") or ""
    memory = re.search(MEMORY_PATTERN, message)
    lowered = message.lower()
    short = "not enough memory" in lowered or (JAPANESE_MEMORY in message and JAPANESE_SHORT in message)
    reason = "insufficient_memory" if short else None
    return {"id": raw.get("id"), "node": raw.get("node"), "log": raw.get("log"), "record_id": raw.get("record"),
            "provider": raw.get("provider"), "level": raw.get("level"), "time": raw.get("time"),
            "vm": _first(VM_PATTERNS, message), "target": _first(TARGET_PATTERNS, message),
            "memory_mb": int(memory.group(1)) if memory else None, "reason": reason, "message": message}


def summarize_events(events):
    """Counts per event ID, per destination node and per VM."""
    summary = {"count": len(events), "by_id": {}, "by_target": {}, "by_vm": {}}
    for event in events:
        for key, value in (("by_id", str(event["id"])), ("by_target", event["target"]), ("by_vm", event["vm"])):
            if value:
                summary[key][value] = summary[key].get(value, 0) + 1
    return summary


# ---------------------------------------------------------------------------------------------
# Moving VM roles


class HyperVMoveAdapter(MoveAdapter):
    """Moves one VM role with Move-ClusterVirtualMachineRole: Live, Quick, Shutdown (move) or TurnOff (failover).

    Rides through the WinRM outages winrm_base.is_transient names, for the shell's retry_seconds.
    """

    methods = HYPERV_METHODS

    def __init__(self, cluster, snapshot):
        self.cluster = cluster
        self.shell = cluster.shell
        self.vms = snapshot.vm_facts
        self.nodes = snapshot.node_facts
        self.retry_seconds = getattr(self.shell, "retry_seconds", DEFAULT_WINDOW_SECONDS)

    def is_transient(self, error):
        return is_transient(error)

    def describe_error(self, error):
        describe = getattr(self.shell, "describe_error", None)
        return describe(error) if describe else super(HyperVMoveAdapter, self).describe_error(error)

    def start(self, move, method):
        name, target = move["vm"], move["target"]
        facts = self.vms.get(name)
        if facts is None:
            raise MoveRefused("%s is not a VM role of the cluster" % name)
        power = power_state(facts)
        if method == "live" and power != "on":
            raise MoveRefused("%s is %s: live migration moves running VMs" % (name, power))
        if method == "failover":
            source = self.nodes.get(move["source"], {}).get("state")
            if source != "Down":
                raise MoveRefused("not failing over %s: its node %s is %s, and failover (turn off, start on %s) is "
                                  "only for the VMs of a node that is down" % (name, move["source"], source, target))
        try:
            before = self.shell.json(scripts.move_vm_role(name, target, MIGRATION_TYPES[method])) or {}
        except PowerShellError as error:
            raise MoveRefused(str(error))
        return self._handle(move, method, before)

    def started(self, move, method):
        """A handle when the cluster shows the role moving (migration queued or running, group Pending) or owned
        by the target already; None when the move never reached the cluster."""
        state = self.shell.json(scripts.vm_role_state(move["vm"])) or {}
        migration = int(state.get("MigrationState") or 0)
        if state.get("o") == move["target"] or migration in MIGRATING or state.get("s") == "Pending":
            return self._handle(move, method, {"m": migration}, seen=True)
        return None

    def _handle(self, move, method, before, seen=False):
        """What poll() needs: the VM's MigrationState and the host's clock just before the move (``m``, ``t``), and
        whether the move has been seen under way since (``seen``)."""
        facts = self.vms.get(move["vm"]) or {}
        state = before.get("m")
        return {"vm": move["vm"], "source": move["source"], "target": move["target"], "method": method,
                "running": bool(facts) and power_state(facts) == "on", "seen": seen, "since": before.get("t"),
                "before": int(facts.get("migration_state") or 0) if state is None else int(state)}

    def poll(self, handle):
        state = self.shell.json(scripts.vm_role_state(handle["vm"])) or {}
        owner, group = state.get("o"), state.get("s")
        migration = int(state.get("MigrationState") or 0)
        if owner == handle["target"] and migration not in MIGRATING and (group in ONLINE or not handle["running"]):
            return MoveStatus(DONE, host=owner)
        if group == "Failed":
            return MoveStatus(FAILED, host=owner, detail="%s of %s to %s failed: the role is Failed on %s" % (
                MIGRATION_TYPES[handle["method"]], handle["vm"], handle["target"], owner))
        if handle["method"] == "live":
            return self._poll_live(handle, owner, group, migration, int(state.get("MigrationProgress") or 0))
        return self._poll_offline(handle, owner, group)

    def _poll_live(self, handle, owner, group, migration, percent):
        """MigrationState 4 or 5 stays from an earlier migration until the cluster starts this one, so it means
        this move failed only after a transition (this move seen under way, or a value unlike the one before
        it) or with a failure event of the VM logged since the move began."""
        if migration in MIGRATING or group == "Pending" or owner != handle["source"] or migration != handle["before"]:
            handle["seen"] = True
        if migration in MIGRATION_ENDED and owner == handle["source"]:
            if handle["seen"] or self._new_failure_event(handle):
                return MoveStatus(FAILED, host=owner, detail=self._failure(handle, MIGRATION_ENDED[migration]))
            return MoveStatus(RUNNING, progress="starting", detail="waiting for the cluster to start it",
                              copying=False)
        if migration == 2:
            return MoveStatus(RUNNING, progress=percent, percent=percent, detail="transferring", copying=True)
        return MoveStatus(RUNNING, progress="queued" if migration == 1 else group, detail="queued", copying=False)

    def _poll_offline(self, handle, owner, group):
        """Quick, Shutdown and TurnOff take the role offline; back online anywhere but the target, it failed."""
        if group in ONLINE and handle["seen"]:
            where = "its source %s" % owner if owner == handle["source"] else owner
            detail = "%s move of %s to %s failed: %s did not start it, and the role is online again on %s" % (
                MIGRATION_TYPES[handle["method"]], handle["vm"], handle["target"], handle["target"], where)
            return MoveStatus(FAILED, host=owner, detail=detail)
        if group not in ONLINE or owner != handle["source"]:
            handle["seen"] = True
        return MoveStatus(RUNNING, progress=group, detail=group, copying=False)

    def _new_failure_event(self, handle):
        """True when a live-migration failure event of the VM was logged since the move began."""
        if not handle["since"]:
            return False
        try:
            events, _down = self.cluster.migration_events(since=handle["since"], max_events=20)
        except HyperVError:
            return False  # the logs cannot prove it: keep waiting for a transition
        return any(e["vm"] == handle["vm"] for e in events)

    def abort(self, handle):
        """Cancel the VM's live migration; nothing left to cancel is no error (the script says so by its exit code)."""
        self.shell.text(scripts.cancel_vm_move(handle["vm"]))

    def force_complete(self, handle):
        """Hyper-V has no force-complete for a live migration; keep watching."""

    def _failure(self, handle, how):
        """'live migration of X to N failed: ...' with the newest matching failure event's reading."""
        text = "live migration of %s to %s %s" % (handle["vm"], handle["target"], how)
        try:
            events, _down = self.cluster.migration_events(max_events=20)
        except HyperVError as error:  # the failure stands; only its reason could not be read
            return "%s (its failure events could not be read: %s)" % (text, error)
        mine = [e for e in events if e["vm"] == handle["vm"]]
        if not mine:
            return text
        event = mine[0]
        if event["reason"] == "insufficient_memory":
            return "%s: not enough memory on %s for %s MB (event %s on %s)" % (
                text, event["target"] or handle["target"], event["memory_mb"], event["id"], event["node"])
        return "%s (event %s on %s: %s)" % (text, event["id"], event["node"], event["message"].splitlines()[0])


def parse_datetime(value):
    """A datetime from ISO 8601 text (.NET's 7-digit fractions and a trailing Z accepted; the zone is not kept)."""
    text = re.sub(r"(\.\d{1,6})\d*", r"\1", str(value).strip().replace("Z", ""))
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise HyperVError("'%s' is not a date and time (use 2024-06-01T03:00:00)" % value)
