"""Simulated time at work: migrations, power actions, hosts coming back.

`advance` replays every step due up to now, in time order; the API calls it
before reading or changing anything, so nothing runs in the background.
"""

import math

from . import scheduler

_MIB = 1024 * 1024
_POWER = {"active": 1, "stopped": 4, "paused": 3, "error": 0, "resized": 1}
_NOSTATE = 0
_LIVE_ACTIVE = ("preparing", "running", "post-migrating")


# -- guest downtime (the hypervisor's view) -----------------------------------
def guest_stops(inst, kind, t, mig=None, source=None, target=None):
    """A running guest goes off because of a move or a reboot: open an event.

    One event at a time: a guest already down keeps its open event.
    """
    if not inst.guest_running:
        return
    inst.guest_running = False
    if mig is not None:
        source = source or mig.source_compute
        target = target or mig.dest_compute
    inst.downtime.append({
        "kind": kind, "start": t, "end": None, "seconds": None,
        "migration_id": mig.id if mig is not None else None,
        "source": source or inst.host, "target": target})


def guest_starts(inst, t):
    """The guest runs again: close the open downtime event, if any."""
    inst.guest_running = True
    event = inst.open_downtime
    if event is not None:
        event["end"] = t
        event["seconds"] = round(t - event["start"], 6)
        if event["target"] is None:
            event["target"] = inst.host


def guest_powered(inst, vm_state, t):
    """os-stop / os-start (and nova's own stop after a 2.95 evacuation)."""
    if vm_state == "active":
        guest_starts(inst, t)
    else:
        inst.guest_running = False


# -- placement claims ---------------------------------------------------------
def claim_move(cloud, mig, inst, dest):
    """Source stays claimed by the migration, the target by the instance."""
    cloud.placement.move(inst.uuid, mig.uuid, inst.project_id, inst.user_id)
    cloud.placement.allocate(inst.uuid, dest, inst.flavor.resources(),
                             inst.project_id, inst.user_id)
    mig.dest_compute = dest.name
    mig.claimed = True


def _rollback_claim(cloud, mig, inst):
    if mig.claimed:
        cloud.placement.release(inst.uuid)
        cloud.placement.move(mig.uuid, inst.uuid, inst.project_id,
                             inst.user_id)
        mig.claimed = False


def _set(mig, status, t, next_at=None):
    mig.status = status
    mig.updated_at = t
    mig.next_at = next_at


def fail_move(cloud, mig, inst, t, reason):
    """The move failed: the instance stays where it was, as it was."""
    _rollback_claim(cloud, mig, inst)
    mig.error = reason
    mig.abort_at = None
    _set(mig, "error", t)
    inst.task_state = None
    inst.updated_at = t


def _take_fault(cloud, inst, phase):
    """Consume an injected `migration_fail` fault for this instance/phase."""
    for fault in cloud.faults:
        if (fault.get("kind") == "migration_fail"
                and fault.get("instance") in (inst.name, inst.uuid)
                and fault.get("phase", "running") == phase
                and fault.get("count", 1) > 0):
            fault["count"] = fault.get("count", 1) - 1
            return fault.get("reason", "injected failure at %s" % phase)
    return None


# -- live migration -------------------------------------------------------------
def live_precheck(cloud, mig, inst):
    """Conductor's pre-checks; returns the destination or raises NoDestination."""
    if not cloud.host_is_up(inst.host):
        raise scheduler.NoDestination(
            "Compute service of %s is unavailable at this time." % inst.host)
    alias = inst.flavor.extra_specs.get("pci_passthrough:alias")
    if alias:
        raise scheduler.NoDestination(
            "Migration pre-check error: instance %s uses PCI passthrough "
            "devices (pci_passthrough:alias=%s); live migration of PCI "
            "devices is not supported" % (inst.uuid, alias))
    if mig.forced_host:
        dest = scheduler.check_forced(cloud, inst, mig.requested_host,
                                      "Migration pre-check error")
        # no scheduler, but the destination's check_can_live_migrate_
        # destination still runs the compute's group policy check
        reason = scheduler.late_group_check(cloud, inst, dest.name)
        if reason:
            raise scheduler.NoDestination(
                "Migration pre-check error: Failed to validate instance "
                "group policy due to: %s" % reason)
        return dest
    # the conductor retries the next host when the destination's pre-check
    # (group policy included) fails
    return scheduler.select(cloud, inst, mig.requested_host, late_check=True)


def _bandwidth(cloud):
    return max(1.0, float(cloud.migration_cfg["bandwidth_mb_s"])) * _MIB


def _memory_at(cloud, mig, inst, t):
    """(processed, remaining) memory bytes of a running live migration."""
    elapsed = max(0.0, t - mig.mark_time)
    moved = _bandwidth(cloud) * elapsed
    processed = int(mig.mark_processed + moved)
    if inst.dirty and not mig.force_completed:
        floor = mig.memory_total_bytes * float(
            cloud.migration_cfg["dirty_floor_percent"]) / 100.0
        floor = min(floor, mig.mark_remaining)
        remaining = int(max(floor, mig.mark_remaining - moved))
    else:
        remaining = int(max(0.0, mig.mark_remaining - moved))
    return processed, remaining


def _remark(cloud, mig, inst, t):
    """Re-base the memory counters at `t` and reschedule the copy's end."""
    if mig.status != "running":
        return
    mig.memory_processed_bytes, mig.memory_remaining_bytes = _memory_at(
        cloud, mig, inst, t)
    mig.mark_time = t
    mig.mark_processed = mig.memory_processed_bytes
    mig.mark_remaining = mig.memory_remaining_bytes
    if inst.dirty and not mig.force_completed:
        mig.next_at = None
    else:
        mig.next_at = t + mig.mark_remaining / _bandwidth(cloud)


def _step_live(cloud, mig, inst, t):
    if mig.abort_at is not None and mig.abort_at <= t:
        _rollback_claim(cloud, mig, inst)
        mig.abort_at = None
        _set(mig, "cancelled", t)
        inst.task_state = None
        inst.updated_at = t
        return
    timing = cloud.timing
    if mig.status == "accepted":
        if not mig.sync_checked:
            try:
                dest = live_precheck(cloud, mig, inst)
            except scheduler.NoDestination as exc:
                fail_move(cloud, mig, inst, t, str(exc))
                return
            claim_move(cloud, mig, inst, dest)
        _set(mig, "queued", t, t + timing["queued"])
    elif mig.status == "queued":
        reason = _take_fault(cloud, inst, "preparing")
        if reason:
            fail_move(cloud, mig, inst, t, reason)
            return
        _set(mig, "preparing", t, t + timing["preparing"])
    elif mig.status == "preparing":
        reason = _take_fault(cloud, inst, "running")
        if reason:
            fail_move(cloud, mig, inst, t, reason)
            return
        total = inst.flavor.ram * _MIB
        mig.memory_total_bytes = total
        mig.memory_processed_bytes = 0
        mig.memory_remaining_bytes = total
        mig.mark_time, mig.mark_processed, mig.mark_remaining = t, 0, total
        _set(mig, "running", t)
        _remark(cloud, mig, inst, t)
    elif mig.status == "running":
        mig.memory_processed_bytes = _memory_at(cloud, mig, inst, t)[0]
        mig.memory_processed_bytes = max(mig.memory_processed_bytes,
                                         mig.memory_total_bytes)
        mig.memory_remaining_bytes = 0
        _set(mig, "post-migrating", t, t + timing["post_migrating"] / 2.0)
    elif mig.status == "post-migrating" and not mig.host_switched:
        # nova moves the instance before it marks the migration completed
        inst.host = mig.dest_compute
        inst.task_state = None
        inst.updated_at = t
        mig.host_switched = True
        mig.next_at = t + timing["post_migrating"] / 2.0
    elif mig.status == "post-migrating":
        cloud.placement.release(mig.uuid)
        mig.claimed = False
        _set(mig, "completed", t)


# -- cold migration -------------------------------------------------------------
_COLD_STEPS = [("migrating", "resize_migrating"),
               ("post-migrating", "resize_migrated")]


def _step_cold(cloud, mig, inst, t):
    timing = cloud.timing
    if mig.status == "pre-migrating" and not mig.scheduled:
        try:
            # prep_resize on the destination re-checks the group policy;
            # a refusal reschedules to an alternate host
            dest = scheduler.select(cloud, inst, mig.requested_host,
                                    late_check=True)
        except scheduler.NoDestination as exc:
            # conductor _cold_migrate: NoValidHost(reason="No valid host
            # found for cold migrate"); MigrationTask.rollback: 'error'
            fail_move(cloud, mig, inst, t,
                      "No valid host was found. No valid host found for "
                      "cold migrate [%s]" % exc)
            return
        claim_move(cloud, mig, inst, dest)
        mig.scheduled = True
        mig.next_at = t + timing["cold_phase"]
        mig.updated_at = t
    elif mig.phase < len(_COLD_STEPS):
        status, task = _COLD_STEPS[mig.phase]
        mig.phase += 1
        inst.task_state = task
        inst.updated_at = t
        if status == "migrating":
            # resize_instance -> driver.migrate_disk_and_power_off on the
            # source. nova's DB power_state is left as it was: the power
            # sync skips instances with a task_state.
            guest_stops(inst, "cold_migration", t, mig)
        _set(mig, status, t, t + timing["cold_phase"])
    elif mig.status == "post-migrating":
        inst.host = mig.dest_compute
        inst.vm_state = "resized"
        inst.power_state = _POWER[mig.original_vm_state]
        inst.task_state = None
        inst.updated_at = t
        # _finish_resize: driver.finish_migration(power_on=old_vm_state !=
        # STOPPED) on the destination
        if mig.original_vm_state != "stopped":
            guest_starts(inst, t)
        _set(mig, "finished", t)
    elif mig.status == "confirming":
        cloud.placement.release(mig.uuid)
        mig.claimed = False
        inst.vm_state = mig.original_vm_state
        inst.power_state = _POWER[inst.vm_state]
        inst.updated_at = t
        _set(mig, "confirmed", t)
    elif mig.status == "reverting":
        _rollback_claim(cloud, mig, inst)
        inst.host = mig.source_compute
        inst.vm_state = mig.original_vm_state
        inst.power_state = _POWER[inst.vm_state]
        inst.task_state = None
        inst.updated_at = t
        # _finish_revert_resize: finish_revert_migration(power_on=
        # old_vm_state != STOPPED) on the source
        if mig.original_vm_state != "stopped":
            guest_starts(inst, t)
        _set(mig, "reverted", t)


# -- evacuation -----------------------------------------------------------------
def _step_evacuation(cloud, mig, inst, t):
    if mig.status == "accepted":
        if mig.forced_host:
            try:
                dest = scheduler.check_forced(cloud, inst, mig.requested_host,
                                              "Evacuate")
            except scheduler.NoDestination as exc:
                # _allocate_for_evacuate_dest_host: migration 'error',
                # vm_state kept, task_state None
                mig.error = str(exc)
                _set(mig, "error", t)
                inst.task_state = None
                inst.updated_at = t
                return
        else:
            try:
                dest = scheduler.select(cloud, inst, mig.requested_host)
            except scheduler.NoDestination as exc:
                # conductor rebuild_instance: migration 'error', then
                # _set_vm_state_and_notify(vm_state ERROR, task_state None)
                # with an instance fault
                mig.error = str(exc)
                _set(mig, "error", t)
                inst.vm_state, inst.task_state = "error", None
                inst.fault = {"code": 500, "created": cloud.clock.isotime(t),
                              "message": scheduler.NO_VALID_HOST,
                              "details": str(exc)}
                inst.updated_at = t
                return
        reason = scheduler.late_group_check(cloud, inst, dest.name)
        if reason:
            # compute rebuild_instance: the late group check fails before
            # the guest is touched: migration 'failed', vm_state kept
            mig.error = reason
            _set(mig, "failed", t)
            inst.task_state = None
            inst.updated_at = t
            return
        # the source keeps its claim until its compute service restarts
        cloud.placement.allocate(inst.uuid, dest, inst.flavor.resources(),
                                 inst.project_id, inst.user_id)
        mig.dest_compute = dest.name
        inst.host = dest.name
        inst.task_state = "rebuild_spawning"
        # _do_rebuild_instance reads the power state on the destination,
        # where the guest does not exist yet: NOSTATE
        inst.power_state = _NOSTATE
        inst.updated_at = t
        guest_stops(inst, "evacuate", t, mig)
        _set(mig, "pre-migrating", t, t + cloud.timing["evacuate"])
    elif mig.status == "pre-migrating":
        inst.vm_state = mig.target_vm_state
        inst.power_state = _POWER[inst.vm_state]
        inst.task_state = None
        inst.updated_at = t
        guest_powered(inst, inst.vm_state, t)
        _set(mig, "done", t)


_STEPS = {"live-migration": _step_live, "migration": _step_cold,
          "evacuation": _step_evacuation}


# -- hosts ----------------------------------------------------------------------
def host_down(cloud, host, t, reboot_seconds=None):
    """The compute host stops heartbeating (optionally: a reboot)."""
    if host.alive:
        host.alive = False
        host.down_since = t
    if reboot_seconds is not None:
        host.rebooting = True
        host.up_at = t + float(reboot_seconds)
        for inst in cloud.instances.values():
            if inst.host == host.name:
                guest_stops(inst, "host_reboot", t)
    for mig in cloud.migrations:
        inst = cloud.instances[mig.instance_uuid]
        if (mig.migration_type == "live-migration"
                and mig.dest_compute == host.name
                and mig.source_compute != host.name
                and mig.status in ("accepted", "queued", "preparing",
                                   "running", "post-migrating")
                and not mig.host_switched):
            fail_move(cloud, mig, inst, t,
                      "destination %s went down" % host.name)


def host_up(cloud, host, t):
    """nova-compute starts again: nova's init_host clean-ups run."""
    rebooted = host.rebooting
    host.alive, host.down_since, host.up_at = True, None, None
    host.rebooting = False
    for mig in cloud.migrations:
        inst = cloud.instances[mig.instance_uuid]
        if mig.source_compute != host.name:
            continue
        if mig.migration_type == "evacuation" and mig.status == "done":
            cloud.placement.release(inst.uuid, host)
            _set(mig, "completed", t)
        elif (mig.migration_type == "live-migration"
              and mig.status in ("accepted", "queued", "preparing",
                                 "running", "post-migrating")
              and not mig.host_switched):
            fail_move(cloud, mig, inst, t,
                      "source %s restarted during the migration" % host.name)
    if rebooted:
        for inst in cloud.instances.values():
            if inst.host != host.name or inst.vm_state != "active":
                continue
            if host.resume_guests_on_boot:
                event = inst.open_downtime
                if event is not None and event["kind"] == "host_reboot":
                    guest_starts(inst, t)
            else:
                inst.vm_state, inst.power_state = "stopped", 4
                inst.updated_at = t


# -- actions called by the API --------------------------------------------------
def set_dirty(cloud, inst, dirty):
    """Mark an instance as dirtying memory faster than the copy runs."""
    now = cloud.now()
    for mig in cloud.migrations_of(inst.uuid):
        if mig.status == "running":
            _remark(cloud, mig, inst, now)
    inst.dirty = bool(dirty)
    for mig in cloud.migrations_of(inst.uuid):
        if mig.status == "running":
            _remark(cloud, mig, inst, now)


def force_complete(cloud, mig, inst):
    """Pause the guest so the copy converges."""
    now = cloud.now()
    _remark(cloud, mig, inst, now)
    mig.force_completed = True
    _remark(cloud, mig, inst, now)


def request_abort(cloud, mig):
    """Cancel soon (at once while still queued or preparing)."""
    now = cloud.now()
    delay = cloud.timing["abort"] if mig.status == "running" else 0.0
    mig.abort_at = now + delay


# -- the clock ------------------------------------------------------------------
def _runnable(cloud, mig):
    hosts = cloud.hosts
    if mig.migration_type == "live-migration":
        if not hosts[mig.source_compute].alive:
            return False
        if mig.status == "queued" and mig.abort_at is None:
            busy = sum(1 for m in cloud.migrations
                       if m.migration_type == "live-migration"
                       and m.source_compute == mig.source_compute
                       and m.status in _LIVE_ACTIVE)
            limit = hosts[mig.source_compute].max_concurrent_live_migrations
            return busy < limit
        return True
    involved = [mig.source_compute] if mig.migration_type == "migration" \
        else []
    if mig.dest_compute:
        involved.append(mig.dest_compute)
    return all(hosts[name].alive for name in involved)


def _next_event(cloud, now, floor):
    events = []
    for order, host in enumerate(cloud.hosts.values()):
        if host.up_at is not None:
            events.append((host.up_at, order, "host", host))
    for inst in cloud.instances.values():
        if inst.pending_power and cloud.hosts[inst.host].alive:
            events.append((inst.pending_power[1], 1000 + inst.index, "power",
                           inst))
    for mig in cloud.migrations:
        due = [x for x in (mig.next_at, mig.abort_at) if x is not None]
        if due and _runnable(cloud, mig):
            events.append((min(due), 10 ** 6 + mig.id, "mig", mig))
    if not events:
        return None
    when, tiebreak, kind, obj = min(events, key=lambda e: (e[0], e[1]))
    if when > now:
        return None
    return max(when, floor), kind, obj


def advance(cloud):
    """Apply everything due between the last call and now."""
    now = cloud.now()
    floor = -math.inf
    for iteration in range(100000):
        event = _next_event(cloud, now, floor)
        if event is None:
            break
        t, kind, obj = event
        floor = t
        if kind == "host":
            host_up(cloud, obj, t)
        elif kind == "power":
            target = obj.pending_power[0]
            obj.vm_state, obj.power_state = target, _POWER[target]
            obj.task_state, obj.pending_power = None, None
            obj.updated_at = t
            guest_powered(obj, target, t)
        else:
            inst = cloud.instances[obj.instance_uuid]
            _STEPS[obj.migration_type](cloud, obj, inst, t)
    for mig in cloud.migrations:
        if mig.status == "running" and mig.migration_type == "live-migration":
            inst = cloud.instances[mig.instance_uuid]
            source = cloud.hosts[mig.source_compute]
            t = now if source.alive else min(now, source.down_since)
            mig.memory_processed_bytes, mig.memory_remaining_bytes = \
                _memory_at(cloud, mig, inst, t)
