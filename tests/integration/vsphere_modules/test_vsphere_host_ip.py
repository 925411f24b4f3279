"""vsphere_cluster_info gives each ESXi host its management address as vCenter reports it (what the rolling update's
ip host match reads): the IPv4 of the VMkernel adapter selected for the management service, else vmk0's."""

from module_runner import run_module


def management_network(scenario):
    """basic.json with its own addresses: esx-02 has a second management-capable adapter, vmk2."""
    hosts = scenario["clusters"][0]["hosts"]
    hosts[0]["vmknics"] = [{"device": "vmk0", "portgroup": "Management Network", "ip": "192.0.2.21"},
                           {"device": "vmk1", "portgroup": "vMotion", "ip": "198.51.100.21"}]
    hosts[1]["vmknics"] = [{"device": "vmk0", "portgroup": "Management Network", "ip": "192.0.2.22"},
                           {"device": "vmk1", "portgroup": "vMotion", "ip": "198.51.100.22"},
                           {"device": "vmk2", "portgroup": "Management 2", "ip": "203.0.113.22"}]


def selected_management(vs, host):
    """(device, ip) of the adapters selected for management, read through pyvmomi."""
    config = vs.host(host).config
    ips = dict((nic.device, nic.spec.ip.ipAddress) for nic in config.network.vnic)
    for net in config.virtualNicManagerInfo.netConfig:
        if net.nicType == "management":
            return sorted((key.rsplit("-", 1)[-1], ips[key.rsplit("-", 1)[-1]]) for key in net.selectedVnic)
    return []


def host_ips(vs):
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-A"))
    assert not info.get("failed"), info.get("msg")
    return info, dict((h["name"], h["ip"]) for h in info["hosts"])


def test_each_host_carries_the_address_of_its_management_vmknic(start_vsphere):
    vs = start_vsphere("basic", mutate=management_network)
    assert selected_management(vs, "esx-01") == [("vmk0", "192.0.2.21")]
    info, ips = host_ips(vs)
    assert ips == {"esx-01": "192.0.2.21", "esx-02": "192.0.2.22"}

    # the gather's hosts go to placement_plan unchanged (platform_cluster.hosts): ip is accepted, not planned with
    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                         "drain_hosts": ["esx-01"]})
    assert not plan.get("failed"), plan.get("msg")
    assert plan["plan"]["feasible"]

    # management moves to vmk2 on esx-02; on esx-01 no adapter is selected for it any more: vmk0's address
    manager = vs.host("esx-02").configManager.virtualNicManager
    manager.SelectVnicForNicType("management", "vmk2")
    manager.DeselectVnicForNicType("management", "vmk0")
    vs.host("esx-01").configManager.virtualNicManager.DeselectVnicForNicType("management", "vmk0")
    assert selected_management(vs, "esx-02") == [("vmk2", "203.0.113.22")]
    assert selected_management(vs, "esx-01") == []
    assert host_ips(vs)[1] == {"esx-01": "192.0.2.21", "esx-02": "203.0.113.22"}
