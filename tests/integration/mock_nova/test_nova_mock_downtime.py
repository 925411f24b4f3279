"""Downtime events in the control state: live migration, evacuation, reboot."""

import pytest


def _compute(mock, host):
    return next(s for s in mock.conn.compute.services(binary="nova-compute")
                if s.host == host)


def test_live_migration_records_no_downtime(frozen):
    conn, control = frozen.conn, frozen.control
    conn.compute.live_migrate_server(frozen.server_named("web-2"),
                                     host="compute-1", block_migration="auto")
    for _second in range(10):
        control.advance(1.0)
        assert control.instance("web-2")["guest_running"] is True
    assert frozen.last_migration("web-2")["status"] == "completed"
    assert control.instance("web-2")["host"] == "compute-1"
    assert control.downtime("web-2") == []
    assert control.downtime()["events"] == 0


def test_evacuation_is_downtime_until_the_guest_runs_again(frozen):
    conn, control = frozen.conn, frozen.control
    conn.compute.update_service_forced_down(_compute(frozen, "compute-0"))
    server = frozen.server_named("web-1")
    conn.compute.evacuate_server(server, host="compute-2")
    control.advance(1.0)                       # rebuilding on compute-2
    server = conn.compute.get_server(server.id)
    assert server.status == "REBUILD" and server.compute_host == "compute-2"
    # _do_rebuild_instance reads the power state where the guest is not
    # yet: NOSTATE
    assert server.power_state == 0
    (event,) = control.downtime("web-1")
    assert event["kind"] == "evacuate" and event["end"] is None
    assert (event["source"], event["target"]) == ("compute-0", "compute-2")
    control.advance(2.0)
    server = conn.compute.get_server(server.id)
    # the sdk negotiates 2.96: from 2.95 the evacuated server ends SHUTOFF,
    # so the guest is still down until someone starts it
    assert server.status == "SHUTOFF" and server.power_state == 4
    assert control.downtime()["open"] == 1
    conn.compute.start_server(server)
    control.advance(1.0)
    assert conn.compute.get_server(server.id).status == "ACTIVE"
    (event,) = control.downtime("web-1")
    assert event["end"] is not None and event["seconds"] == pytest.approx(3.0)
    assert control.downtime() == {"events": 1, "open": 0, "seconds": 3.0,
                                  "by_kind": {"evacuate": 1}}


def test_evacuation_before_2_95_ends_running(frozen):
    control = frozen.control
    control.host_down("compute-0")
    server = frozen.server_named("web-2")
    resp = frozen.call("post", "/servers/%s/action" % server.id, "2.94",
                       {"evacuate": {"host": "compute-1"}})
    assert resp.status_code == 200
    control.advance(3.0)
    web2 = control.instance("web-2")
    assert web2["status"] == "ACTIVE" and web2["guest_running"] is True
    (event,) = web2["downtime"]
    assert event["kind"] == "evacuate"
    assert event["seconds"] == pytest.approx(2.0)     # timing.evacuate


def test_evacuating_a_shutoff_instance_is_no_downtime(frozen):
    control = frozen.control
    control.host_down("compute-0")
    server = frozen.server_named("batch-1")
    frozen.conn.compute.evacuate_server(server, host="compute-1")
    control.advance(3.0)
    assert control.instance("batch-1")["host"] == "compute-1"
    assert control.downtime()["events"] == 0


def test_evacuating_an_error_instance_at_2_95_ends_active(start_mock):
    def broken(scenario):
        scenario["instances"][0]["status"] = "ERROR"
    mock = start_mock(mutate=broken, time_scale=0)
    mock.control.host_down("compute-0")
    server = mock.server_named("web-1")
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.95",
                     {"evacuate": {"host": "compute-1"}})
    assert resp.status_code == 200
    mock.control.advance(3.0)
    web1 = mock.control.instance("web-1")
    assert web1["status"] == "ACTIVE" and web1["guest_running"] is True
    assert web1["downtime"] == []          # it was not running before


def test_host_reboot_with_guests_on_it_is_downtime(frozen):
    control = frozen.control
    control.reboot("compute-0", down_seconds=60)
    downtime = control.downtime()
    # web-1, web-2, gpu-1, db-1 run there; batch-1 is SHUTOFF
    assert downtime["by_kind"] == {"host_reboot": 4}
    assert downtime["open"] == 4
    control.advance(61)
    (event,) = control.downtime("web-1")
    assert event["kind"] == "host_reboot"
    assert event["seconds"] == pytest.approx(60.0)
    assert control.instance("web-1")["guest_running"] is True
    assert control.downtime("batch-1") == []
