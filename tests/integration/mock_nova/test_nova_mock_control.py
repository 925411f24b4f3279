"""The control API, fault injection, 'mock down', and the standalone process."""

import os

import openstack
import pytest
from keystoneauth1 import exceptions as ks_exc

from nova_mock_helpers import SCENARIO_FILE
from tests.mocks.nova.control import start_subprocess
from tests.mocks.nova.scenario import ScenarioError, normalize


def test_standalone_process_writes_url_and_serves_the_sdk(tmp_path):
    url_file = tmp_path / "nova.url"
    process, control = start_subprocess(SCENARIO_FILE, url_file=str(url_file))
    try:
        assert url_file.read_text().strip() == control.url
        assert control.url.startswith("http://127.0.0.1:")
        conn = control.connect()
        names = {s.name for s in conn.compute.servers(all_projects=True)}
        assert "web-1" in names
    finally:
        control.stop()
        assert process.wait(timeout=10) == 0


def test_mock_down_503_then_back(mock):
    conn = mock.conn
    list(conn.compute.services())
    mock.control.api_down("503")
    with pytest.raises(openstack.exceptions.HttpException) as err:
        list(conn.compute.services())
    assert err.value.status_code == 503
    mock.control.api_up()
    assert list(conn.compute.services())


def test_mock_down_reset_drops_connections(mock):
    conn = mock.conn
    list(conn.compute.services())
    mock.control.api_down("reset")
    with pytest.raises(ks_exc.ConnectionError):
        list(conn.compute.services())
    mock.control.api_up()
    assert list(conn.compute.services())


def test_http_fault_is_injected_once(mock):
    mock.control.add_fault(kind="http_error", method="GET",
                           path="/os-services", status=500, count=1)
    with pytest.raises(openstack.exceptions.HttpException) as err:
        list(mock.conn.compute.services())
    assert err.value.status_code == 500
    assert list(mock.conn.compute.services())
    assert mock.control.state()["faults"][0]["count"] == 0


def test_scenario_faults_apply_from_the_start(start_mock):
    mock = start_mock(faults=[{"kind": "http_error", "service": "placement",
                               "path": "/resource_providers", "status": 503,
                               "count": 2}])
    for attempt in range(2):
        with pytest.raises(openstack.exceptions.HttpException):
            list(mock.conn.placement.resource_providers())
    assert len(list(mock.conn.placement.resource_providers())) == 4


def test_request_log_shows_what_the_client_did(mock):
    list(mock.conn.compute.servers(all_projects=True, details=True))
    mock.control.clear_requests()
    mock.conn.compute.stop_server(mock.server_named("web-1"))
    writes = [r for r in mock.control.requests() if r["method"] != "GET"]
    assert [(r["method"], r["status"]) for r in writes] == [("POST", 202)]


def test_reset_restores_the_scenario(mock):
    mock.control.host_down("compute-1")
    mock.conn.compute.stop_server(mock.server_named("web-1"))
    mock.control.reset()
    assert mock.control.host("compute-1")["state"] == "up"
    assert mock.control.instance("web-1")["task_state"] is None
    assert list(mock.conn.compute.services())     # old token still valid


def test_dirty_flag_and_state_document(mock):
    state = mock.control.set_dirty("web-1")
    assert state["dirty"] is True
    full = mock.control.state()
    host = full["hosts"]["compute-3"]
    assert host["capacity"]["MEMORY_MB"] == 16384 - 4096
    assert host["free"]["MEMORY_MB"] == 16384 - 4096 - 8192


def test_scenario_rejects_unknown_keys():
    with pytest.raises(ScenarioError):
        normalize({"hosts": [{"name": "h", "memroy_mb": 1}]})
    with pytest.raises(ScenarioError):
        normalize({"hosts": [{"name": "h"}],
                   "instances": [{"name": "i", "host": "x", "flavor": "f"}]})
    assert os.path.exists(SCENARIO_FILE)
