"""Placement's allocation book and its capacity arithmetic."""

import math


class Placement:
    """Allocations per consumer (instance or migration) per resource provider.

    Capacity of a resource class is (total - reserved) * allocation_ratio,
    exactly what placement compares `used + requested` against.
    """

    def __init__(self, hosts):
        self._hosts = hosts                  # name -> Host, shared with Cloud
        self.consumers = {}                  # uuid -> record

    def _host_by_rp(self, rp_uuid):
        for host in self._hosts.values():
            if host.uuid == rp_uuid:
                return host
        return None

    def usage(self, rp_uuid):
        """Resources allocated against one provider."""
        used = {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
        for record in self.consumers.values():
            for rc, amount in record["allocations"].get(rp_uuid, {}).items():
                used[rc] = used.get(rc, 0) + amount
        return used

    @staticmethod
    def capacity(inventory):
        """Usable amount of one inventory record."""
        return math.floor((inventory["total"] - inventory["reserved"])
                          * inventory["allocation_ratio"])

    def free(self, host):
        """Capacity minus usage, per resource class."""
        used = self.usage(host.uuid)
        return {rc: self.capacity(inv) - used.get(rc, 0)
                for rc, inv in host.inventories().items()}

    def shortfall(self, host, resources):
        """Why `resources` do not fit on `host` ('' when they do)."""
        free = self.free(host)
        inventories = host.inventories()
        for rc, amount in sorted(resources.items()):
            if rc not in inventories:
                return "%s has no %s inventory" % (host.name, rc)
            if amount > inventories[rc]["max_unit"]:
                return "%s: %s %d exceeds max_unit %d" % (
                    host.name, rc, amount, inventories[rc]["max_unit"])
            if amount > free[rc]:
                return "%s: %s requested %d, free %d" % (
                    host.name, rc, amount, free[rc])
        return ""

    def _touch(self, consumer, project_id, user_id):
        record = self.consumers.setdefault(consumer, {
            "project_id": project_id, "user_id": user_id,
            "generation": 0, "allocations": {}})
        record["generation"] += 1
        return record

    def _bump(self, rp_uuid):
        host = self._host_by_rp(rp_uuid)
        if host:
            host.rp_generation += 1

    def allocate(self, consumer, host, resources, project_id, user_id):
        """Add (or replace) `consumer`'s allocation against `host`."""
        record = self._touch(consumer, project_id, user_id)
        record["allocations"][host.uuid] = dict(resources)
        self._bump(host.uuid)

    def release(self, consumer, host=None):
        """Drop `consumer`'s allocation on `host`, or all of it."""
        record = self.consumers.get(consumer)
        if not record:
            return
        rps = [host.uuid] if host else list(record["allocations"])
        for rp in rps:
            if record["allocations"].pop(rp, None) is not None:
                self._bump(rp)
        record["generation"] += 1
        if not record["allocations"]:
            del self.consumers[consumer]

    def move(self, source_consumer, target_consumer, project_id, user_id):
        """Hand all of one consumer's allocations to another.

        Nova does this when a move starts (instance -> migration record, so
        the source stays claimed) and when a move is rolled back.
        """
        record = self.consumers.pop(source_consumer, None)
        if not record:
            return
        target = self._touch(target_consumer, project_id, user_id)
        target["allocations"].update(record["allocations"])
        for rp in record["allocations"]:
            self._bump(rp)

    def allocations_of(self, consumer):
        """{rp_uuid: {rc: amount}} for a consumer (empty when none)."""
        record = self.consumers.get(consumer)
        return dict(record["allocations"]) if record else {}
