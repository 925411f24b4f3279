"""Nova discovery, microversions and body validation; read-only views."""

import openstack
import pytest

ALL = dict(all_projects=True, details=True)


def test_version_documents_point_back_at_the_mock(mock):
    root = mock.call("get", mock.url + "/").json()
    current = [v for v in root["versions"] if v["id"] == "v2.1"][0]
    assert current["version"] == "2.96" and current["min_version"] == "2.1"
    assert current["links"][0]["href"] == mock.url + "/v2.1/"
    doc = mock.call("get", mock.url + "/v2.1/").json()["version"]
    assert doc["links"][0] == {"rel": "self", "href": mock.url + "/v2.1/"}
    data = mock.conn.compute.get_endpoint_data()
    assert data.min_microversion == (2, 1)
    assert data.max_microversion == (2, 96)


def test_microversion_is_echoed(mock):
    resp = mock.call("get", "/servers", microversion="2.53")
    assert resp.headers["OpenStack-API-Version"] == "compute 2.53"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == "2.53"
    resp = mock.call("get", "/servers")
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"


def test_microversion_out_of_range_or_malformed(mock):
    session = mock.conn.compute
    resp = session.get("/servers", raise_exc=False,
                       headers={"OpenStack-API-Version": "compute 2.97"})
    assert resp.status_code == 406
    resp = session.get("/servers", raise_exc=False,
                       headers={"OpenStack-API-Version": "compute latest"})
    assert resp.headers["OpenStack-API-Version"] == "compute 2.96"
    resp = session.get("/servers", raise_exc=False,
                       headers={"X-OpenStack-Nova-API-Version": "two"})
    assert resp.status_code == 400


def test_unknown_key_in_action_body_is_rejected(mock):
    server = mock.server_named("web-1")
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.30",
                     {"os-migrateLive": {"host": None,
                                         "block_migration": "auto",
                                         "bogus": 1}})
    assert resp.status_code == 400
    assert "bogus" in resp.json()["badRequest"]["message"]
    # 'force' exists only in 2.30 - 2.67
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.68",
                     {"os-migrateLive": {"host": None,
                                         "block_migration": "auto",
                                         "force": False}})
    assert resp.status_code == 400
    # before 2.25: no "auto", and disk_over_commit is required
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.24",
                     {"os-migrateLive": {"host": None,
                                         "block_migration": "auto",
                                         "disk_over_commit": False}})
    assert resp.status_code == 400
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.24",
                     {"os-migrateLive": {"host": None,
                                         "block_migration": False}})
    assert resp.status_code == 400
    # migrate takes a host from 2.56 only; unknown keys rejected there
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.56",
                     {"migrate": {"host": "compute-1", "extra": True}})
    assert resp.status_code == 400
    assert mock.control.instance("web-1")["task_state"] is None
    resp = mock.call("post", "/servers/%s/action" % server.id, "2.30",
                     {"noSuchAction": None})
    assert resp.status_code == 400


def test_servers_detail_filters_and_admin_attributes(mock):
    conn = mock.conn
    servers = list(conn.compute.servers(**ALL))
    assert len(servers) == 7
    mine = list(conn.compute.servers(details=True))
    assert "qos-1" not in {s.name for s in mine}   # project demo
    on_c0 = list(conn.compute.servers(compute_host="compute-0", **ALL))
    assert {s.name for s in on_c0} == {"web-1", "web-2", "batch-1", "gpu-1",
                                       "db-1"}
    gpu = [s for s in on_c0 if s.name == "gpu-1"][0]
    assert gpu.compute_host == "compute-0"
    assert gpu.hypervisor_hostname == "compute-0"
    assert gpu.vm_state == "active" and gpu.task_state is None
    assert gpu.flavor.extra_specs == {"pci_passthrough:alias": "a1:1"}
    batch = conn.compute.get_server(mock.control.instance("batch-1")["id"])
    assert batch.status == "SHUTOFF" and batch.vm_state == "stopped"
    raw = mock.call("get", "/servers/detail?all_tenants=1",
                    microversion="2.46").json()["servers"][0]
    assert set(raw["flavor"]) == {"id", "links"}
    assert "OS-EXT-SRV-ATTR:host" in raw and "host_status" in raw


def test_services_hypervisors_and_placement(mock):
    conn = mock.conn
    computes = list(conn.compute.services(binary="nova-compute"))
    assert [s.host for s in computes] == ["compute-0", "compute-1",
                                          "compute-2", "compute-3"]
    assert all(s.state == "up" and s.status == "enabled" for s in computes)
    assert list(conn.compute.services(host="compute-2"))[0].binary == \
        "nova-compute"
    hyp = list(conn.compute.hypervisors(details=True))
    raw = mock.call("get", "/os-hypervisors/detail", "2.88").json()
    assert "memory_mb" not in raw["hypervisors"][0]
    assert raw["hypervisors"][0]["service"]["host"] == hyp[0].name
    old = mock.call("get", "/os-hypervisors/detail", "2.87").json()
    assert old["hypervisors"][0]["memory_mb"] == 65536
    rp = conn.placement.find_resource_provider("compute-0")
    inv = {i.resource_class: i for i in
           conn.placement.resource_provider_inventories(rp)}
    assert inv["MEMORY_MB"].total == 65536 and inv["MEMORY_MB"].reserved == 4096
    assert inv["VCPU"].allocation_ratio == 4.0
    usages = conn.placement.fetch_resource_provider_usages(rp).usages
    assert usages["MEMORY_MB"] == 2048 * 2 + 8192 * 3
    web1 = mock.control.instance("web-1")["id"]
    alloc = mock.call("get", "/allocations/" + web1, "1.28",
                      service="placement").json()
    assert alloc["allocations"][rp.id]["resources"]["MEMORY_MB"] == 2048


def test_port_resource_request_is_visible_in_neutron(mock):
    qos = mock.control.instance("qos-1")["id"]
    (port,) = mock.conn.network.ports(device_id=qos)
    assert port.resource_request["resources"]
    (plain,) = mock.conn.network.ports(
        device_id=mock.control.instance("web-1")["id"])
    assert plain.resource_request is None


def test_missing_server_is_404(mock):
    with pytest.raises(openstack.exceptions.NotFoundException):
        mock.conn.compute.get_server("00000000-0000-0000-0000-000000000000")
