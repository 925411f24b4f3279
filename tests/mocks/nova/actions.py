"""Server actions and migration/service operations with nova's API rules.

Each function checks what nova's API layer checks, raises ApiError with
nova's status code, and leaves the slow part to `engine`.
"""

import re
import secrets

from . import engine, scheduler
from .errors import ApiError
from .schemas import to_bool

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                      r"[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def is_uuid_like(value):
    return bool(_UUID_RE.match(value or ""))


def _invalid_state(inst, action, attr):
    value = getattr(inst, attr)
    raise ApiError(409, "Cannot '%s' instance %s while it is in %s %s" % (
        action, inst.uuid, attr, value))


def _require_state(inst, action, vm_states, task_states=(None,)):
    if inst.vm_state not in vm_states:
        _invalid_state(inst, action, "vm_state")
    if inst.task_state not in task_states:
        _invalid_state(inst, action, "task_state")


def _require_compute_host(cloud, name):
    if name not in cloud.hosts:
        raise ApiError(400, "Compute host %s could not be found." % name)


# -- os-migrateLive ---------------------------------------------------------------
def live_migrate(cloud, inst, body, version):
    """os-migrateLive: 202, or 400 when checks fail before 2.34 (sync)."""
    args = body["os-migrateLive"]
    host = args.get("host")
    force = False
    if (2, 30) <= version <= (2, 67):
        force = to_bool(args.get("force", False))
        if force and not host:
            raise ApiError(400, "Can't force to a non-provided destination")
    if version < (2, 25) or args["block_migration"] != "auto":
        to_bool(args["block_migration"])
    if inst.port.resource_request:
        raise ApiError(400, "The os-migrateLive action on a server with "
                       "ports having resource requests, like a port with a "
                       "QoS minimum bandwidth policy, is not supported by "
                       "this cloud.")
    _require_state(inst, "os-migrateLive", ("active", "paused"))
    if host:
        _require_compute_host(cloud, host)
    mig = cloud.new_migration(inst, "live-migration", "accepted", dest=host)
    mig.requested_host = host
    mig.forced_host = bool(host) and (version < (2, 30) or force)
    inst.task_state = "migrating"
    inst.updated_at = mig.created_at
    if version < (2, 34):
        # before 2.34 conductor's checks run inside the API call
        try:
            dest = engine.live_precheck(cloud, mig, inst)
        except scheduler.NoDestination as exc:
            engine.fail_move(cloud, mig, inst, mig.created_at, str(exc))
            raise ApiError(400, str(exc)) from None
        engine.claim_move(cloud, mig, inst, dest)
        mig.sync_checked = True
    mig.next_at = mig.created_at + cloud.timing["schedule"]
    return 202, None


# -- migrate (cold) ---------------------------------------------------------------
def cold_migrate(cloud, inst, body, version):
    """migrate: 202; scheduling happens later, failures end in 'error'."""
    host = None
    if version >= (2, 56) and isinstance(body["migrate"], dict):
        host = body["migrate"].get("host")
    _require_state(inst, "migrate", ("active", "stopped"))
    if not cloud.host_is_up(inst.host):
        raise ApiError(409, "Service is unavailable at this time.")
    if host:
        _require_compute_host(cloud, host)
        if host == inst.host:
            raise ApiError(400, "Cannot migrate to the host where the server "
                           "exists.")
    mig = cloud.new_migration(inst, "migration", "pre-migrating", dest=host)
    mig.requested_host = host
    inst.task_state = "resize_prep"
    inst.updated_at = mig.created_at
    mig.next_at = mig.created_at + cloud.timing["schedule"]
    return 202, None


def _resize_migration(cloud, inst):
    for mig in reversed(cloud.migrations_of(inst.uuid)):
        if mig.migration_type == "migration" and mig.status == "finished":
            return mig
    raise ApiError(400, "Instance has not been resized.")


def confirm_resize(cloud, inst, body, version):
    """confirmResize: 204; source resources are freed shortly after."""
    _require_state(inst, "confirmResize", ("resized",))
    mig = _resize_migration(cloud, inst)
    now = cloud.now()
    mig.status, mig.updated_at = "confirming", now
    mig.next_at = now + cloud.timing["confirm"]
    return 204, None


def revert_resize(cloud, inst, body, version):
    """revertResize: 202; the instance goes back to its source host."""
    _require_state(inst, "revertResize", ("resized",))
    mig = _resize_migration(cloud, inst)
    now = cloud.now()
    mig.status, mig.updated_at = "reverting", now
    mig.next_at = now + cloud.timing["revert"]
    inst.task_state = "resize_reverting"
    inst.updated_at = now
    # compute manager revert_resize destroys the guest on the destination
    engine.guest_stops(inst, "revert_resize", now, mig,
                       source=mig.dest_compute, target=mig.source_compute)
    return 202, None


# -- evacuate ---------------------------------------------------------------------
def evacuate(cloud, inst, body, version):
    """evacuate: 200; only from a host whose service is down or forced down."""
    args = body["evacuate"]
    host = args.get("host")
    force = False
    if (2, 29) <= version <= (2, 67):
        force = to_bool(args.get("force", False))
        if force and not host:
            raise ApiError(400, "Can't force to a non-provided destination")
    password = args.get("adminPass")
    if version < (2, 14):
        shared = to_bool(args["onSharedStorage"])
        if password and shared:
            raise ApiError(400, "admin password can't be changed on existing "
                           "disk")
        if not shared and not password:
            password = secrets.token_urlsafe(9)
    if host is not None and host not in cloud.hosts:
        raise ApiError(404, "Compute host %s not found." % host)
    if inst.host == host:
        raise ApiError(400, "The target host can't be the same one.")
    _require_state(inst, "evacuate", ("active", "stopped", "error"))
    if cloud.host_is_up(inst.host):
        raise ApiError(400, "Compute service of %s is still in use."
                       % inst.host)
    mig = cloud.new_migration(inst, "evacuation", "accepted", dest=host)
    mig.requested_host = host
    mig.forced_host = bool(host) and (version < (2, 29) or force)
    if version >= (2, 95) and inst.vm_state != "error":
        # _do_rebuild_instance ignores target_state for an ERROR instance
        mig.target_vm_state = "stopped"
    else:
        mig.target_vm_state = "stopped" if inst.vm_state == "stopped" \
            else "active"
    inst.task_state = "rebuilding"
    inst.updated_at = mig.created_at
    mig.next_at = mig.created_at + cloud.timing["schedule"]
    if version < (2, 14):
        return 200, {"adminPass": password}
    return 200, None


# -- power --------------------------------------------------------------------------
def stop(cloud, inst, body, version):
    _require_state(inst, "stop", ("active", "error"))
    now = cloud.now()
    inst.task_state = "powering-off"
    inst.pending_power = ("stopped", now + cloud.timing["power"])
    return 202, None


def start(cloud, inst, body, version):
    _require_state(inst, "start", ("stopped",))
    now = cloud.now()
    inst.task_state = "powering-on"
    inst.pending_power = ("active", now + cloud.timing["power"])
    return 202, None


SERVER_ACTIONS = {
    "os-migrateLive": live_migrate,
    "migrate": cold_migrate,
    "confirmResize": confirm_resize,
    "revertResize": revert_resize,
    "evacuate": evacuate,
    "os-stop": stop,
    "os-start": start,
}


# -- server migrations --------------------------------------------------------------
def migration_of(cloud, inst, migration_id, status=404):
    """The migration `migration_id` of `inst`, or ApiError(status)."""
    for mig in cloud.migrations_of(inst.uuid):
        if str(mig.id) == str(migration_id):
            return mig
    raise ApiError(status, "Migration %s not found for instance %s" % (
        migration_id, inst.uuid))


def force_complete(cloud, inst, migration_id):
    """POST .../migrations/{id}/action force_complete: 202."""
    _require_state(inst, "force_complete", ("active",), ("migrating",))
    mig = migration_of(cloud, inst, migration_id, status=400)
    if mig.status != "running":
        raise ApiError(400, "Migration %s state of instance %s is %s. Cannot "
                       "force complete while the migration is in this "
                       "state." % (mig.id, inst.uuid, mig.status))
    engine.force_complete(cloud, mig, inst)


def abort(cloud, inst, migration_id, version):
    """DELETE .../migrations/{id}: 202; queued ones too from 2.65."""
    if inst.task_state != "migrating":
        _invalid_state(inst, "abort live migration", "task_state")
    mig = migration_of(cloud, inst, migration_id)
    allowed = ["running"]
    if version >= (2, 65):
        allowed += ["queued", "preparing"]
    if mig.migration_type != "live-migration" or mig.status not in allowed:
        raise ApiError(400, "Migration %s state of instance %s is %s. Cannot "
                       "abort live migration while the migration is in this "
                       "state." % (mig.id, inst.uuid, mig.status))
    engine.request_abort(cloud, mig)


# -- services -------------------------------------------------------------------------
def update_service(cloud, service_id, body):
    """PUT /os-services/{uuid} (2.53+) with nova's rules."""
    if not is_uuid_like(service_id):
        raise ApiError(400, "Invalid uuid %s" % service_id)
    service = next((s for s in cloud.services if s.uuid == service_id), None)
    if service is None:
        raise ApiError(404, "Service %s could not be found." % service_id)
    if service.binary != "nova-compute":
        raise ApiError(400, "Updating a %s service is not supported. Only "
                       "nova-compute services can be updated."
                       % service.binary)
    before = (service.disabled, service.disabled_reason, service.forced_down)
    disabled, reason, forced = before
    if "status" in body:
        if body["status"] == "enabled":
            if body.get("disabled_reason"):
                raise ApiError(400, "Specifying 'disabled_reason' with status "
                               "'enabled' is invalid.")
            disabled, reason = False, None
        else:
            disabled, reason = True, body.get("disabled_reason")
    if "forced_down" in body:
        forced = to_bool(body["forced_down"])
        if not forced:
            _refuse_force_up_with_done_evacuations(cloud, service.host)
    if "status" not in body and "forced_down" not in body:
        raise ApiError(400, "No updates were requested. Fields 'status' or "
                       "'forced_down' should be specified.")
    service.disabled, service.disabled_reason = disabled, reason
    service.forced_down = forced
    service.updated_at = cloud.now()
    return service


def _refuse_force_up_with_done_evacuations(cloud, host):
    for mig in cloud.migrations:
        if (mig.migration_type == "evacuation" and mig.status == "done"
                and mig.source_compute == host):
            raise ApiError(400, "Unable to force up host %s as `done` "
                           "evacuation migration records remain associated "
                           "with the host. Ensure the compute service has "
                           "been restarted, allowing these records to move to "
                           "`completed` before retrying this request." % host)


def legacy_service_action(cloud, action, body, version):
    """PUT /os-services/{enable,disable,disable-log-reason,force-down}."""
    host, binary = body["host"], body["binary"]
    service = next((s for s in cloud.services
                    if s.host == host and s.binary == binary), None)
    if service is None:
        raise ApiError(404, "Service %s on host %s could not be found."
                       % (binary, host))
    result = {"host": host, "binary": binary}
    if action == "enable":
        service.disabled, service.disabled_reason = False, None
        result["status"] = "enabled"
    elif action == "disable":
        service.disabled, service.disabled_reason = True, None
        result["status"] = "disabled"
    elif action == "disable-log-reason":
        if not body.get("disabled_reason"):
            raise ApiError(400, "Missing disabled reason field")
        service.disabled = True
        service.disabled_reason = body["disabled_reason"]
        result.update(status="disabled",
                      disabled_reason=service.disabled_reason)
    elif action == "force-down" and version >= (2, 11):
        if "forced_down" not in body:
            raise ApiError(400, "Missing forced_down field")
        forced = to_bool(body["forced_down"])
        if not forced:
            _refuse_force_up_with_done_evacuations(cloud, host)
        service.forced_down = forced
        result["forced_down"] = forced
    else:
        raise ApiError(404, "Unknown action")
    service.updated_at = cloud.now()
    return {"service": result}
