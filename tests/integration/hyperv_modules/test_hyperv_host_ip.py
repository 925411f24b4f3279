"""hyperv_cluster_info gives each node its address on the cluster network that carries client access (what the
rolling update's ip host match reads), in the one script that reads the nodes."""

import os

import yaml

from module_runner import run_module

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "mocks", "hyperv", "scenarios")


def scenario_with_addresses():
    """small_3node with HV02 at an address of its own and a fourth node, HV04, without an interface on the client
    network."""
    with open(os.path.join(SCENARIOS, "small_3node.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    nodes = dict((n["name"], n) for n in data["nodes"])
    nodes["HV02"]["address"] = "203.0.113.42"
    data["nodes"].append({"name": "HV04", "address": None})
    return data


def test_each_node_carries_its_client_access_address(small):
    info = run_module("hyperv_cluster_info", small.args)
    assert not info.get("failed"), info.get("msg")
    # the defaults of the mock: 192.0.2.(10+N) on the ClusterAndClient network, 198.51.100.(10+N) on the
    # cluster-only network, which is listed first
    assert dict((h["name"], h["ip"]) for h in info["hosts"]) == {
        "HV01": "192.0.2.11", "HV02": "192.0.2.12", "HV03": "192.0.2.13"}
    sent = small.commands_sent()
    assert len(sent) == 1 and "Get-ClusterNetworkInterface" in sent[0]["script"]

    # the gather's hosts go to placement_plan unchanged (platform_cluster.hosts): ip is accepted, not planned with
    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                         "drain_hosts": ["HV01"]})
    assert not plan.get("failed"), plan.get("msg")


def test_address_follows_the_cluster_database(small):
    small.control.reset(scenario_with_addresses())
    small.control.fault(node_down="HV03")  # a down node's interfaces stay in the cluster database
    info = run_module("hyperv_cluster_info", small.args)
    assert not info.get("failed"), info.get("msg")
    hosts = dict((h["name"], h) for h in info["hosts"])
    assert dict((name, host["ip"]) for name, host in hosts.items()) == {
        "HV01": "192.0.2.11", "HV02": "203.0.113.42", "HV03": "192.0.2.13", "HV04": None}
    assert hosts["HV03"]["state"] == "down"
