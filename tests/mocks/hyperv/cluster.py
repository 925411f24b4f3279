"""The failover cluster the mock pretends to be: nodes, VM roles, memory, event logs and files.

Memory accounting is what the seed's failure is about: a node's used memory is the memory of the
online VMs it owns plus what in-flight live migrations have reserved on it as their destination.
"""
from __future__ import annotations

import functools
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import windows
from .sim import SimClock

VM_NAMESPACE = uuid.UUID('6f1c2a1e-7a53-4c4e-9d0e-3b2f7c1d9a10')
HA_PROVIDER = 'Microsoft-Windows-Hyper-V-High-Availability'
PRIORITY_NAMES = {3000: 'High', 2000: 'Medium', 1000: 'Low', 0: 'NoAutoStart'}
PRIORITY_VALUES = {v.lower(): k for k, v in PRIORITY_NAMES.items()}


@dataclass
class Timing:
    """Simulated durations (seconds) and rates; every one can be set in a scenario's `timing`."""

    live_migration_mb_per_second: float = 1000.0
    live_migration_setup_seconds: float = 5.0
    migration_failure_seconds: float = 3.0
    migration_state_lag_seconds: float = 2.0  # Move-ClusterVirtualMachineRole returned, resource not updated yet
    quick_migration_seconds: float = 20.0
    shutdown_migration_seconds: float = 60.0
    offline_move_seconds: float = 1.0
    failover_seconds: float = 30.0
    update_seconds: float = 900.0
    reboot_seconds: float = 300.0
    cau_scan_seconds: float = 60.0
    cau_node_overhead_seconds: float = 30.0


@dataclass
class NetworkAdapter:
    switch_name: str
    mac: str
    name: str = 'Network Adapter'
    cluster_monitored: bool = True


@dataclass
class VirtualMachine:
    name: str
    memory_mb: int
    owner: str
    state: str = 'Online'  # Online | Offline | Failed (the cluster group's state)
    priority: int = 2000
    anti_affinity: list[str] = field(default_factory=list)
    preferred_owners: list[str] = field(default_factory=list)
    auto_failback: int = 0
    processor_count: int = 2
    adapters: list[NetworkAdapter] = field(default_factory=list)
    migration_state: int = 0  # the VM resource's MigrationState: 0 none, 1 setup, 2 transfer, 4 canceled, 5 failed
    downtime: list[dict] = field(default_factory=list)  # times a running VM went offline (see Cluster.vm_down)

    @functools.cached_property
    def vm_id(self) -> str:
        return str(uuid.uuid5(VM_NAMESPACE, self.name.lower()))

    @property
    def running(self) -> bool:
        return self.state == 'Online'


@dataclass
class EventRecord:
    record_id: int
    event_id: int
    provider: str
    level: int
    time: Any
    message: str
    machine: str
    properties: list = field(default_factory=list)
    log_name: str = 'System'


@dataclass
class Node:
    name: str
    memory_mb: int
    node_id: int
    state: str = 'Up'  # Up | Down | Paused
    drain_status: str = 'NotInitiated'
    max_vm_migrations: int = 2
    max_storage_migrations: int = 2
    live_migration_mb_per_second: float | None = None
    update_seconds: float | None = None
    reboot_seconds: float | None = None
    pending_updates: int = 3
    installed_updates: int = 0
    reserved_mb: int = 0
    address: str | None = None  # on the client-access network (Role ClusterAndClient); None: no interface there
    cluster_address: str | None = None  # on the cluster-only network (Role Cluster); None: no interface there
    drained: list[str] = field(default_factory=list)  # VMs moved off by the last drain (for failback)
    events: list[EventRecord] = field(default_factory=list)
    files: dict[str, tuple[str, str]] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=lambda: {'c:', 'c:\\windows', 'c:\\windows\\temp', 'c:\\programdata',
                                                    'c:\\users'})


class Cluster:
    """All state of one mock cluster, guarded by the clock's lock."""

    def __init__(self, name: str, domain: str, clock: SimClock, seed: int, timing: Timing):
        self.name = name
        self.domain = domain
        self.clock = clock
        self.rng = random.Random(seed)
        self.seed = seed
        self.timing = timing
        self.nodes: dict[str, Node] = {}
        self.vms: dict[str, VirtualMachine] = {}
        self.shared_files: dict[str, tuple[str, str]] = {}  # C:\ClusterStorage\... is visible on every node
        self.shared_dirs: set[str] = {'c:\\clusterstorage', 'c:\\clusterstorage\\volume1'}
        self.endpoint_node = ''
        self.next_record_id = 1000
        self.faults: dict[str, Any] = {'update_failures': {}}
        from .migration import MigrationEngine
        self.migrations = MigrationEngine(self)
        self.cau = None  # cau.CauRole when the clustered role exists
        self.cau_reports: list = []
        self.cau_current = None
        self.machines: dict[str, Node] = {}  # computers that are not nodes (a CAU Update Coordinator)
        self.os_versions: dict[str, str] = {}  # lower-case machine name -> Windows Server release ('2022')
        self.endpoints: dict[str, str] = {}  # HTTP Host name -> machine WinRM sessions run on
        self.locale = 'en-US'  # the UI culture of every machine (messages; see windows.py)

    @property
    def lock(self):
        return self.clock.lock

    # ------------------------------------------------------------- lookups
    def machine(self, name: str | None) -> Node | None:
        """A node or another computer of the scenario (`machines`), by short or DNS name."""
        short = str(name or '').split('.', maxsplit=1)[0].lower()
        return self.node(name) or self.machines.get(short)

    def endpoint_machine(self, host: str | None) -> Node:
        """The machine a WinRM session runs on, from the HTTP Host name it used (`endpoints`; default node)."""
        name = self.endpoints.get(str(host or '').lower())
        return self.machine(name) or self.node(self.endpoint_node)

    def node(self, name: str | None) -> Node | None:
        if not name:
            return None
        short = str(name).split('.', maxsplit=1)[0].lower()
        return next((n for n in self.nodes.values() if n.name.lower() == short), None)

    def vm(self, name: str) -> VirtualMachine | None:
        return self.vms.get(str(name).lower())

    def vms_on(self, node_name: str) -> list[VirtualMachine]:
        low = node_name.lower()
        return [vm for vm in self.vms.values() if vm.owner.lower() == low]

    # -------------------------------------------------------------- memory
    def used_mb(self, node: Node) -> int:
        running = sum(vm.memory_mb for vm in self.vms_on(node.name) if vm.running)
        return running + node.reserved_mb

    def free_mb(self, node: Node) -> int:
        return node.memory_mb - self.used_mb(node)

    def anti_affinity_conflict(self, vm: VirtualMachine, node: Node) -> bool:
        if not vm.anti_affinity:
            return False
        classes = {c.lower() for c in vm.anti_affinity}
        return any(other is not vm and classes & {c.lower() for c in other.anti_affinity}
                   for other in self.vms_on(node.name))

    def up_nodes(self, exclude: str | None = None) -> list[Node]:
        return [n for n in self.nodes.values() if n.state == 'Up' and n.name != exclude]

    # ------------------------------------------------------------ downtime
    def vm_down(self, vm: VirtualMachine, kind: str, source: str, target: str | None = None) -> None:
        """A running VM goes offline (saved, shut down, turned off, crashed): open a downtime event.

        A VM already down keeps its open event (one outage, one event).
        """
        if vm.downtime and vm.downtime[-1]['end'] is None:
            return
        vm.downtime.append({'kind': kind, 'start': self.clock.now, 'end': None, 'seconds': None,
                            'source': source, 'target': target})

    def vm_up(self, vm: VirtualMachine) -> None:
        """The VM runs again: close its open downtime event."""
        if vm.downtime and vm.downtime[-1]['end'] is None:
            event = vm.downtime[-1]
            event['end'] = self.clock.now
            event['seconds'] = round(self.clock.now - event['start'], 6)
            event['target'] = event['target'] or vm.owner

    # -------------------------------------------------------------- events
    def log_event(self, node: Node, event_id: int, provider: str, level: int, message: str,
                  properties: list | None = None) -> EventRecord:
        self.next_record_id += 1
        record = EventRecord(self.next_record_id, event_id, provider, level, self.clock.datetime(), message,
                             f'{node.name}.{self.domain}', properties or [])
        node.events.append(record)
        return record

    def log_migration_failure(self, vm: VirtualMachine, source: Node, target: Node) -> EventRecord:
        """Event 21502 as Hyper-V writes it when the destination lacks memory for the VM."""
        message = windows.message(self, 'event_21502', vm=vm.name, target=target.name, vm_id=vm.vm_id.upper(),
                                  memory_mb=vm.memory_mb)
        return self.log_event(source, 21502, HA_PROVIDER, 2, message,
                              [f'Virtual Machine {vm.name}', vm.name, vm.vm_id.upper(), target.name,
                               vm.memory_mb])

    # ---------------------------------------------------------------- files
    def _resolve_path(self, path: str, node: Node) -> tuple[dict, set, str, Node | None]:
        """Which file table a Windows path lives in: a node's disk, cluster storage, or a UNC admin share.

        Returns (files, dirs, key, host); the key is the lower-cased local path, e.g. 'c:\\scripts\\a.ps1'.
        """
        clean = path.replace('/', '\\').strip()
        if clean.startswith('\\\\'):
            parts = clean[2:].split('\\')
            host = self.node(parts[0]) if parts else None
            share = parts[1].lower() if len(parts) > 1 else ''
            if host is None or len(share) != 2 or share[1] != '$':
                return {}, set(), '', None
            node = host
            clean = share[0] + ':\\' + '\\'.join(parts[2:])
        key = clean.rstrip('\\').lower()
        if key.startswith('c:\\clusterstorage'):
            return self.shared_files, self.shared_dirs, key, node
        return node.files, node.dirs, key, node

    def read_file(self, node: Node, path: str) -> str | None:
        files, dirs, key, host = self._resolve_path(path, node)
        item = files.get(key)
        return None if item is None else item[1]

    def path_kind(self, node: Node, path: str) -> str | None:
        files, dirs, key, host = self._resolve_path(path, node)
        if host is None:
            return None
        if key in files:
            return 'Leaf'
        if key in dirs or key in ('c:', 'c:\\'):
            return 'Container'
        return None

    def write_file(self, node: Node, path: str, content: str) -> str | None:
        """Store a file; returns an error text when the path or its directory does not exist."""
        files, dirs, key, host = self._resolve_path(path, node)
        if host is None:
            return f"The network path was not found. : '{path}'"
        parent = key.rsplit('\\', 1)[0] if '\\' in key else 'c:'
        if parent not in dirs and parent not in ('c:', 'c:\\'):
            return f"Could not find a part of the path '{path}'."
        previous = files.get(key)
        files[key] = (previous[0] if previous else _local_display(path), content)
        return None

    def make_dir(self, node: Node, path: str) -> str | None:
        files, dirs, key, host = self._resolve_path(path, node)
        if host is None:
            return f"The network path was not found. : '{path}'"
        parts = key.split('\\')
        for i in range(1, len(parts) + 1):
            dirs.add('\\'.join(parts[:i]))
        return None

    def remove_path(self, node: Node, path: str) -> bool:
        files, dirs, key, host = self._resolve_path(path, node)
        if key in files:
            del files[key]
            return True
        if key in dirs:
            dirs.discard(key)
            return True
        return False


def _local_display(path: str) -> str:
    """A path as the node itself would show it (UNC admin shares become local paths)."""
    clean = path.replace('/', '\\').strip()
    if clean.startswith('\\\\'):
        parts = clean[2:].split('\\')
        if len(parts) > 1 and len(parts[1]) == 2:
            return parts[1][0].upper() + ':\\' + '\\'.join(parts[2:])
    return clean
