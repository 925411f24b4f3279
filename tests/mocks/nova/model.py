"""The records the mock keeps: hosts, services, flavors, instances, migrations,
server groups."""

import dataclasses
import uuid

_NAMESPACE = uuid.UUID("6f1d4a52-5c0e-4a55-9b7e-2f8c1e0b7a10")


def stable_uuid(kind, name):
    """Same scenario, same UUIDs: runs and idempotence checks stay comparable."""
    return str(uuid.uuid5(_NAMESPACE, "%s:%s" % (kind, name)))


@dataclasses.dataclass
class Host:
    """A compute host: its nova-compute liveness and its placement inventory."""

    name: str
    uuid: str                   # compute node id = resource provider uuid
    node_id: int
    memory_mb: int
    reserved_memory_mb: int
    vcpus: int
    reserved_vcpus: int
    disk_gb: int
    reserved_disk_gb: int
    ram_allocation_ratio: float
    cpu_allocation_ratio: float
    disk_allocation_ratio: float
    host_ip: str
    zone: str
    resume_guests_on_boot: bool
    max_concurrent_live_migrations: int
    alive: bool = True          # the nova-compute process heartbeats
    down_since: float = None    # sim time the heartbeat stopped
    up_at: float = None         # sim time a reboot brings it back
    rebooting: bool = False     # down because of a reboot (guests stop)
    rp_generation: int = 1

    def inventories(self):
        """Placement inventory records keyed by resource class."""
        def inv(total, reserved, ratio):
            return {"total": total, "reserved": reserved, "min_unit": 1,
                    "max_unit": total, "step_size": 1,
                    "allocation_ratio": ratio}
        return {
            "VCPU": inv(self.vcpus, self.reserved_vcpus,
                        self.cpu_allocation_ratio),
            "MEMORY_MB": inv(self.memory_mb, self.reserved_memory_mb,
                             self.ram_allocation_ratio),
            "DISK_GB": inv(self.disk_gb, self.reserved_disk_gb,
                           self.disk_allocation_ratio),
        }


@dataclasses.dataclass
class Service:
    """A row of os-services."""

    id: int
    uuid: str
    binary: str
    host: str
    zone: str
    disabled: bool = False
    disabled_reason: str = None
    forced_down: bool = False
    updated_at: float = 0.0


@dataclasses.dataclass
class Flavor:
    """A flavor; `db_id` is the integer nova puts in migration records."""

    id: str
    db_id: int
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int
    swap: int
    extra_specs: dict

    def resources(self):
        """What one instance of this flavor allocates in placement."""
        res = {"VCPU": self.vcpus, "MEMORY_MB": self.ram}
        if self.disk + self.ephemeral:
            res["DISK_GB"] = self.disk + self.ephemeral
        return res


@dataclasses.dataclass
class Port:
    """The one neutron port each instance has."""

    id: str
    mac_address: str
    ip_address: str
    network_id: str
    subnet_id: str
    vnic_type: str
    resource_request: dict = None


@dataclasses.dataclass
class Instance:
    """A server as nova's database knows it."""

    uuid: str
    name: str
    index: int
    project_id: str
    user_id: str
    host: str
    flavor: Flavor
    vm_state: str
    power_state: int
    port: Port
    task_state: str = None
    dirty: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    fault: dict = None
    pending_power: tuple = None  # (target vm_state, due sim time)
    # the hypervisor's view, which nova's API does not always show: is the
    # guest running, and when was it down because of a move or a reboot
    guest_running: bool = False
    downtime: list = dataclasses.field(default_factory=list)
    # the zone asked for at boot (request_spec.availability_zone), or None
    requested_az: str = None

    @property
    def open_downtime(self):
        """The downtime event still running (end None), or None."""
        if self.downtime and self.downtime[-1]["end"] is None:
            return self.downtime[-1]
        return None


@dataclasses.dataclass
class ServerGroup:
    """An instance group (os-server-groups) and its members' uuids."""

    uuid: str
    name: str
    policy: str                  # affinity | anti-affinity | soft-...
    project_id: str
    user_id: str
    members: list = dataclasses.field(default_factory=list)
    max_server_per_host: int = None   # the one rule nova knows

    @property
    def rules(self):
        """InstanceGroup.rules: {} unless max_server_per_host is set."""
        if self.max_server_per_host is None:
            return {}
        return {"max_server_per_host": self.max_server_per_host}


@dataclasses.dataclass
class Migration:
    """A migration record, plus the progress the mock simulates for it."""

    id: int
    uuid: str
    instance_uuid: str
    migration_type: str          # live-migration | migration | evacuation
    status: str
    source_compute: str
    dest_compute: str
    flavor_id: int
    user_id: str
    project_id: str
    created_at: float
    updated_at: float
    memory_total_bytes: int = 0
    memory_processed_bytes: int = 0
    memory_remaining_bytes: int = 0
    disk_total_bytes: int = 0
    disk_processed_bytes: int = 0
    disk_remaining_bytes: int = 0
    # simulation bookkeeping
    next_at: float = None        # sim time of the next step
    requested_host: str = None   # host named by the caller
    forced_host: bool = False    # caller bypassed the scheduler
    sync_checked: bool = False   # pre-checks already ran in the API call
    force_completed: bool = False
    abort_at: float = None
    mark_time: float = 0.0       # memory counters were last re-based here
    mark_remaining: int = 0
    mark_processed: int = 0
    original_vm_state: str = None
    target_vm_state: str = None
    host_switched: bool = False
    claimed: bool = False        # placement holds source and target
    scheduled: bool = False
    phase: int = 0               # cold migration step counter
    error: str = None

    @property
    def in_progress(self):
        return self.status in ("queued", "preparing", "running",
                               "post-migrating")
