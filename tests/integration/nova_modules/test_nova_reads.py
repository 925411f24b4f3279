"""nova_cluster_info's round trips: each list read once, so a read makes as many requests with 7 servers as with
37; the servers' ports in one neutron query per 50 servers; Placement's inventories once per host in scope."""

import collections
import re

from module_runner import run_module

HOSTS = 4  # four_hosts.yaml


def more_servers(count):
    """mutate(scenario): count more small servers, spread over compute-0..2."""
    def mutate(scenario):
        scenario["instances"].extend({"name": "extra-%02d" % i, "host": "compute-%d" % (i % 3), "flavor": "m1.small",
                                      "status": "ACTIVE"} for i in range(count))
    return mutate


def read(nova, **args):
    """The module's result and its requests to the cloud, as 'service METHOD path' -> count (ids as <id>)."""
    nova.control.clear_requests()
    result = run_module("nova_cluster_info", dict(nova.args, **args))
    assert not result.get("failed"), result
    requests = collections.Counter("%s %s %s" % (r["service"], r["method"], re.sub(r"[0-9a-f-]{36}", "<id>", r["path"]))
                                   for r in nova.control.requests())
    return result, requests


def test_a_read_makes_the_same_requests_whatever_the_number_of_servers(nova_with):
    few, few_requests = read(nova_with(0))
    many, many_requests = read(nova_with(0, mutate=more_servers(30)))
    assert (len(few["vms"]), len(many["vms"])) == (7, 37)
    assert many_requests == few_requests
    for listed in ("nova GET /v2.1/os-services", "nova GET /v2.1/servers/detail", "nova GET /v2.1/os-server-groups",
                   "nova GET /v2.1/os-availability-zone/detail", "nova GET /v2.1/os-hypervisors/detail",
                   "neutron GET /networking/v2.0/ports", "placement GET /placement/resource_providers"):
        assert many_requests[listed] == 1, (listed, many_requests)
    assert many_requests["placement GET /placement/resource_providers/<id>/inventories"] == HOSTS
    # keystone (discovery, token), nova and Placement discovery, the lists and one inventory per host: 15 with
    # four hosts (before: 17 and one neutron query per server, 24 with these 7 servers, 54 with 37)
    assert sum(many_requests.values()) == 15
    qos = [v for v in many["vms"] if v["name"] == "qos-1"][0]
    assert "live" not in qos["methods"] and "resource request" in qos["methods_reason"]


def test_ports_are_read_fifty_servers_a_query_and_inventories_only_for_the_hosts_asked(nova_with):
    nova = nova_with(0, mutate=more_servers(60))
    everything, requests = read(nova)
    assert len(everything["vms"]) == 67 and requests["neutron GET /networking/v2.0/ports"] == 2
    qos = [v for v in everything["vms"] if v["name"] == "qos-1"][0]
    assert "live" not in qos["methods"]
    one, requests = read(nova, hosts=["compute-1"])
    assert [h["name"] for h in one["hosts"]] == ["compute-1"] and set(v["host"] for v in one["vms"]) == {"compute-1"}
    assert requests["placement GET /placement/resource_providers/<id>/inventories"] == 1
    assert one["hosts"][0] == [h for h in everything["hosts"] if h["name"] == "compute-1"][0]


def test_an_unknown_host_is_named_with_the_known_ones(nova):
    result = run_module("nova_cluster_info", dict(nova.args, hosts=["compute-9"]))
    assert result["failed"]
    assert result["msg"] == "unknown compute host(s): compute-9; known: compute-0, compute-1, compute-2, compute-3"
