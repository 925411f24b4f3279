"""JSON renderings of the mock's records, shaped per microversion."""

import hashlib

_STATUS = {
    "active": {None: "ACTIVE", "migrating": "MIGRATING",
               "resize_prep": "RESIZE", "resize_migrating": "RESIZE",
               "resize_migrated": "RESIZE", "resize_finish": "RESIZE",
               "rebuilding": "REBUILD", "rebuild_spawning": "REBUILD"},
    "stopped": {None: "SHUTOFF", "resize_prep": "RESIZE",
                "resize_migrating": "RESIZE", "resize_migrated": "RESIZE",
                "resize_finish": "RESIZE", "rebuilding": "REBUILD",
                "rebuild_spawning": "REBUILD"},
    "resized": {None: "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    "paused": {None: "PAUSED", "migrating": "MIGRATING"},
    "error": {None: "ERROR", "rebuilding": "REBUILD",
              "rebuild_spawning": "REBUILD"},
}
_PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                      "MIGRATING")


def server_status(inst):
    """nova's status from vm_state and task_state."""
    table = _STATUS.get(inst.vm_state, {None: "UNKNOWN"})
    return table.get(inst.task_state, table[None])


def _links(base, path):
    return [{"rel": "self", "href": "%s/v2.1/%s" % (base, path)},
            {"rel": "bookmark", "href": "%s/%s" % (base, path)}]


def host_status(cloud, inst):
    """The 2.16 host_status field."""
    service = cloud.compute_service(inst.host)
    if service is None:
        return ""
    if service.forced_down:
        return "DOWN"
    if service.disabled:
        return "MAINTENANCE"
    return "UP" if cloud.service_is_up(service) else "UNKNOWN"


def _flavor(inst, version, base):
    flavor = inst.flavor
    if version >= (2, 47):
        return {"vcpus": flavor.vcpus, "ram": flavor.ram, "disk": flavor.disk,
                "ephemeral": flavor.ephemeral, "swap": flavor.swap,
                "original_name": flavor.name,
                "extra_specs": dict(flavor.extra_specs)}
    return {"id": flavor.id,
            "links": [{"rel": "bookmark",
                       "href": "%s/flavors/%s" % (base, flavor.id)}]}


def server_brief(inst, base):
    return {"id": inst.uuid, "name": inst.name,
            "links": _links(base, "servers/" + inst.uuid)}


def server(cloud, inst, version, base, show=False):
    """Full admin view of one server, as servers/detail and GET show it."""
    iso = cloud.clock.isotime
    status = server_status(inst)
    port = inst.port
    out = {
        "id": inst.uuid,
        "name": inst.name,
        "status": status,
        "tenant_id": inst.project_id,
        "user_id": inst.user_id,
        "metadata": {},
        "hostId": hashlib.sha224((inst.project_id + inst.host).encode()
                                 ).hexdigest(),
        "image": {"id": "8f2f4e5a-7d3c-4a3b-9a0e-4c2b7b1f0d11",
                  "links": [{"rel": "bookmark", "href": base + "/images/"
                             "8f2f4e5a-7d3c-4a3b-9a0e-4c2b7b1f0d11"}]},
        "flavor": _flavor(inst, version, base),
        "created": iso(inst.created_at),
        "updated": iso(inst.updated_at),
        "addresses": {"private": [{
            "version": 4, "addr": port.ip_address,
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": port.mac_address}]},
        "accessIPv4": "",
        "accessIPv6": "",
        "links": _links(base, "servers/" + inst.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": cloud.hosts[inst.host].zone,
        "config_drive": "",
        "key_name": None,
        "OS-SRV-USG:launched_at": iso(inst.created_at, micro=True),
        "OS-SRV-USG:terminated_at": None,
        "security_groups": [{"name": "default"}],
        "OS-EXT-SRV-ATTR:host": inst.host,
        "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % inst.index,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": inst.host,
        "OS-EXT-STS:task_state": inst.task_state,
        "OS-EXT-STS:vm_state": inst.vm_state,
        "OS-EXT-STS:power_state": inst.power_state,
        "os-extended-volumes:volumes_attached": [],
    }
    if status in _PROGRESS_STATUSES:
        out["progress"] = 0
    if status == "ERROR" and inst.fault:
        out["fault"] = inst.fault
    if version >= (2, 3):
        out.update({
            "OS-EXT-SRV-ATTR:hostname": inst.name,
            "OS-EXT-SRV-ATTR:kernel_id": "",
            "OS-EXT-SRV-ATTR:launch_index": 0,
            "OS-EXT-SRV-ATTR:ramdisk_id": "",
            "OS-EXT-SRV-ATTR:reservation_id": "r-%08x" % inst.index,
            "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
            "OS-EXT-SRV-ATTR:user_data": None,
        })
    if version >= (2, 9):
        out["locked"] = False
    if version >= (2, 16):
        out["host_status"] = host_status(cloud, inst)
    if version >= (2, 19):
        out["description"] = None
    if version >= (2, 26):
        out["tags"] = []
    if version >= (2, 63):
        out["trusted_image_certificates"] = None
    if show and version >= (2, 71):
        group = cloud.group_of(inst.uuid)
        out["server_groups"] = [group.uuid] if group else []
    if version >= (2, 73):
        out["locked_reason"] = None
    if version >= (2, 96):
        # the request spec's availability_zone: what was asked at boot
        out["pinned_availability_zone"] = inst.requested_az
    return out


def server_group(group, version, members):
    """ServerGroupController._format_server_group."""
    out = {"id": group.uuid, "name": group.name}
    if version >= (2, 64):
        out["policy"] = group.policy
        out["rules"] = dict(group.rules)
    else:
        out["policies"] = [group.policy]
        out["metadata"] = {}
    out["members"] = list(members)
    if version >= (2, 13):
        out["project_id"] = group.project_id
        out["user_id"] = group.user_id
    return out


def availability_zones(cloud, detail):
    """os-availability-zone[/detail] (AvailabilityZoneController).

    A zone is available when an enabled service is in it, otherwise listed
    as not available (with hosts null). The summary hides the internal zone;
    the detail shows it, with each enabled service's liveness.
    """
    enabled = [s for s in cloud.services if not s.disabled]
    available = sorted({s.zone for s in enabled})
    unavailable = sorted({s.zone for s in cloud.services if s.disabled}
                         - set(available))
    result = []
    for zone in available:
        if not detail:
            if zone == "internal":
                continue
            hosts = None
        else:
            hosts = {}
            for svc in enabled:
                if svc.zone != zone:
                    continue
                hosts.setdefault(svc.host, {})[svc.binary] = {
                    "available": cloud.service_is_up(svc),
                    "active": True,
                    "updated_at": cloud.clock.isotime(_heartbeat(cloud, svc),
                                                      micro=True)}
        result.append({"zoneName": zone, "zoneState": {"available": True},
                       "hosts": hosts})
    for zone in unavailable:
        if zone == "internal" and not detail:
            continue
        result.append({"zoneName": zone, "zoneState": {"available": False},
                       "hosts": None})
    return {"availabilityZoneInfo": result}


def server_migration(cloud, mig, version):
    """An element of GET /servers/{id}/migrations."""
    iso = cloud.clock.isotime
    out = {
        "id": mig.id,
        "server_uuid": mig.instance_uuid,
        "status": mig.status,
        "created_at": iso(mig.created_at, micro=True),
        "updated_at": iso(mig.updated_at, micro=True),
        "source_compute": mig.source_compute,
        "source_node": mig.source_compute,
        "dest_compute": mig.dest_compute,
        "dest_node": mig.dest_compute,
        "dest_host": cloud.hosts[mig.dest_compute].host_ip
        if mig.dest_compute in cloud.hosts else None,
        "memory_total_bytes": mig.memory_total_bytes,
        "memory_processed_bytes": mig.memory_processed_bytes,
        "memory_remaining_bytes": mig.memory_remaining_bytes,
        "disk_total_bytes": mig.disk_total_bytes,
        "disk_processed_bytes": mig.disk_processed_bytes,
        "disk_remaining_bytes": mig.disk_remaining_bytes,
    }
    if version >= (2, 59):
        out["uuid"] = mig.uuid
    if version >= (2, 80):
        out["user_id"] = mig.user_id
        out["project_id"] = mig.project_id
    return out


def migration(cloud, mig, version, base):
    """An element of GET /os-migrations."""
    iso = cloud.clock.isotime
    out = {
        "id": mig.id,
        "instance_uuid": mig.instance_uuid,
        "status": mig.status,
        "created_at": iso(mig.created_at, micro=True),
        "updated_at": iso(mig.updated_at, micro=True),
        "source_compute": mig.source_compute,
        "source_node": mig.source_compute,
        "dest_compute": mig.dest_compute,
        "dest_node": mig.dest_compute,
        "dest_host": cloud.hosts[mig.dest_compute].host_ip
        if mig.dest_compute in cloud.hosts else None,
        "old_instance_type_id": mig.flavor_id,
        "new_instance_type_id": mig.flavor_id,
    }
    if version >= (2, 23):
        out["migration_type"] = mig.migration_type
        if mig.migration_type == "live-migration" and mig.in_progress:
            out["links"] = _links(base, "servers/%s/migrations/%d" % (
                mig.instance_uuid, mig.id))
    if version >= (2, 59):
        out["uuid"] = mig.uuid
    if version >= (2, 80):
        out["user_id"] = mig.user_id
        out["project_id"] = mig.project_id
    return out


def _heartbeat(cloud, svc):
    """Last heartbeat: now while the host lives, else when it stopped."""
    host = cloud.hosts.get(svc.host)
    if host is not None and not host.alive:
        return max(host.down_since, 0.0)
    return cloud.now()


def service(cloud, svc, version):
    """An element of GET /os-services."""
    out = {
        "id": svc.uuid if version >= (2, 53) else svc.id,
        "binary": svc.binary,
        "host": svc.host,
        "zone": svc.zone,
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up" if cloud.service_is_up(svc) else "down",
        "updated_at": cloud.clock.isotime(_heartbeat(cloud, svc), micro=True),
        "disabled_reason": svc.disabled_reason,
    }
    if version >= (2, 11):
        out["forced_down"] = svc.forced_down
    return out


def hypervisor(cloud, host, version, detail, with_servers):
    """An element of os-hypervisors (2.88 drops the resource figures)."""
    svc = cloud.compute_service(host.name)
    out = {
        "id": host.uuid if version >= (2, 53) else host.node_id,
        "hypervisor_hostname": host.name,
        "state": "up" if cloud.service_is_up(svc) else "down",
        "status": "disabled" if svc.disabled else "enabled",
    }
    if detail:
        out.update({
            "hypervisor_type": "QEMU",
            "hypervisor_version": 8002000,
            "host_ip": host.host_ip,
            "service": {"host": host.name,
                        "id": svc.uuid if version >= (2, 53) else svc.id,
                        "disabled_reason": svc.disabled_reason},
        })
        if version >= (2, 88):
            out["uptime"] = None
        else:
            used = cloud.placement.usage(host.uuid)
            running = sum(1 for i in cloud.instances.values()
                          if i.host == host.name)
            out.update({
                "vcpus": host.vcpus, "vcpus_used": used["VCPU"],
                "memory_mb": host.memory_mb,
                "memory_mb_used": used["MEMORY_MB"] + host.reserved_memory_mb,
                "free_ram_mb": host.memory_mb - host.reserved_memory_mb
                - used["MEMORY_MB"],
                "local_gb": host.disk_gb, "local_gb_used": used["DISK_GB"],
                "free_disk_gb": host.disk_gb - used["DISK_GB"],
                "disk_available_least": host.disk_gb - used["DISK_GB"],
                "running_vms": running, "current_workload": 0,
                "cpu_info": '{"arch": "x86_64", "model": "Cascadelake-Server"}'
                if version < (2, 28) else {
                    "arch": "x86_64", "model": "Cascadelake-Server",
                    "vendor": "Intel", "features": [],
                    "topology": {"cores": host.vcpus, "threads": 1,
                                 "sockets": 1}},
            })
    if with_servers and version >= (2, 53):
        servers = [{"name": "instance-%08x" % i.index, "uuid": i.uuid}
                   for i in cloud.instances.values() if i.host == host.name]
        if servers:
            out["servers"] = servers
    return out


def flavor(flv, version, base, detail=True):
    out = {"id": flv.id, "name": flv.name,
           "links": _links(base, "flavors/" + flv.id)}
    if version >= (2, 55):
        out["description"] = None
    if detail:
        out.update({"ram": flv.ram, "vcpus": flv.vcpus, "disk": flv.disk,
                    "OS-FLV-EXT-DATA:ephemeral": flv.ephemeral,
                    "swap": flv.swap or "", "rxtx_factor": 1.0,
                    "os-flavor-access:is_public": True,
                    "OS-FLV-DISABLED:disabled": False})
        if version >= (2, 61):
            out["extra_specs"] = dict(flv.extra_specs)
    return out


def port(cloud, inst):
    """A neutron port (admin view) of an instance."""
    p = inst.port
    return {
        "id": p.id, "name": "%s-port" % inst.name, "network_id": p.network_id,
        "tenant_id": inst.project_id, "project_id": inst.project_id,
        "mac_address": p.mac_address, "admin_state_up": True,
        "status": "ACTIVE", "device_id": inst.uuid,
        "device_owner": "compute:%s" % cloud.hosts[inst.host].zone,
        "fixed_ips": [{"subnet_id": p.subnet_id, "ip_address": p.ip_address}],
        "binding:host_id": inst.host, "binding:vnic_type": p.vnic_type,
        "binding:vif_type": "ovs" if p.vnic_type == "normal" else "hw_veb",
        "binding:profile": {}, "binding:vif_details": {},
        "qos_policy_id": "5a1f0c7e-0000-4000-8000-00000000b0b0"
        if p.resource_request else None,
        "resource_request": p.resource_request,
        "security_groups": [], "description": "", "tags": [],
        "revision_number": 1,
    }
