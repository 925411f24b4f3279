# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova, gather: compute hosts and instances into the core's shape, with server groups and availability zones
as rules (moving instances is in moves.py).

Capacity comes from Placement (nova's os-hypervisors carries no memory figures from 2.88):
usable = (total - reserved) x allocation_ratio, and allocations keep stopped instances' memory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import NovaError, supports_microversion
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.rules import (
    host_zones, server_group_rules, stuck_in_affinity, zone_rules)

NOVA_METHODS = ("live", "move", "failover")
POWER = {"active": "on", "paused": "on", "stopped": "off", "shutoff": "off", "suspended": "suspended",
         "shelved": "off", "shelved_offloaded": "off"}


PORT_QUERY_SERVERS = 50  # instance ids per neutron ports query (repeated device_id filters keep the URL short)


class Snapshot:
    """One read of the cloud: the core's dicts, nova's own view of the services and servers, and the servers the
    moves act on (name -> openstacksdk Server)."""

    def __init__(self):
        self.hosts = []
        self.vms = []
        self.rules = []
        self.services = {}
        self.servers = {}
        self.server_objects = {}


class NovaCluster:
    """Reads nova, Placement and Neutron into hosts, vms and rules dicts for the placement core."""

    def __init__(self, conn):
        self.conn = conn

    def service(self, host, binary="nova-compute"):
        for service in self.conn.compute.services(binary=binary, host=host):
            if service.host == host:
                return service
        return None

    def gather(self, hosts=None):
        """A Snapshot of the named compute hosts (default all) and the instances on them; unknown names fail.

        Each list is read once, whatever the size of the cloud: compute services, servers, server groups, zones,
        hypervisors and resource providers, the servers' ports by one neutron query per PORT_QUERY_SERVERS
        instances; Placement's inventories once per compute host in scope (Placement has no bulk read of them).
        """
        services = sorted(self.conn.compute.services(binary="nova-compute"), key=lambda s: s.host)
        known = [s.host for s in services]
        unknown = [h for h in hosts or [] if h not in known]
        if unknown:
            raise NovaError("unknown compute host(s): %s; known: %s" % (", ".join(unknown), ", ".join(known)))
        scope = [s for s in services if not hosts or s.host in hosts]
        in_scope = set(s.host for s in scope)
        servers = sorted((s for s in self.conn.compute.servers(details=True, all_projects=True)
                          if s.compute_host in in_scope), key=lambda s: (s.name or "", s.id))
        snap = Snapshot()
        snap.hosts = self.host_dicts(scope)
        snap.services = dict((s.host, service_details(s)) for s in scope)
        requests = self.port_requests([s.id for s in servers])
        for server in servers:
            name = server.name or server.id
            snap.vms.append(vm_dict(server, server.id in requests))
            snap.servers[name] = {"id": server.id, "status": server.status, "task_state": server.task_state,
                                  "host": server.compute_host}
            snap.server_objects[name] = server
        snap.rules = self.rules(snap.hosts, snap.vms, servers)
        return snap

    def host_dicts(self, services):
        """The compute hosts of these services in the core's host shape."""
        inventories = self.inventories([s.host for s in services])
        zone_of = host_zones(self.conn.compute.availability_zones(details=True))
        ip_of = self.host_ips()
        hosts = []
        for service in services:
            inventory = inventories.get(service.host, {})
            memory = inventory.get("MEMORY_MB", {})
            vcpu = inventory.get("VCPU", {})
            hosts.append({
                "name": service.host,
                "memory_mb": float(memory.get("total", 0)),
                "reserved_memory_mb": float(memory.get("reserved", 0)),
                "ram_allocation_ratio": float(memory.get("allocation_ratio", 1.0)),
                "vcpus": float(vcpu.get("total", 0)) - float(vcpu.get("reserved", 0)),
                "cpu_allocation_ratio": float(vcpu.get("allocation_ratio", 1.0)),
                "state": host_state(service),
                "zone": zone_of.get(service.host, service.availability_zone),
                "ip": ip_of.get(service.host),
            })
        return hosts

    def inventories(self, hosts):
        """Compute host -> Placement inventories of its resource provider (named as the host, or as the host with
        its domain), read for these hosts only."""
        providers = list(self.conn.placement.resource_providers())
        result = {}
        for host in hosts:
            provider = provider_of(providers, host)
            if provider is not None:
                result[host] = self.conn.placement.get(
                    "/resource_providers/%s/inventories" % provider.id).json().get("inventories", {})
        return result

    def host_ips(self):
        """Compute host -> its hypervisor's host_ip (os-hypervisors/detail: the compute service's my_ip). Empty when
        the cloud's policy refuses os-hypervisors: the addresses are not needed to plan, only to match hosts."""
        from openstack import exceptions as sdk_exceptions  # pylint: disable=import-outside-toplevel
        ips = {}
        try:
            for hypervisor in self.conn.compute.hypervisors(details=True):
                host = (hypervisor.service_details or {}).get("host")
                if host and hypervisor.host_ip and host not in ips:
                    ips[host] = hypervisor.host_ip
        except sdk_exceptions.ForbiddenException:
            return {}
        return ips

    def rules(self, hosts, vms, servers):
        """nova's placement rules over these hosts and VMs: server groups (hard ones as must rules, soft ones
        as should rules) and, when the cloud has several availability zones, each instance kept in its zone.

        Members of a hard-affinity group that share a host cannot move at all in nova: their ``methods`` are
        emptied here, with the reason, so the plan reports them instead of failing at run time."""
        names_by_id = dict((s.id, s.name or s.id) for s in servers)
        groups = list(self.conn.compute.server_groups(all_projects=True))
        rules = server_group_rules(groups, names_by_id)
        for name, reason in stuck_in_affinity(rules, vms).items():
            vm = [v for v in vms if v["name"] == name][0]
            vm["methods"], vm["methods_reason"] = [], reason
        zone_of = dict((h["name"], h.get("zone")) for h in hosts)
        pinned = {}
        if supports_microversion(self.conn.compute, "2.96"):
            pinned = dict((s.name or s.id, s.pinned_availability_zone) for s in servers)
        return rules + zone_rules(vms, zone_of, pinned)

    def port_requests(self, server_ids):
        """Ids of the servers a port of which carries a resource request (nova refuses to live-migrate them), read
        PORT_QUERY_SERVERS servers a query; none when Neutron cannot be read (no network endpoint, say)."""
        found = set()
        wanted = set(server_ids)
        for start in range(0, len(server_ids), PORT_QUERY_SERVERS):
            chunk = server_ids[start:start + PORT_QUERY_SERVERS]
            try:
                ports = list(self.conn.network.ports(device_id=chunk))
            except Exception:  # pylint: disable=broad-except
                return set()
            found.update(p.device_id for p in ports if getattr(p, "resource_request", None) and p.device_id in wanted)
        return found


def provider_of(providers, host):
    """The resource provider of a compute host: the one named as the host, else the first root provider (not a
    device nested under a compute node) whose name before the first dot is the host."""
    for provider in providers:
        if provider.name == host:
            return provider
    for provider in providers:
        if provider.name.split(".")[0] == host and not getattr(provider, "parent_provider_id", None):
            return provider
    return None


def service_details(service):
    """The nova-compute service's status, state, forced_down and disabled_reason."""
    return {"id": service.id, "status": service.status, "state": service.state,
            "forced_down": bool(service.is_forced_down), "disabled_reason": service.disabled_reason}


def host_state(service):
    if service.state == "down" or service.is_forced_down:
        return "down"
    if service.status == "disabled":
        return "maintenance"
    return "up"


def vm_dict(server, port_resource_request=False):
    """One server in the core's vm shape, methods narrowed where nova refuses live migration."""
    flavor = server.flavor or {}
    extra_specs = flavor.get("extra_specs") or {}
    vm_state = (server.vm_state or "").lower()
    methods = list(NOVA_METHODS)
    reason = None
    if extra_specs.get("pci_passthrough:alias"):
        methods.remove("live")
        reason = "flavor requests PCI passthrough (pci_passthrough:alias): nova cannot live-migrate it"
    elif port_resource_request:
        methods.remove("live")
        reason = "a port carries a resource request: nova cannot live-migrate it"
    vm = {
        "name": server.name or server.id,
        "host": server.compute_host,
        "memory_mb": float(flavor.get("ram", 0)),
        "vcpus": float(flavor.get("vcpus", 0)),
        "power_state": POWER.get(vm_state, "on"),
        "methods": methods,
        "busy": bool(server.task_state) or vm_state in ("resized", "migrating") or server.status == "VERIFY_RESIZE",
    }
    if reason:
        vm["methods_reason"] = reason
    return vm
