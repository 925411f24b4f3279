"""Live migration through openstacksdk: progress, capacity, dirty, refusals."""

import openstack
import pytest


BAD = openstack.exceptions.BadRequestException
MIB = 1024 * 1024


def _placement(mock, consumer):
    return mock.control.state()["allocations"].get(consumer, {})


def test_live_migration_to_named_host_completes(mock):
    conn, control = mock.conn, mock.control
    server = mock.server_named("web-1")
    conn.compute.live_migrate_server(server, host="compute-1",
                                     block_migration="auto")
    mock.wait_migration("web-1", ("completed",))
    server = conn.compute.get_server(server.id)
    assert server.compute_host == "compute-1"
    assert server.hypervisor_hostname == "compute-1"
    assert server.status == "ACTIVE" and server.task_state is None
    (mig,) = conn.compute.migrations(server_id=server.id)
    assert mig.status == "completed" and mig.migration_type == \
        "live-migration"
    assert mig.source_compute == "compute-0" and mig.dest_compute == \
        "compute-1"
    assert list(conn.compute.server_migrations(server)) == []
    assert [m.id for m in conn.compute.migrations(host="compute-1")] == \
        [mig.id]
    assert list(conn.compute.migrations(host="compute-3")) == []
    # the migration's hold on the source is gone; the instance is on target
    assert _placement(mock, mig.uuid) == {}
    assert list(_placement(mock, server.id)) == ["compute-1"]
    assert "web-1" in control.host("compute-1")["instances"]


def test_progress_states_and_double_allocation(frozen):
    conn, control = frozen.conn, frozen.control
    server = frozen.server_named("web-2")
    conn.compute.live_migrate_server(server, host="compute-2",
                                     block_migration="auto")
    assert frozen.last_migration("web-2")["status"] == "accepted"
    assert conn.compute.get_server(server.id).status == "MIGRATING"
    control.advance(0.5)
    assert frozen.last_migration("web-2")["status"] == "queued"
    control.advance(0.5)
    assert frozen.last_migration("web-2")["status"] == "preparing"
    control.advance(1.0)
    (mig,) = conn.compute.server_migrations(server)
    assert mig.status == "running"
    assert mig.memory_total_bytes == 2048 * MIB
    assert mig.memory_remaining_bytes == 2048 * MIB
    # nova holds both: migration record on the source, instance on target
    assert _placement(frozen, mig.uuid) == {
        "compute-0": {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
    assert list(_placement(frozen, server.id)) == ["compute-2"]
    control.advance(0.25)                   # 4096 MB/s * 0.25 s = 1 GiB
    mig = conn.compute.get_server_migration(mig, server)
    assert mig.memory_processed_bytes == 1024 * MIB
    assert mig.memory_remaining_bytes == 1024 * MIB
    assert conn.compute.get_server(server.id).compute_host == "compute-0"
    control.advance(0.25)
    assert frozen.last_migration("web-2")["status"] == "post-migrating"
    control.advance(0.5)       # nova moves the instance before 'completed'
    assert conn.compute.get_server(server.id).compute_host == "compute-2"
    assert frozen.last_migration("web-2")["status"] == "post-migrating"
    control.advance(0.5)
    assert frozen.last_migration("web-2")["status"] == "completed"
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.get_server_migration(mig, server, ignore_missing=False)


def test_scheduler_picks_an_enabled_host_with_room(mock):
    conn = mock.conn
    conn.compute.disable_service(
        conn.compute.find_service("nova-compute", host="compute-1"),
        disabled_reason="maintenance")
    server = mock.server_named("web-1")
    conn.compute.live_migrate_server(server, host=None,
                                     block_migration="auto")
    mig = mock.wait_migration("web-1", ("completed", "error"))
    assert mig["status"] == "completed"
    assert mig["dest_compute"] == "compute-2"   # most free RAM, enabled


def test_target_without_capacity_fails_and_instance_stays(mock):
    conn = mock.conn
    server = mock.server_named("db-1")      # 8 GiB; compute-3 has 4 GiB free
    with pytest.raises(BAD) as err:
        conn.compute.live_migrate_server(server, host="compute-3",
                                         block_migration="auto")
    assert "No valid host" in str(err.value)
    mig = mock.last_migration("db-1")
    assert mig["status"] == "error"
    server = conn.compute.get_server(server.id)
    assert server.status == "ACTIVE" and server.compute_host == "compute-0"
    assert server.task_state is None
    assert list(_placement(mock, server.id)) == ["compute-0"]
    assert _placement(mock, mig["uuid"]) == {}


def test_async_microversion_reports_failure_in_the_record(mock):
    server = mock.server_named("db-1")
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.60",
                     {"os-migrateLive": {"host": "compute-3",
                                         "block_migration": "auto"}})
    assert resp.status_code == 202
    mig = mock.wait_migration("db-1", ("error",))
    assert "No valid host" in mig["error"]
    (listed,) = mock.conn.compute.migrations(server_id=server.id,
                                             status="error")
    assert listed.id == mig["id"]
    assert mock.control.instance("db-1")["host"] == "compute-0"


def test_dirty_instance_stalls_until_force_complete(frozen):
    conn, control = frozen.conn, frozen.control
    server = frozen.server_named("db-1")
    conn.compute.live_migrate_server(server, host="compute-1",
                                     block_migration="auto")
    control.advance(3)
    (mig,) = conn.compute.server_migrations(server)
    assert mig.status == "running"
    control.advance(5)
    stuck = conn.compute.get_server_migration(mig, server)
    control.advance(20)
    later = conn.compute.get_server_migration(mig, server)
    assert later.status == "running"
    assert later.memory_remaining_bytes == stuck.memory_remaining_bytes > 0
    assert later.memory_processed_bytes > stuck.memory_processed_bytes
    conn.compute.force_complete_server_migration(mig, server)
    control.advance(5)
    assert frozen.last_migration("db-1")["status"] == "completed"
    assert conn.compute.get_server(server.id).compute_host == "compute-1"


def test_dirty_instance_abort_cancels_and_stays_on_source(mock):
    conn = mock.conn
    server = mock.server_named("db-1")
    conn.compute.live_migrate_server(server, host="compute-2",
                                     block_migration="auto")
    mock.wait_migration("db-1", ("running",))
    (mig,) = conn.compute.server_migrations(server)
    conn.compute.abort_server_migration(mig, server)
    final = mock.wait_migration("db-1", ("cancelled",))
    server = conn.compute.get_server(server.id)
    assert server.status == "ACTIVE" and server.compute_host == "compute-0"
    assert list(_placement(mock, server.id)) == ["compute-0"]
    assert _placement(mock, final["uuid"]) == {}
    # nothing left to abort or force-complete
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.abort_server_migration(final["id"], server,
                                            ignore_missing=False)


def test_force_complete_rejected_unless_running(frozen):
    conn = frozen.conn
    server = frozen.server_named("web-1")
    conn.compute.live_migrate_server(server, host="compute-1",
                                     block_migration="auto")
    frozen.control.advance(0.5)            # queued
    mig = frozen.last_migration("web-1")
    with pytest.raises(BAD):
        conn.compute.force_complete_server_migration(mig["id"], server)
    # abort of a queued migration needs 2.65 (sdk sends 2.80)
    resp = frozen.call("delete", "/servers/%s/migrations/%d" % (
        server.id, mig["id"]), "2.64")
    assert resp.status_code == 400
    conn.compute.abort_server_migration(mig["id"], server)
    frozen.control.advance(0.1)
    assert frozen.last_migration("web-1")["status"] == "cancelled"


def test_named_disabled_host_needs_force(mock):
    conn = mock.conn
    service = conn.compute.find_service("nova-compute", host="compute-2")
    conn.compute.disable_service(service, disabled_reason="drain")
    server = mock.server_named("web-1")
    # 2.30+ without force: the scheduler still filters the named host
    with pytest.raises(BAD):
        conn.compute.live_migrate_server(server, host="compute-2",
                                         block_migration="auto")
    assert mock.last_migration("web-1")["status"] == "error"
    # force=True (2.30 - 2.67) bypasses the filters: a disabled host is fine
    conn.compute.live_migrate_server(server, host="compute-2", force=True,
                                     block_migration="auto")
    assert mock.wait_migration("web-1", ("completed", "error"))["status"] \
        == "completed"
    assert mock.control.instance("web-1")["host"] == "compute-2"


def test_never_to_a_down_host(mock):
    mock.control.host_down("compute-2")
    server = mock.server_named("web-1")
    for force in (False, True):
        with pytest.raises(BAD):
            mock.conn.compute.live_migrate_server(
                server, host="compute-2", force=force,
                block_migration="auto")
    assert mock.control.instance("web-1")["host"] == "compute-0"


def test_pci_passthrough_refuses_live_migration(mock):
    server = mock.server_named("gpu-1")
    with pytest.raises(BAD) as err:
        mock.conn.compute.live_migrate_server(server, host="compute-1",
                                              block_migration="auto")
    assert "PCI" in str(err.value)
    assert mock.control.instance("gpu-1")["status"] == "ACTIVE"


def test_port_resource_request_refuses_live_migration(mock):
    server = mock.server_named("qos-1")
    with pytest.raises(BAD) as err:
        mock.conn.compute.live_migrate_server(server, host="compute-2",
                                              block_migration="auto")
    assert "resource request" in str(err.value)
    assert mock.control.migrations("qos-1") == []


def test_shutoff_instance_cannot_live_migrate(mock):
    server = mock.server_named("batch-1")
    with pytest.raises(openstack.exceptions.ConflictException):
        mock.conn.compute.live_migrate_server(server, host="compute-1",
                                              block_migration="auto")


def test_one_live_migration_at_a_time_per_source(frozen):
    conn = frozen.conn
    for name in ("web-1", "web-2"):
        conn.compute.live_migrate_server(frozen.server_named(name),
                                         host="compute-1",
                                         block_migration="auto")
    frozen.control.advance(2.0)
    assert frozen.last_migration("web-1")["status"] == "running"
    assert frozen.last_migration("web-2")["status"] == "queued"
    frozen.control.advance(10.0)
    assert frozen.last_migration("web-1")["status"] == "completed"
    assert frozen.last_migration("web-2")["status"] == "completed"


def test_injected_failure_during_running(mock):
    mock.control.add_fault(kind="migration_fail", instance="web-1",
                           phase="running")
    mock.conn.compute.live_migrate_server(mock.server_named("web-1"),
                                          host="compute-1",
                                          block_migration="auto")
    mig = mock.wait_migration("web-1", ("error", "completed"))
    assert mig["status"] == "error"
    assert mock.control.instance("web-1")["host"] == "compute-0"
