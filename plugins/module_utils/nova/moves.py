# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova, carry out: move one instance for the drain runner (live migration, cold migration confirmed once, or
evacuation from a host whose compute service is down)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import SDK_ERRORS, describe_sdk_error, is_transient
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.gather import NOVA_METHODS, NovaCluster
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import DEFAULT_WINDOW_SECONDS

LIVE_DONE = ("completed", "done", "finished", "confirmed")
LIVE_FAILED = ("error", "failed", "cancelled", "aborted")
MIGRATION_KINDS = {"live": "live-migration", "move": "migration", "failover": "evacuation"}
UNDER_WAY = ("MIGRATING", "RESIZE", "VERIFY_RESIZE", "REBUILD")


class NovaMoveAdapter(MoveAdapter):
    """Moves one instance: live migration, cold migration with confirm, or evacuation.

    Rides through the outages nova.base.is_transient names, for retry_seconds (default: the module's
    option, which OpenStackModule leaves on the connection).
    """

    methods = NOVA_METHODS

    def __init__(self, conn, servers_by_name, retry_seconds=None):
        self.conn = conn
        self.servers = servers_by_name
        if retry_seconds is None:
            retry_seconds = getattr(conn, "vmfleet_retry_seconds", DEFAULT_WINDOW_SECONDS)
        self.retry_seconds = retry_seconds
        self._known_migrations = {}

    def is_transient(self, error):
        return is_transient(error)

    def describe_error(self, error):
        if isinstance(error, SDK_ERRORS):
            return describe_sdk_error(error)
        return super(NovaMoveAdapter, self).describe_error(error)

    def start(self, move, method):
        server = self.servers[move["vm"]]
        target = move["target"]
        compute = self.conn.compute
        key = (move["vm"], method)
        if method in MIGRATION_KINDS:
            # what started() and poll() compare with: records of earlier attempts are never this one's
            self._known_migrations[key] = set(m.id for m in self._migrations(server, method))
        if method == "live":
            if (server.vm_state or "").lower() not in ("active", "paused"):
                raise MoveRefused("%s is %s: nova live-migrates active instances only" % (move["vm"], server.status))
            _call(compute.live_migrate_server, server, host=target, block_migration="auto")
        elif method == "move":
            try:
                _call(compute.migrate_server, server, host=target)
            except ValueError as error:  # openstacksdk: the cloud is older than 2.56, which takes a host
                raise MoveRefused("this cloud's compute API cannot cold-migrate to a chosen host: %s (needs "
                                  "microversion 2.56, nova 17.0 Queens)" % error)
        elif method == "failover":
            service = NovaCluster(self.conn).service(move["source"])
            if service is not None and service.state != "down" and not service.is_forced_down:
                raise MoveRefused("cannot evacuate %s: compute service of %s is still up; mark it "
                                  "forced_down first (nova_compute_service forced_down=true)"
                                  % (move["vm"], move["source"]))
            _call(compute.evacuate_server, server, host=target)
        else:
            raise MoveRefused("nova has no %s migration" % method)
        return _handle(server, move, method, self._known_migrations.get(key))

    def _confirm_once(self, handle, server):
        """Confirm the resize once. nova's confirm is a cast: the instance stays VERIFY_RESIZE until the source
        compute finishes, and another confirm meanwhile gets 400 'Instance has not been resized.'"""
        if handle["confirmed"]:
            return MoveStatus(RUNNING, progress="confirming", copying=False)
        try:
            _call(self.conn.compute.confirm_server_resize, server)
        except MoveRefused as refused:
            if refused.status_code == 409:  # a task state in the way: confirm at the next poll
                return MoveStatus(RUNNING, progress="waiting to confirm", copying=False)
            # 400: nothing left to confirm (someone confirmed it); the instance settles on its own
        handle["confirmed"] = True
        return MoveStatus(RUNNING, progress="confirming", copying=False)

    def _power_on_again(self, handle, server):
        """From microversion 2.95 nova leaves an evacuated instance SHUTOFF on its new host: start the ones
        that ran before (once), and report the move done when the instance is ACTIVE again."""
        if server.status == "ACTIVE" or not handle["was_running"]:
            return MoveStatus(DONE, host=server.compute_host)
        if server.status == "SHUTOFF" and not server.task_state and not handle["powering_on"]:
            try:
                _call(self.conn.compute.start_server, server)
                handle["powering_on"] = True
            except MoveRefused as refused:
                if refused.status_code != 409:
                    return MoveStatus(FAILED, host=server.compute_host, detail=(
                        "evacuated to %s but nova refused to start it again: %s" % (server.compute_host, refused)))
        if server.status == "ERROR":
            return MoveStatus(FAILED, host=server.compute_host,
                              detail="evacuated to %s but the instance went to ERROR" % server.compute_host)
        return MoveStatus(RUNNING, progress="starting after evacuation", copying=False)

    def started(self, move, method):
        """A handle when nova shows this move begun: a migration record that was not there before start(), the
        instance busy moving, or already on the target; None when the request never reached nova."""
        server = self.servers[move["vm"]]
        current = self.conn.compute.get_server(server.id)
        records = self._migrations(server, method)
        known = self._known_migrations.get((move["vm"], method))
        if known is not None:
            fresh = [m for m in records if m.id not in known]
        else:
            fresh = [m for m in records if (m.status or "").lower() not in LIVE_DONE + LIVE_FAILED]
        moving = bool(current.task_state) or current.status in UNDER_WAY
        arrived = current.compute_host == move["target"] and current.compute_host != move["source"]
        if not (fresh or moving or arrived):
            return None
        handle = _handle(server, move, method, known)
        if fresh:
            handle["migration"] = max(fresh, key=lambda m: (m.created_at or "", m.id)).id
        return handle

    def _migrations(self, server, method):
        """The instance's migration records of the method's kind (live-migration, migration, evacuation)."""
        kind = MIGRATION_KINDS[method]
        return [m for m in self.conn.compute.migrations(instance_uuid=server.id)
                if (m.migration_type or kind) == kind]

    def poll(self, handle):
        server = self.conn.compute.get_server(handle["server"].id)
        migration = self._migration(handle)
        status = (migration.status if migration is not None else "").lower()
        if status in LIVE_FAILED:
            error = _migration_error(migration)
            refused = _scheduling_failed(handle, migration, server)
            return MoveStatus(FAILED, detail="%s migration %s: %s" % (handle["method"], status, error),
                              host=server.compute_host, target_refused=refused)
        if handle["method"] == "move":
            if server.status == "VERIFY_RESIZE":
                return self._confirm_once(handle, server)
            if server.status == "ERROR":
                return MoveStatus(FAILED, detail="instance went to ERROR", host=server.compute_host)
        settled = not server.task_state and server.status not in ("MIGRATING", "RESIZE", "VERIFY_RESIZE", "REBUILD")
        if settled and server.compute_host == handle["target"] and (migration is None or status in LIVE_DONE
                                                                    or handle["method"] != "live"):
            if handle["method"] == "failover":
                return self._power_on_again(handle, server)
            return MoveStatus(DONE, host=server.compute_host)
        if settled and server.compute_host == handle["source"] and status in LIVE_DONE + ("",):
            if migration is not None:
                return MoveStatus(FAILED, detail="instance is still on %s after the migration ended"
                                  % handle["source"], host=server.compute_host)
        progress = getattr(migration, "memory_remaining_bytes", None) if migration is not None else None
        total = getattr(migration, "memory_total_bytes", None) if migration is not None else None
        percent = int(100 * (1 - float(progress) / total)) if progress is not None and total else None
        return MoveStatus(RUNNING, progress=progress if progress is not None else status, percent=percent,
                          detail=status, copying=handle["method"] == "live" and status == "running")

    def _migration(self, handle):
        """The migration record of this move: live from the server, others from os-migrations."""
        server = handle["server"]
        if handle["migration"] is not None and handle["method"] == "live":
            found = _in_progress(self.conn, handle["migration"], server)
            if found is not None:
                return found
        records = [m for m in self._migrations(server, handle["method"]) if m.id not in handle["known"]]
        if not records:
            return None
        newest = max(records, key=lambda m: (m.created_at or "", m.id))
        handle["migration"] = newest.id
        return newest

    def abort(self, handle):
        if handle["migration"] is not None:
            _tolerate_race(self.conn.compute.abort_server_migration, handle["migration"], handle["server"],
                           ignore_missing=True)

    def force_complete(self, handle):
        if handle["migration"] is not None:
            _tolerate_race(self.conn.compute.force_complete_server_migration, handle["migration"], handle["server"])


def _handle(server, move, method, known=None):
    """What poll() follows: the instance, the method, the hosts, the migration record once found, and the
    records of earlier moves (never taken for this one's)."""
    return {"server": server, "method": method, "target": move["target"], "source": move["source"],
            "migration": None, "confirmed": False, "known": known or set(),
            "was_running": (server.vm_state or "").lower() == "active", "powering_on": False}


def _in_progress(conn, migration_id, server):
    """The live migration from the server's in-progress list; None once nova stops listing it (404)."""
    from openstack import exceptions as sdk_exceptions  # pylint: disable=import-outside-toplevel
    try:
        return conn.compute.get_server_migration(migration_id, server, ignore_missing=True)
    except sdk_exceptions.NotFoundException:
        return None


def _migration_error(migration):
    return getattr(migration, "error", None) or "see nova-compute logs on both hosts"


def _tolerate_race(function, *args, **kwargs):
    """Abort and force-complete may find the migration already finished (nova answers 400): fine."""
    try:
        _call(function, *args, **kwargs)
    except MoveRefused:
        pass


def _call(function, *args, **kwargs):
    """Call the SDK; a 400/409 refusal becomes MoveRefused so the runner tries the next method."""
    from openstack import exceptions as sdk_exceptions  # pylint: disable=import-outside-toplevel
    try:
        return function(*args, **kwargs)
    except sdk_exceptions.HttpException as error:
        status = getattr(error, "status_code", None)
        if status in (400, 409):
            raise MoveRefused(str(error), status_code=status, target_refused=_scheduler_refused(str(error)))
        raise


def _scheduling_failed(handle, migration, server):
    """True when nova's scheduler found no host for the move, rather than the move failing on the way: a cold
    migration is a cast since Ussuri, and its record ends 'error' before any destination was chosen
    (conductor MigrationTask); an evacuation nova could not schedule ends 'error' with the instance still on
    its source (conductor rebuild_instance)."""
    if _scheduler_refused(getattr(migration, "error", None)):
        return True
    if (migration.status or "").lower() != "error" or server.compute_host != handle["source"]:
        return False
    return handle["method"] == "failover" or (handle["method"] == "move" and not migration.dest_compute)


def _scheduler_refused(text):
    """True when nova's scheduler refused the destination (NoValidHost and its kin), not the request."""
    text = (text or "").lower()
    return "no valid host" in text or "novalidhost" in text or "unable to migrate" in text
