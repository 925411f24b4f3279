"""The mocked cloud's state: built from a scenario, guarded by one lock."""

import random
import threading

from .clock import SimClock
from .model import Flavor, Host, Instance, Migration, Port, ServerGroup
from .model import Service, stable_uuid
from .scenario import DEFAULT_ZONE
from .placement import Placement

_VM_STATES = {"ACTIVE": ("active", 1), "SHUTOFF": ("stopped", 4),
              "PAUSED": ("paused", 3), "ERROR": ("error", 0)}

PORT_RESOURCE_REQUEST = {
    "required": ["CUSTOM_PHYSNET_PHYSNET0", "CUSTOM_VNIC_TYPE_NORMAL"],
    "resources": {"NET_BW_EGR_KILOBIT_PER_SEC": 1000,
                  "NET_BW_IGR_KILOBIT_PER_SEC": 1000},
}


class Cloud:
    """Everything the APIs read and change; callers hold `lock`."""

    def __init__(self, scenario):
        self.lock = threading.RLock()
        self.scenario = scenario
        self.clock = SimClock(scenario["time_scale"])
        self.timing = scenario["timing"]
        self.migration_cfg = scenario["migration"]
        self.credentials = scenario["credentials"]
        self.region = scenario["region"]
        self.domain_id = "default" if self.credentials["domain"].lower() \
            == "default" else stable_uuid("domain", self.credentials["domain"]
                                          ).replace("-", "")
        self.user_id = stable_uuid("user", self.credentials["username"]
                                   ).replace("-", "")
        self.projects = {}           # name -> id
        self.project_id(self.credentials["project"])
        self.tokens = {}             # token -> project id
        self.faults = [dict(f) for f in scenario["faults"]]  # injected
        self.api_down = None         # None | "503" | "reset"
        self.request_log = []
        self.stop_requested = threading.Event()
        self._next_migration_id = 1
        self.hosts = {}
        self.services = []
        self.flavors = {}
        self.instances = {}          # uuid -> Instance, scenario order
        self.migrations = []
        self.server_groups = []      # scenario order
        self.default_zone_aggregate = scenario.get("default_zone_aggregate",
                                                   False)
        self.placement = Placement(self.hosts)
        self._build(scenario)

    # -- construction -------------------------------------------------------
    def _build(self, scenario):
        service_id = 1
        for name in ("nova-scheduler", "nova-conductor"):
            self.services.append(Service(
                id=service_id, uuid=stable_uuid("service", name),
                binary=name, host=scenario["controller_host"],
                zone="internal"))
            service_id += 1
        limit = self.migration_cfg["max_concurrent_live_migrations"]
        for index, spec in enumerate(scenario["hosts"], start=1):
            host = Host(
                name=spec["name"], uuid=stable_uuid("node", spec["name"]),
                node_id=index, memory_mb=spec["memory_mb"],
                reserved_memory_mb=spec["reserved_memory_mb"],
                vcpus=spec["vcpus"], reserved_vcpus=spec["reserved_vcpus"],
                disk_gb=spec["disk_gb"],
                reserved_disk_gb=spec["reserved_disk_gb"],
                ram_allocation_ratio=float(spec["ram_allocation_ratio"]),
                cpu_allocation_ratio=float(spec["cpu_allocation_ratio"]),
                disk_allocation_ratio=float(spec["disk_allocation_ratio"]),
                host_ip=spec["host_ip"], zone=spec["zone"],
                resume_guests_on_boot=spec["resume_guests_on_boot"],
                max_concurrent_live_migrations=(
                    spec["max_concurrent_live_migrations"] or limit),
                alive=spec["state"] == "up")
            if not host.alive:
                host.down_since = -1e9
            self.hosts[host.name] = host
            self.services.append(Service(
                id=service_id,
                uuid=stable_uuid("service", "nova-compute@" + host.name),
                binary="nova-compute", host=host.name, zone=host.zone,
                disabled=spec["status"] == "disabled",
                disabled_reason=spec["disabled_reason"],
                forced_down=bool(spec["forced_down"])))
            service_id += 1
        for index, spec in enumerate(scenario["flavors"], start=1):
            flavor = Flavor(
                id=str(spec["id"] or stable_uuid("flavor", spec["name"])),
                db_id=index, name=spec["name"], ram=spec["ram"],
                vcpus=spec["vcpus"], disk=spec["disk"],
                ephemeral=spec["ephemeral"], swap=spec["swap"],
                extra_specs=dict(spec["extra_specs"] or {}))
            self.flavors[flavor.name] = flavor
        rng = random.Random(7)
        for index, spec in enumerate(scenario["instances"], start=1):
            vm_state, power = _VM_STATES[spec["status"]]
            uuid = str(spec["id"] or stable_uuid("instance", spec["name"]))
            request = spec["port_resource_request"]
            if request is True:
                request = PORT_RESOURCE_REQUEST
            port = Port(
                id=stable_uuid("port", spec["name"]),
                mac_address="fa:16:3e:%02x:%02x:%02x" % (
                    rng.randrange(256), rng.randrange(256), index % 256),
                ip_address="10.0.%d.%d" % (index // 250, index % 250 + 4),
                network_id=stable_uuid("network", "private"),
                subnet_id=stable_uuid("subnet", "private"),
                vnic_type=spec["vnic_type"],
                resource_request=request or None)
            inst = Instance(
                uuid=uuid, name=spec["name"], index=index,
                project_id=self.project_id(spec["project"]),
                user_id=self.user_id, host=spec["host"],
                flavor=self.flavors[spec["flavor"]], vm_state=vm_state,
                power_state=power, port=port, dirty=bool(spec["dirty"]),
                guest_running=vm_state == "active",
                requested_az=spec.get("availability_zone"))
            self.instances[uuid] = inst
            self.placement.allocate(uuid, self.hosts[inst.host],
                                    inst.flavor.resources(), inst.project_id,
                                    inst.user_id)
        by_name = {i.name: i.uuid for i in self.instances.values()}
        for spec in scenario.get("server_groups") or []:
            self.server_groups.append(ServerGroup(
                uuid=stable_uuid("server_group", spec["name"]),
                name=spec["name"], policy=spec["policy"],
                project_id=self.project_id(spec["project"]),
                user_id=self.user_id,
                members=[by_name[m] for m in spec["members"]],
                max_server_per_host=spec["max_server_per_host"]))

    # -- lookups ------------------------------------------------------------
    def now(self):
        return self.clock.now()

    def project_id(self, name):
        """Stable keystone-style id of a project name (created on demand)."""
        if name not in self.projects:
            self.projects[name] = stable_uuid("project", name).replace("-", "")
        return self.projects[name]

    def compute_service(self, host_name):
        for service in self.services:
            if service.binary == "nova-compute" and service.host == host_name:
                return service
        return None

    def service_is_up(self, service):
        """nova's servicegroup view: forced down, or heartbeat missed."""
        if service.forced_down:
            return False
        host = self.hosts.get(service.host)
        if host is None or host.alive:
            return True
        return self.now() < host.down_since + self.timing["service_down_after"]

    def host_is_up(self, host_name):
        service = self.compute_service(host_name)
        return service is not None and self.service_is_up(service)

    def find_instance(self, ident):
        """Instance by uuid, or by unique name (control API convenience)."""
        if ident in self.instances:
            return self.instances[ident]
        named = [i for i in self.instances.values() if i.name == ident]
        return named[0] if len(named) == 1 else None

    def group_of(self, instance_uuid):
        """The server group `instance_uuid` belongs to, or None
        (InstanceGroup.get_by_instance_uuid)."""
        for group in self.server_groups:
            if instance_uuid in group.members:
                return group
        return None

    def group_hosts(self, group, exclude=()):
        """InstanceGroup.get_hosts: the members' hosts, `exclude` left out."""
        return sorted({self.instances[m].host for m in group.members
                       if m not in exclude and m in self.instances})

    def zone_has_aggregate(self, zone):
        """Whether a host aggregate carries availability_zone=`zone`.

        Every host zone but the default one comes from such an aggregate;
        the default zone only with `default_zone_aggregate: true`.
        """
        if zone == DEFAULT_ZONE:
            return self.default_zone_aggregate and any(
                h.zone == zone for h in self.hosts.values())
        return any(h.zone == zone for h in self.hosts.values())

    def migrations_of(self, instance_uuid):
        return [m for m in self.migrations if m.instance_uuid == instance_uuid]

    def new_migration(self, inst, migration_type, status, dest=None):
        """Create and register a migration record for `inst`."""
        now = self.now()
        mig = Migration(
            id=self._next_migration_id,
            uuid=stable_uuid("migration", str(self._next_migration_id)),
            instance_uuid=inst.uuid, migration_type=migration_type,
            status=status, source_compute=inst.host, dest_compute=dest,
            flavor_id=inst.flavor.db_id, user_id=self.user_id,
            project_id=self.project_id(self.credentials["project"]),
            created_at=now, updated_at=now,
            original_vm_state=inst.vm_state)
        self._next_migration_id += 1
        self.migrations.append(mig)
        return mig
