"""nova_cluster_info gives each compute host the hypervisor's host_ip (what the rolling update's ip host match reads),
and the hosts pass on to placement_plan as they are."""

import os

import pytest
import yaml

from module_runner import run_module
from tests.mocks.nova import MockServer
from tests.mocks.nova.control import MockControl

SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "mocks", "nova", "scenarios",
                        "four_hosts.yaml")

# compute-2 reports an address of its own (nova's my_ip); the others keep the mock's default 192.0.2.(10+i)
EXPECTED = {"compute-0": "192.0.2.10", "compute-1": "192.0.2.11", "compute-2": "203.0.113.7",
            "compute-3": "192.0.2.13"}


@pytest.fixture
def nova_ips():
    with open(SCENARIO, encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    scenario["time_scale"] = 60
    for host in scenario["hosts"]:
        if host["name"] == "compute-2":
            host["host_ip"] = EXPECTED["compute-2"]
    server = MockServer(scenario).start()
    yield server
    server.stop()


def module_args(server):
    auth = MockControl(server.url).auth()
    return {"auth": dict((k, auth[k]) for k in ("auth_url", "username", "password", "project_name",
                                                "user_domain_name", "project_domain_name")),
            "region_name": auth["region_name"]}


def hypervisor_ips(args):
    """Service host -> host_ip, read straight from GET /os-hypervisors/detail."""
    import openstack
    conn = openstack.connect(**args)
    try:
        body = conn.compute.get("/os-hypervisors/detail", microversion="2.88").json()
    finally:
        conn.close()
    return dict((h["service"]["host"], h["host_ip"]) for h in body["hypervisors"])


def test_each_host_carries_its_hypervisor_host_ip(nova_ips):
    args = module_args(nova_ips)
    info = run_module("nova_cluster_info", args)
    assert not info.get("failed"), info.get("msg")
    ips = dict((h["name"], h["ip"]) for h in info["hosts"])
    assert ips == EXPECTED
    assert ips == hypervisor_ips(args)

    one = run_module("nova_cluster_info", dict(args, hosts=["compute-2"]))
    assert [(h["name"], h["ip"]) for h in one["hosts"]] == [("compute-2", "203.0.113.7")]

    # the gather's hosts go to placement_plan unchanged (platform_cluster.hosts): ip is accepted, not planned with
    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                         "drain_hosts": ["compute-0"], "scope": "all", "count_powered_off": True})
    assert not plan.get("failed"), plan.get("msg")
    assert plan["plan"]["feasible"]
