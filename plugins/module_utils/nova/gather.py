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

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import supports_microversion
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.rules import (
    host_zones, server_group_rules, stuck_in_affinity, zone_rules)

NOVA_METHODS = ("live", "move", "failover")
POWER = {"active": "on", "paused": "on", "stopped": "off", "shutoff": "off", "suspended": "suspended",
         "shelved": "off", "shelved_offloaded": "off"}


class NovaCluster:
    """Reads nova, Placement and Neutron into hosts and vms dicts for the placement core."""

    def __init__(self, conn):
        self.conn = conn

    def services(self, host=None):
        query = {"binary": "nova-compute"}
        if host:
            query["host"] = host
        return list(self.conn.compute.services(**query))

    def service(self, host, binary="nova-compute"):
        for service in self.conn.compute.services(binary=binary, host=host):
            if service.host == host:
                return service
        return None

    def capacity(self):
        """Per resource-provider name: Placement inventories of MEMORY_MB and VCPU."""
        result = {}
        for provider in self.conn.placement.resource_providers():
            inventories = self.conn.placement.get(
                "/resource_providers/%s/inventories" % provider.id).json().get("inventories", {})
            result[provider.name] = inventories
        return result

    def zones(self):
        """host -> availability zone (os-availability-zone/detail, admin)."""
        return host_zones(self.conn.compute.availability_zones(details=True))

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

    def hosts(self):
        capacity = self.capacity()
        zone_of = self.zones()
        ip_of = self.host_ips()
        hosts = []
        for service in sorted(self.services(), key=lambda s: s.host):
            inventory = capacity.get(service.host) or _by_prefix(capacity, service.host)
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

    def service_details(self):
        """Per host: the nova-compute service's status, state, forced_down and disabled_reason."""
        return dict((s.host, {"id": s.id, "status": s.status, "state": s.state,
                              "forced_down": bool(s.is_forced_down), "disabled_reason": s.disabled_reason})
                    for s in self.services())

    def servers(self, host=None):
        query = {"all_projects": True}
        if host:
            query["host"] = host
        return list(self.conn.compute.servers(details=True, **query))

    def vms(self, host=None):
        vms = []
        for server in sorted(self.servers(host), key=lambda s: (s.name or "", s.id)):
            if not server.compute_host:
                continue
            vms.append(vm_dict(server, self._port_requests(server)))
        return vms

    def rules(self, hosts, vms):
        """nova's placement rules over these hosts and VMs: server groups (hard ones as must rules, soft ones
        as should rules) and, when the cloud has several availability zones, each instance kept in its zone.

        Members of a hard-affinity group that share a host cannot move at all in nova: their ``methods`` are
        emptied here, with the reason, so the plan reports them instead of failing at run time."""
        wanted = set(v["name"] for v in vms)
        servers = [s for s in self.servers() if s.compute_host and (s.name or s.id) in wanted]
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

    def _port_requests(self, server):
        """True when a port of the server carries a resource request (nova refuses live migration)."""
        try:
            ports = list(self.conn.network.ports(device_id=server.id))
        except Exception:  # pylint: disable=broad-except
            return False
        return any(getattr(p, "resource_request", None) for p in ports)


def _by_prefix(capacity, host):
    for name, inventory in capacity.items():
        if name.split(".")[0] == host:
            return inventory
    return {}


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
