"""os-services updates with nova's 400 rules; evacuation; host down/up."""

import openstack
import pytest

from nova_mock_helpers import wait_until

BAD = openstack.exceptions.BadRequestException


def _compute(mock, host):
    return mock.conn.compute.find_service("nova-compute", host=host)


def test_disable_with_reason_then_enable(mock):
    conn = mock.conn
    service = conn.compute.disable_service(_compute(mock, "compute-0"),
                                           disabled_reason="patching")
    assert service.status == "disabled"
    assert service.disabled_reason == "patching"
    assert mock.control.host("compute-0")["status"] == "disabled"
    service = conn.compute.enable_service(service)
    assert service.status == "enabled" and service.disabled_reason is None


def test_enable_with_reason_and_empty_update_are_rejected(mock):
    conn = mock.conn
    service = conn.compute.disable_service(_compute(mock, "compute-1"))
    with pytest.raises(BAD) as err:
        conn.compute.update_service(service, status="enabled",
                                    disabled_reason="why")
    assert "'disabled_reason' with status 'enabled'" in str(err.value)
    assert mock.control.host("compute-1")["status"] == "disabled"
    for body in ({}, {"disabled_reason": "only a reason"}):
        resp = mock.call("put", "/os-services/" + service.id, "2.53", body)
        assert resp.status_code == 400
    resp = mock.call("put", "/os-services/" + service.id, "2.53",
                     {"status": "off"})
    assert resp.status_code == 400
    resp = mock.call("put", "/os-services/not-a-uuid", "2.53",
                     {"status": "disabled"})
    assert resp.status_code == 400
    scheduler = conn.compute.find_service("nova-scheduler")
    with pytest.raises(BAD):
        conn.compute.disable_service(scheduler)
    # the pre-2.53 action API still works below 2.53
    resp = mock.call("put", "/os-services/disable", "2.11",
                     {"host": "compute-1", "binary": "nova-compute"})
    assert resp.json()["service"]["status"] == "disabled"


def test_evacuate_refused_until_forced_down(mock):
    conn, control = mock.conn, mock.control
    server = mock.server_named("web-1")
    with pytest.raises(BAD) as err:
        conn.compute.evacuate_server(server)
    assert "Compute service of compute-0 is still in use." in str(err.value)
    conn.compute.update_service_forced_down(_compute(mock, "compute-0"))
    assert control.host("compute-0")["state"] == "down"
    conn.compute.evacuate_server(server, host="compute-1")
    mig = mock.wait_migration("web-1", ("done", "error"))
    assert mig["status"] == "done" and mig["migration_type"] == "evacuation"
    server = conn.compute.get_server(server.id)
    # the sdk negotiates 2.96: from 2.95 an evacuated server ends SHUTOFF
    assert server.compute_host == "compute-1" and server.status == "SHUTOFF"
    # the source keeps its claim until its compute service restarts
    assert sorted(control.state()["allocations"][server.id]) == [
        "compute-0", "compute-1"]
    with pytest.raises(BAD):                 # 'done' evacuations remain
        conn.compute.update_service_forced_down(_compute(mock, "compute-0"),
                                                forced=False)
    control.host_up("compute-0")
    assert mock.last_migration("web-1")["status"] == "completed"
    assert list(control.state()["allocations"][server.id]) == ["compute-1"]
    conn.compute.update_service_forced_down(_compute(mock, "compute-0"),
                                            forced=False)
    assert control.host("compute-0")["state"] == "up"


def test_evacuate_from_crashed_host_keeps_active_before_2_95(mock):
    mock.control.host_down("compute-0")
    server = mock.server_named("web-2")
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.94",
                     {"evacuate": {}})
    assert resp.status_code == 200
    wait_until(lambda: mock.control.instance("web-2")["task_state"] is None)
    web2 = mock.control.instance("web-2")
    assert web2["status"] == "ACTIVE" and web2["host"] != "compute-0"


def test_host_down_keeps_vm_state_and_reboot_comes_back(frozen):
    conn, control = frozen.conn, frozen.control
    control.reboot("compute-0", down_seconds=60)
    assert _compute(frozen, "compute-0").state == "down"
    server = frozen.server_named("web-1")
    assert server.status == "ACTIVE"          # nova does not know
    assert server.host_status == "UNKNOWN"
    control.advance(59)
    assert _compute(frozen, "compute-0").state == "down"
    control.advance(2)
    assert _compute(frozen, "compute-0").state == "up"
    assert frozen.server_named("web-1").status == "ACTIVE"


def test_live_migration_fails_when_target_goes_down(frozen):
    conn, control = frozen.conn, frozen.control
    conn.compute.live_migrate_server(frozen.server_named("web-1"),
                                     host="compute-1",
                                     block_migration="auto")
    control.advance(2.1)
    assert frozen.last_migration("web-1")["status"] == "running"
    control.host_down("compute-1")
    assert frozen.last_migration("web-1")["status"] == "error"
    assert frozen.server_named("web-1").compute_host == "compute-0"
