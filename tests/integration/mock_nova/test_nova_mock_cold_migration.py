"""Cold migration: VERIFY_RESIZE, then confirm or revert."""

import openstack
import pytest

from nova_mock_helpers import wait_until


def _allocations(mock):
    return mock.control.state()["allocations"]


def _wait_status(mock, server_id, status):
    def _server_in_status():
        server = mock.conn.compute.get_server(server_id)
        return server if server.status == status else None
    return wait_until(_server_in_status)


def test_cold_migrate_and_confirm_keeps_shutoff(mock):
    conn = mock.conn
    server = mock.server_named("batch-1")
    conn.compute.migrate_server(server)
    server = _wait_status(mock, server.id, "VERIFY_RESIZE")
    assert server.vm_state == "resized"
    assert server.compute_host != "compute-0"      # nova: already on target
    mig = mock.last_migration("batch-1")
    assert mig["status"] == "finished" and mig["migration_type"] == \
        "migration"
    allocations = _allocations(mock)
    assert list(allocations[mig["uuid"]]) == ["compute-0"]
    assert list(allocations[server.id]) == [server.compute_host]
    conn.compute.confirm_server_resize(server)
    server = _wait_status(mock, server.id, "SHUTOFF")
    assert mock.wait_migration("batch-1", ("confirmed",))
    assert mig["uuid"] not in _allocations(mock)
    (listed,) = conn.compute.migrations(server_id=server.id,
                                        migration_type="migration")
    assert listed.status == "confirmed"


def test_cold_migrate_active_to_named_host_and_confirm(mock):
    conn = mock.conn
    server = mock.server_named("gpu-1")          # PCI: cold is the way
    conn.compute.migrate_server(server, host="compute-2")
    server = _wait_status(mock, server.id, "VERIFY_RESIZE")
    assert server.compute_host == "compute-2"
    conn.compute.confirm_server_resize(server)
    server = _wait_status(mock, server.id, "ACTIVE")
    assert server.compute_host == "compute-2" and server.power_state == 1


def test_cold_migrate_and_revert_goes_back(mock):
    conn = mock.conn
    server = mock.server_named("web-1")
    conn.compute.migrate_server(server, host="compute-1")
    _wait_status(mock, server.id, "VERIFY_RESIZE")
    conn.compute.revert_server_resize(server)
    server = _wait_status(mock, server.id, "ACTIVE")
    assert server.compute_host == "compute-0"
    assert mock.wait_migration("web-1", ("reverted",))
    assert list(_allocations(mock)[server.id]) == ["compute-0"]
    assert "web-1" not in mock.control.host("compute-1")["instances"]


def test_confirm_without_resize_is_refused(mock):
    server = mock.server_named("web-1")
    with pytest.raises(openstack.exceptions.ConflictException):
        mock.conn.compute.confirm_server_resize(server)


def test_cold_migrate_without_room_ends_in_error(start_mock):
    def fill(scenario):
        for host in scenario["hosts"][1:]:
            host["memory_mb"] = 4096 + 1024
    mock = start_mock(mutate=fill)
    server = mock.server_named("batch-1")
    mock.conn.compute.migrate_server(server)
    mig = mock.wait_migration("batch-1", ("error", "finished"))
    assert mig["status"] == "error"
    server = mock.conn.compute.get_server(server.id)
    assert server.status == "SHUTOFF" and server.compute_host == "compute-0"


def test_cold_migrate_from_down_host_is_conflict(mock):
    mock.control.host_down("compute-0")
    with pytest.raises(openstack.exceptions.ConflictException):
        mock.conn.compute.migrate_server(mock.server_named("web-1"))


def test_cold_migrate_to_same_or_unknown_host(mock):
    server = mock.server_named("web-1")
    for host in ("compute-0", "compute-9"):
        with pytest.raises(openstack.exceptions.BadRequestException):
            mock.conn.compute.migrate_server(server, host=host)


def test_stop_and_start(mock):
    conn = mock.conn
    server = mock.server_named("web-2")
    conn.compute.stop_server(server)
    _wait_status(mock, server.id, "SHUTOFF")
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.stop_server(server)
    conn.compute.start_server(server)
    assert _wait_status(mock, server.id, "ACTIVE").power_state == 1


# -- downtime: a cold migration powers the guest off (nova's compute manager:
# resize_instance -> driver.migrate_disk_and_power_off on the source,
# _finish_resize -> driver.finish_migration(power_on=...) on the target) ------
def _event(mock, name):
    (event,) = mock.control.downtime(name)
    return event


def test_cold_migration_of_active_guest_is_downtime(frozen):
    conn, control = frozen.conn, frozen.control
    server = frozen.server_named("web-1")
    t0 = control.state()["time"]
    conn.compute.migrate_server(server, host="compute-1")
    control.advance(1.0)                     # scheduled, still running
    assert control.instance("web-1")["guest_running"] is True
    assert control.downtime("web-1") == []
    control.advance(1.0)                     # migrating: powered off
    server = conn.compute.get_server(server.id)
    assert (server.status, server.task_state) == ("RESIZE",
                                                  "resize_migrating")
    # nova's DB power_state is not refreshed while a task is pending
    # (_sync_instance_power_state skips it): the API still says RUNNING
    assert server.power_state == 1
    assert control.instance("web-1")["guest_running"] is False
    event = _event(frozen, "web-1")
    assert event["kind"] == "cold_migration" and event["end"] is None
    assert (event["source"], event["target"]) == ("compute-0", "compute-1")
    assert event["migration_id"] == frozen.last_migration("web-1")["id"]
    assert control.downtime() == {"events": 1, "open": 1, "seconds": 0.0,
                                  "by_kind": {"cold_migration": 1}}
    control.advance(1.0)                     # post-migrating: still off
    assert _event(frozen, "web-1")["end"] is None
    control.advance(1.0)                     # finished: on again on target
    server = conn.compute.get_server(server.id)
    assert server.status == "VERIFY_RESIZE" and server.power_state == 1
    assert server.compute_host == "compute-1"
    assert control.instance("web-1")["guest_running"] is True
    event = _event(frozen, "web-1")
    assert event["start"] == pytest.approx(t0 + 1.5)
    assert event["end"] == pytest.approx(t0 + 3.5)
    assert event["seconds"] == pytest.approx(2.0)   # migrating + post
    conn.compute.confirm_server_resize(server)
    control.advance(1.0)
    server = conn.compute.get_server(server.id)
    assert server.status == "ACTIVE" and server.power_state == 1
    summary = control.downtime()
    assert (summary["events"], summary["open"]) == (1, 0)
    assert summary["seconds"] == pytest.approx(2.0)


def test_cold_migration_of_shutoff_guest_is_no_downtime(frozen):
    conn, control = frozen.conn, frozen.control
    server = frozen.server_named("batch-1")
    conn.compute.migrate_server(server)
    control.advance(2.0)
    server = conn.compute.get_server(server.id)
    assert server.status == "RESIZE" and server.power_state == 4
    control.advance(2.0)
    server = conn.compute.get_server(server.id)
    assert server.status == "VERIFY_RESIZE" and server.power_state == 4
    conn.compute.confirm_server_resize(server)
    control.advance(1.0)
    server = conn.compute.get_server(server.id)
    assert server.status == "SHUTOFF" and server.power_state == 4
    assert control.instance("batch-1")["guest_running"] is False
    assert control.downtime("batch-1") == []
    assert control.downtime()["events"] == 0


def test_revert_resize_is_downtime_too(frozen):
    conn, control = frozen.conn, frozen.control
    server = frozen.server_named("web-2")
    conn.compute.migrate_server(server, host="compute-2")
    control.advance(4.0)
    conn.compute.revert_server_resize(server)   # guest destroyed on target
    assert control.instance("web-2")["guest_running"] is False
    control.advance(1.0)                         # revert: 1 s
    server = conn.compute.get_server(server.id)
    assert server.status == "ACTIVE" and server.compute_host == "compute-0"
    cold, revert = control.downtime("web-2")
    assert cold["kind"] == "cold_migration"
    assert revert["kind"] == "revert_resize"
    assert (revert["source"], revert["target"]) == ("compute-2", "compute-0")
    assert revert["seconds"] == pytest.approx(1.0)
    assert control.downtime()["by_kind"] == {"cold_migration": 1,
                                             "revert_resize": 1}
