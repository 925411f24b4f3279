"""The control API under /_mock/: read state, inject faults, move time.

Not an OpenStack API: tests, molecule and the demo use it (see control.py).
"""

import re

from . import engine, views
from .errors import ApiError
from .http_types import Response
from .scenario import FAULT_KINDS


def snapshot(cloud):
    """The whole mocked cloud as plain JSON."""
    placement = cloud.placement
    names = {h.uuid: h.name for h in cloud.hosts.values()}
    hosts = {}
    for host in cloud.hosts.values():
        svc = cloud.compute_service(host.name)
        capacity = {rc: placement.capacity(inv)
                    for rc, inv in host.inventories().items()}
        hosts[host.name] = {
            "uuid": host.uuid, "service_id": svc.uuid, "zone": host.zone,
            "alive": host.alive,
            "state": "up" if cloud.service_is_up(svc) else "down",
            "status": "disabled" if svc.disabled else "enabled",
            "disabled_reason": svc.disabled_reason,
            "forced_down": svc.forced_down,
            "up_at": host.up_at,
            "capacity": capacity, "usage": placement.usage(host.uuid),
            "free": placement.free(host),
            "instances": [i.name for i in cloud.instances.values()
                          if i.host == host.name],
        }
    instances = {}
    for inst in cloud.instances.values():
        instances[inst.name] = {
            "id": inst.uuid, "host": inst.host,
            "status": views.server_status(inst), "vm_state": inst.vm_state,
            "task_state": inst.task_state, "power_state": inst.power_state,
            "dirty": inst.dirty, "flavor": inst.flavor.name,
            "project_id": inst.project_id,
            "guest_running": inst.guest_running,
            "downtime": [dict(e) for e in inst.downtime],
            "availability_zone": cloud.hosts[inst.host].zone,
            "requested_availability_zone": inst.requested_az,
            "server_group": (cloud.group_of(inst.uuid).name
                             if cloud.group_of(inst.uuid) else None),
        }
    by_uuid = {i.uuid: i.name for i in cloud.instances.values()}
    groups = {g.name: {
        "id": g.uuid, "policy": g.policy,
        "max_server_per_host": g.max_server_per_host,
        "project_id": g.project_id,
        "members": [by_uuid[m] for m in g.members if m in by_uuid],
        "hosts": cloud.group_hosts(g)} for g in cloud.server_groups}
    migrations = [{
        "id": m.id, "uuid": m.uuid, "instance": by_uuid[m.instance_uuid],
        "instance_uuid": m.instance_uuid, "migration_type": m.migration_type,
        "status": m.status, "source_compute": m.source_compute,
        "dest_compute": m.dest_compute,
        "memory_total_bytes": m.memory_total_bytes,
        "memory_processed_bytes": m.memory_processed_bytes,
        "memory_remaining_bytes": m.memory_remaining_bytes,
        "error": m.error} for m in cloud.migrations]
    allocations = {
        consumer: {names.get(rp, rp): dict(res)
                   for rp, res in record["allocations"].items()}
        for consumer, record in placement.consumers.items()}
    return {"time": cloud.now(), "hosts": hosts, "instances": instances,
            "migrations": migrations, "allocations": allocations,
            "server_groups": groups,
            "downtime": downtime_summary(
                e for i in cloud.instances.values() for e in i.downtime),
            "api_down": cloud.api_down, "faults": cloud.faults}


def downtime_summary(events):
    """Counts over every instance's downtime events (open ones included)."""
    events = list(events)
    by_kind = {}
    for event in events:
        by_kind[event["kind"]] = by_kind.get(event["kind"], 0) + 1
    return {"events": len(events),
            "open": sum(1 for e in events if e["end"] is None),
            "seconds": round(sum(e["seconds"] or 0.0 for e in events), 6),
            "by_kind": by_kind}


def _host(cloud, name):
    if name not in cloud.hosts:
        raise ApiError(404, "no host %s" % name)
    return cloud.hosts[name]


def _instance(cloud, ref):
    inst = cloud.find_instance(ref)
    if inst is None:
        raise ApiError(404, "no instance %s" % ref)
    return inst


class ControlApi:
    """Routes below /_mock; `app` is needed for reset and stop."""

    def __init__(self, app):
        self.app = app

    def handle(self, req):
        cloud = self.app.cloud
        path, body = req.path.rstrip("/"), req.body or {}
        route = (req.method, path)
        if route == ("GET", "/state"):
            return Response(200, snapshot(cloud))
        if route == ("GET", "/auth"):
            creds = cloud.credentials
            return Response(200, {
                "auth_url": req.base + "/identity",
                "username": creds["username"], "password": creds["password"],
                "project_name": creds["project"],
                "user_domain_name": creds["domain"],
                "project_domain_name": creds["domain"],
                "region_name": cloud.region})
        if route == ("GET", "/requests"):
            return Response(200, {"requests": list(cloud.request_log)})
        if route == ("DELETE", "/requests"):
            cloud.request_log.clear()
            return Response(204)
        if route == ("GET", "/faults"):
            return Response(200, {"faults": cloud.faults})
        if route == ("POST", "/faults"):
            if body.get("kind") not in FAULT_KINDS:
                raise ApiError(400, "fault kind must be one of %s"
                               % ", ".join(FAULT_KINDS))
            cloud.faults.append(dict(body))
            return Response(201, {"faults": cloud.faults})
        if route == ("DELETE", "/faults"):
            cloud.faults.clear()
            return Response(204)
        if route == ("POST", "/api/down"):
            mode = str(body.get("mode", "503"))
            if mode not in ("503", "reset"):
                raise ApiError(400, "mode must be 503 or reset")
            cloud.api_down = mode
            return Response(200, {"api_down": mode})
        if route == ("POST", "/api/up"):
            cloud.api_down = None
            return Response(200, {"api_down": None})
        if route == ("POST", "/advance"):
            cloud.clock.skip(float(body.get("seconds", 0)))
            engine.advance(cloud)
            return Response(200, {"time": cloud.now()})
        if route == ("POST", "/reset"):
            self.app.reset(body.get("scenario"))
            return Response(200, {"time": self.app.cloud.now()})
        if route == ("POST", "/stop"):
            self.app.request_stop()
            return Response(200, {"stopping": True})
        match = re.fullmatch(r"/hosts/([^/]+)/(down|up|reboot)", path)
        if match and req.method == "POST":
            host = _host(cloud, match.group(1))
            now = cloud.now()
            if match.group(2) == "down":
                engine.host_down(cloud, host, now)
            elif match.group(2) == "up":
                engine.host_up(cloud, host, now)
            else:
                seconds = body.get("down_seconds",
                                   cloud.timing["reboot"])
                engine.host_down(cloud, host, now, reboot_seconds=seconds)
            return Response(200, snapshot(cloud)["hosts"][host.name])
        match = re.fullmatch(r"/instances/([^/]+)/dirty", path)
        if match and req.method == "POST":
            inst = _instance(cloud, match.group(1))
            engine.set_dirty(cloud, inst, body.get("dirty", True))
            return Response(200, snapshot(cloud)["instances"][inst.name])
        raise ApiError(404, "unknown control route %s %s" % route)
